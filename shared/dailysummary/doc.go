// Package dailysummary is the daily summary email: each user with
// dailySummary.enabled gets one email a day at dailySummary.time in their
// time zone, listing that local day's activities (tasks and appointments)
// in their language; users with nothing scheduled get a short "nothing
// scheduled" email. It runs in the functions `daily-summary` (every 5
// minutes), `daily-summary-worker` (the queue consumer) and `activities`
// (platform events); its storage is store/dailysummarydb and its wiring
// app/dailysummarywire.
//
// How due users are found without a scan: every user with the summary on
// has one schedule entry (store: USER#<uid>/DIGEST) in the sparse index
// gsi1 under one of Shards (16) partitions ("DUE#<n>"), sorted by the next
// due instant in UTC. The profile's AfterSave hook (Scheduler.AfterSave)
// keeps it current when the preference or the time zone changes; a run
// (Runner.Run) queries each shard for entries due at or before now. Due
// instants are DST-correct: a local time the clocks skip goes out at the
// transition, a repeated one once.
//
// Never twice for the same local day: a run claims a user's day with one
// conditional write that moves the entry to the next local day only if it
// still holds the due value read (and the day is after the last day sent).
// Overlapping runs, Lambda retries and duplicate deliveries lose that
// condition and skip the user. If sending fails the claim is released, so
// the next run (5 minutes later) sends it. A summary goes out at the first
// run at or after its local time, so a slower schedule
// (schedule.daily-summary) sends later.
//
// At scale (fanout.go): one run can send at most SendRate
// (DAILY_SUMMARY_SEND_RATE, 14/s by default, SES's default send rate) emails
// a second for under five minutes, about 3,900 a run. So the deployed stack
// fans out: with a Queue (QUEUE_URL) the run only claims each due day and
// queues it on the `digest` SQS queue (10 per SendMessageBatch), and the
// daily-summary-worker function sends batches of 10, returning failed
// messages in a partial batch response; after 5 tries they go to the
// alarmed dead-letter queue, and redriving them still sends the day. A
// claimed day carries a pending mark that the worker takes with a
// conditional write before sending, so SQS redeliveries never send twice. At
// most queueMaxConcurrency workers (N, default 2, QUEUE_MAX_CONCURRENCY) run
// at once, each pacing at SendRate/N, so together they stay under the SES
// rate (at 14/s about 50,000 emails an hour: raise the SES quota and
// DAILY_SUMMARY_SEND_RATE together). SQS was chosen over Step Functions
// because the work is many small independent items that need per-message
// retries, a dead-letter queue and a concurrency cap, without a state
// transition per email. Without a queue URL the run sends inline (the make
// run default; LOCAL_QUEUES=1 make run starts a local SQS emulator). A day
// that a later claim replaced before it was sent is dropped and counted
// (metric DigestsDropped, logged at warn).
//
// Activities arrive as EventBridge events from platform.activities
// (Activity Scheduled, Activity Updated, Activity Cancelled) with the detail
// {activityId, userId, kind: "task"|"appointment", title, startAt, endAt?,
// location?, version, updatedAt} (see events.go and events/activity-*.json).
// A write lands only if its version is newer, so redelivered and
// out-of-order events are harmless. Activities are stored per user and
// activity, indexed by start time (gsi2) so one Query returns a user's
// activities of one local day.
//
// Requests: a due user costs two DynamoDB requests, one strongly
// consistent Query on the user's partition that returns the user record,
// the notification preferences and the day's live activities
// (Store.DigestInputs; the filter trims the answer, not the read capacity)
// and the conditional claim; the index pages come on top, per run. With the
// fan-out the run only claims (1 request, so 100,000 due users fit in its
// 5-minute timeout) and the worker takes the claim and reads once (3 in
// all); the worker then handles a deleted account (skips it) and an entry a
// missed profile hook left stale (gives the claim back and repairs it).
//
// Each run records the metrics DigestsDue, DigestsSent, DigestsQueued,
// DigestsDropped and DigestIndexItemsRead (package metrics), and the worker
// DigestLatenessSeconds (how late the latest summary of a batch went out;
// alarmed above an hour). BenchmarkDailySummaryRun measures index items read
// per run, requests per due user and emails per second;
// BenchmarkDailySummaryBunching puts DIGEST_BENCH_USERS users at 07:30 in
// one zone and checks that the run enqueues all within its timeout, that
// the SES emulator receives each exactly once and that the last goes out
// users/rate seconds late (docs/testing.md).
package dailysummary
