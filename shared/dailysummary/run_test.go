package dailysummary_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/example/myprofile/shared/app/apptest"
	"github.com/example/myprofile/shared/catalog"
	"github.com/example/myprofile/shared/dailysummary"
	"github.com/example/myprofile/shared/store"
)

// start is a Saturday; New York springs forward the next night, so the
// second local day there is 23 hours long.
var start = time.Date(2026, 3, 7, 0, 0, 0, 0, time.UTC)

func newEnv(t *testing.T) *apptest.Env {
	t.Helper()
	return apptest.New(t, &apptest.Options{Start: start, Env: map[string]string{"DAILY_SUMMARY_SEND_RATE": "0"}})
}

// subscribe signs a user up in zone tz and turns the summary on at hhmm
// through PATCH /v1/me, as the user would.
func subscribe(t *testing.T, e *apptest.Env, tz, lang, hhmm string) apptest.User {
	t.Helper()
	u := e.SignUp(map[string]any{"timezone": tz, "language": lang})
	e.Must(200, apptest.Req{Method: "PATCH", Path: "/v1/me", Token: u.Token,
		Body: map[string]any{"dailySummary": map[string]any{"enabled": true, "time": hhmm}}})
	return u
}

func activity(t *testing.T, e *apptest.Env, detailType string, d map[string]any) {
	t.Helper()
	raw, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	// The activities function, as EventBridge invokes it.
	job, err := e.Deps.Job("activities")
	if err != nil {
		t.Fatal(err)
	}
	if err := job(context.Background(), events.EventBridgeEvent{Source: catalog.ActivitySource, DetailType: detailType, Detail: raw}); err != nil {
		t.Fatalf("activity event: %v", err)
	}
}

func mustRun(t *testing.T, r *dailysummary.Runner) dailysummary.Stats {
	t.Helper()
	st, err := r.Run(context.Background())
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return st
}

func TestThreeZonesTwoLocalDays(t *testing.T) {
	e := newEnv(t)
	type sub struct {
		user apptest.User
		due  []time.Time // the two local days' due instants
	}
	subs := map[string]*sub{
		"new york": {user: subscribe(t, e, "America/New_York", "en", "07:30"),
			due: []time.Time{time.Date(2026, 3, 7, 12, 30, 0, 0, time.UTC), time.Date(2026, 3, 8, 11, 30, 0, 0, time.UTC)}},
		"berlin": {user: subscribe(t, e, "Europe/Berlin", "es", "08:00"),
			due: []time.Time{time.Date(2026, 3, 7, 7, 0, 0, 0, time.UTC), time.Date(2026, 3, 8, 7, 0, 0, 0, time.UTC)}},
		"kolkata": {user: subscribe(t, e, "Asia/Kolkata", "en", "06:00"),
			due: []time.Time{time.Date(2026, 3, 7, 0, 30, 0, 0, time.UTC), time.Date(2026, 3, 8, 0, 30, 0, 0, time.UTC)}},
	}
	ny := subs["new york"].user.ID
	// Tasks are emailed by default (notification preferences); the New York
	// user says so explicitly, the Berlin user turns task email off.
	e.Must(200, apptest.Req{Method: "PUT", Path: "/v1/me/notifications", Token: subs["new york"].user.Token,
		Body: map[string]any{"web": map[string]any{"tasks": map[string]any{"inApp": true, "email": true, "push": false, "sms": false}}}})
	noTaskEmail := map[string]any{"inApp": true, "email": false, "push": false, "sms": false}
	e.Must(200, apptest.Req{Method: "PUT", Path: "/v1/me/notifications", Token: subs["berlin"].user.Token,
		Body: map[string]any{"web": map[string]any{"tasks": noTaskEmail}, "mobile": map[string]any{"tasks": noTaskEmail}}})
	activity(t, e, dailysummary.DetailScheduled, map[string]any{"activityId": "b1", "userId": subs["berlin"].user.ID, "kind": "task",
		"title": "Hidden task", "startAt": "2026-03-07T10:00:00Z", "version": 1, "updatedAt": "2026-03-06T10:00:00Z"})
	activity(t, e, dailysummary.DetailScheduled, map[string]any{"activityId": "a2", "userId": ny, "kind": "appointment",
		"title": "Dentist", "startAt": "2026-03-07T19:00:00Z", "endAt": "2026-03-07T19:45:00Z", "version": 1, "updatedAt": "2026-03-06T10:00:00Z"})
	activity(t, e, dailysummary.DetailScheduled, map[string]any{"activityId": "a1", "userId": ny, "kind": "task",
		"title": "Send the proposal", "startAt": "2026-03-07T14:00:00Z", "version": 1, "updatedAt": "2026-03-06T10:00:00Z"})
	activity(t, e, dailysummary.DetailScheduled, map[string]any{"activityId": "a3", "userId": ny, "kind": "appointment",
		"title": "Cancelled lunch", "startAt": "2026-03-07T17:00:00Z", "version": 1, "updatedAt": "2026-03-06T10:00:00Z"})
	activity(t, e, dailysummary.DetailCancelled, map[string]any{"activityId": "a3", "userId": ny, "version": 2, "updatedAt": "2026-03-06T11:00:00Z"})
	// Late in New York's day (after midnight UTC): still the 7th locally.
	activity(t, e, dailysummary.DetailScheduled, map[string]any{"activityId": "a4", "userId": ny, "kind": "appointment",
		"title": "Late call", "startAt": "2026-03-08T03:00:00Z", "version": 1, "updatedAt": "2026-03-06T10:00:00Z"})

	const step = 5 * time.Minute
	runner := e.Deps.DailySummary()
	for now := start; now.Before(start.Add(48 * time.Hour)); now = now.Add(step) {
		e.Clock.Set(now)
		mustRun(t, runner)
		for name, s := range subs {
			want := 0
			for _, d := range s.due {
				if !d.After(now) {
					want++
				}
			}
			if got := len(e.Emails(s.user.Email)); got != want {
				t.Fatalf("%s at %s: %d emails, want %d (due %v)", name, now.Format(time.RFC3339), got, want, s.due)
			}
		}
	}

	nyMail := e.Emails(subs["new york"].user.Email)
	first := nyMail[0]
	if !strings.Contains(first.Subject, "Saturday, March 7, 2026") {
		t.Errorf("new york subject = %q, want the local date", first.Subject)
	}
	body := first.Text
	iTask, iDentist, iLate := strings.Index(body, "9:00 AM  Task: Send the proposal"), strings.Index(body, "2:00 PM–2:45 PM  Appointment: Dentist"), strings.Index(body, "10:00 PM  Appointment: Late call")
	if iTask < 0 || iDentist < 0 || iLate < 0 || !(iTask < iDentist && iDentist < iLate) {
		t.Errorf("new york summary does not list the day's activities in local time and order:\n%s", body)
	}
	if strings.Contains(body, "Cancelled lunch") {
		t.Errorf("a cancelled activity is listed:\n%s", body)
	}
	if !strings.Contains(first.HTML, "Dentist") {
		t.Errorf("HTML body lacks the activities")
	}
	if second := nyMail[1]; !strings.Contains(second.Subject, "Sunday, March 8, 2026") || !strings.Contains(second.Text, "Nothing is scheduled") {
		t.Errorf("new york second day: %q\n%s", second.Subject, second.Text)
	}
	es := e.Emails(subs["berlin"].user.Email)[0]
	if es.Subject != "Tu día: sábado, 7 de marzo de 2026" || !strings.Contains(es.Text, "No tienes nada programado") {
		t.Errorf("berlin (es) email (tasks not emailed by preference): %q\n%s", es.Subject, es.Text)
	}
}

func TestConcurrentRunsSendOnce(t *testing.T) {
	e := newEnv(t)
	u := subscribe(t, e, "Europe/Berlin", "en", "08:00")
	e.Clock.Set(time.Date(2026, 3, 7, 7, 1, 0, 0, time.UTC))
	const runs = 6
	var wg sync.WaitGroup
	stats := make([]dailysummary.Stats, runs)
	errs := make([]error, runs)
	for i := range runs {
		wg.Go(func() { stats[i], errs[i] = e.Deps.DailySummary().Run(context.Background()) })
	}
	wg.Wait()
	sent := 0
	for i := range runs {
		if errs[i] != nil {
			t.Fatalf("run %d: %v", i, errs[i])
		}
		sent += stats[i].Sent
	}
	if got := len(e.Emails(u.Email)); got != 1 || sent != 1 {
		t.Fatalf("%d concurrent runs: %d emails (runs report %d sent), want exactly 1", runs, got, sent)
	}
	// Moving the time later the same day does not send that day again.
	e.Must(200, apptest.Req{Method: "PATCH", Path: "/v1/me", Token: u.Token,
		Body: map[string]any{"dailySummary": map[string]any{"time": "09:00"}}})
	e.Clock.Set(time.Date(2026, 3, 7, 8, 5, 0, 0, time.UTC))
	mustRun(t, e.Deps.DailySummary())
	if got := len(e.Emails(u.Email)); got != 1 {
		t.Fatalf("after moving the time later the same day: %d emails, want 1", got)
	}
	e.Clock.Set(time.Date(2026, 3, 8, 8, 0, 0, 0, time.UTC)) // 09:00 the next day
	mustRun(t, e.Deps.DailySummary())
	if got := len(e.Emails(u.Email)); got != 2 {
		t.Fatalf("next day at the new time: %d emails, want 2", got)
	}
}

func TestSendFailureIsRetriedNextRun(t *testing.T) {
	e := newEnv(t)
	u := subscribe(t, e, "Asia/Kolkata", "en", "06:00")
	e.Clock.Set(time.Date(2026, 3, 7, 0, 31, 0, 0, time.UTC))
	broken := e.Deps.DailySummary()
	broken.Mailer = apptest.FailingMailer{}
	st := mustRun(t, broken)
	if st.Failed != 1 || st.Sent != 0 {
		t.Fatalf("failing run: %+v, want 1 failed", st)
	}
	if got := len(e.Emails(u.Email)); got != 0 {
		t.Fatalf("failing run delivered %d emails", got)
	}
	e.Clock.Advance(5 * time.Minute)
	if st := mustRun(t, e.Deps.DailySummary()); st.Sent != 1 {
		t.Fatalf("next run: %+v, want 1 sent", st)
	}
	e.Clock.Advance(5 * time.Minute)
	mustRun(t, e.Deps.DailySummary())
	if got := len(e.Emails(u.Email)); got != 1 {
		t.Fatalf("after the retry: %d emails, want 1", got)
	}
}

func TestDisabledUserLeavesTheIndex(t *testing.T) {
	e := newEnv(t)
	u := subscribe(t, e, "UTC", "en", "08:00")
	if _, err := e.Deps.Store().DigestSchedule(context.Background(), u.ID); err != nil {
		t.Fatalf("enabled user has no schedule entry: %v", err)
	}
	e.Must(200, apptest.Req{Method: "PATCH", Path: "/v1/me", Token: u.Token,
		Body: map[string]any{"dailySummary": map[string]any{"enabled": false}}})
	ent, err := e.Deps.Store().DigestSchedule(context.Background(), u.ID)
	if err != nil || !ent.Due.IsZero() {
		t.Fatalf("disabled user's entry = %+v, %v; want out of the index", ent, err)
	}
	e.Clock.Set(start.Add(9 * time.Hour))
	st := mustRun(t, e.Deps.DailySummary())
	if st.Due != 0 || len(e.Emails(u.Email)) != 0 {
		t.Fatalf("disabled user: run %+v, %d emails", st, len(e.Emails(u.Email)))
	}
}

func TestDailySummaryPatchValidation(t *testing.T) {
	e := newEnv(t)
	u := e.SignUp(nil)
	for _, tc := range []struct {
		name, field string
		body        any
	}{
		{"hour out of range", "dailySummary.time", map[string]any{"time": "25:00"}},
		{"one-digit hour", "dailySummary.time", map[string]any{"time": "7:30"}},
		{"enabled not a boolean", "dailySummary", map[string]any{"enabled": "yes"}},
		{"unknown member", "dailySummary", map[string]any{"when": "07:30"}},
		{"not an object", "dailySummary", "on"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := e.Do(apptest.Req{Method: "PATCH", Path: "/v1/me", Token: u.Token, Body: map[string]any{"dailySummary": tc.body}})
			if res.Code() != "validation_failed" {
				t.Errorf("code %q, want validation_failed: %s", res.Code(), res.Body)
			}
			apptest.WantFieldError(t, res, tc.field)
		})
	}
	// Nothing was stored by the refused patches.
	if rec, err := e.Deps.Store().GetUser(context.Background(), u.ID); err != nil || rec.Version != 1 || rec.DailySummary.Enabled {
		t.Errorf("after refused patches: version %d, summary %+v (%v), want the sign-up's record", rec.Version, rec.DailySummary, err)
	}
	res := e.Must(200, apptest.Req{Method: "PATCH", Path: "/v1/me", Token: u.Token, Body: map[string]any{"dailySummary": map[string]any{"time": "18:45"}}})
	ds, _ := res.JSON()["dailySummary"].(map[string]any)
	if ds["time"] != "18:45" || ds["enabled"] != false {
		t.Errorf("dailySummary after merge patch = %v, want time 18:45, still disabled", ds)
	}
}

// A profile change whose hook did not run (a crash between the save and
// the hook) is repaired by the run: it sends at the new time, not the old.
func TestRunRepairsAnEntryAMissedHookLeftStale(t *testing.T) {
	e := newEnv(t)
	u := subscribe(t, e, "UTC", "en", "08:00")
	ctx := context.Background()
	st := e.Deps.Store()
	saveTimeWithoutHook(t, e, u.ID, "10:00")
	e.Clock.Set(start.Add(8 * time.Hour))
	if s := mustRun(t, e.Deps.DailySummary()); s.Sent != 0 || s.Skipped != 1 {
		t.Fatalf("run at the stale time: %+v, want nothing sent and the entry repaired", s)
	}
	ent, err := st.DigestSchedule(ctx, u.ID)
	if err != nil || !ent.Due.Equal(start.Add(10*time.Hour)) {
		t.Fatalf("repaired entry = %+v, %v; want due at 10:00", ent, err)
	}
	e.Clock.Set(start.Add(10 * time.Hour))
	mustRun(t, e.Deps.DailySummary())
	if got := len(e.Emails(u.Email)); got != 1 {
		t.Fatalf("at the new time: %d emails, want 1", got)
	}
}

// A save whose hook failed leaves an enabled user without an entry; the
// client's retry of the same change (nothing changes any more) writes it.
func TestRetriedPatchSchedulesAfterAFailedHook(t *testing.T) {
	e := newEnv(t)
	u := e.SignUp(map[string]any{"timezone": "UTC"})
	ctx := context.Background()
	st := e.Deps.Store()
	rec, err := st.GetUser(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	next := rec
	next.DailySummary.Enabled, next.DailySummary.Time = true, "08:00"
	next.Version = rec.Version + 1
	if err := st.SaveUser(ctx, next, rec.Version); err != nil { // the save, then no hook
		t.Fatal(err)
	}
	if ent, err := st.DigestSchedule(ctx, u.ID); err == nil && !ent.Due.IsZero() {
		t.Fatalf("entry before the retry: %+v", ent)
	}
	e.Must(200, apptest.Req{Method: "PATCH", Path: "/v1/me", Token: u.Token,
		Body: map[string]any{"dailySummary": map[string]any{"enabled": true, "time": "08:00"}}})
	e.Clock.Set(start.Add(8 * time.Hour))
	if s := mustRun(t, e.Deps.DailySummary()); s.Sent != 1 || len(e.Emails(u.Email)) != 1 {
		t.Fatalf("after the retried PATCH: run %+v, %d emails, want the summary sent", s, len(e.Emails(u.Email)))
	}
}

// A run that meets the entry of an account deleted meanwhile removes it and
// leaves no item holding the user id.
func TestRunDropsTheEntryOfADeletedAccount(t *testing.T) {
	e := newEnv(t)
	u := subscribe(t, e, "UTC", "en", "08:00")
	ctx := context.Background()
	st := e.Deps.Store()
	// The profile item goes, as the account deletion removes it; the entry
	// is still in the index when the run reads it.
	if _, err := st.DB.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &st.Table, Key: store.Key(store.UserPK(u.ID), store.SKProfile)}); err != nil {
		t.Fatal(err)
	}
	e.Clock.Set(start.Add(8 * time.Hour))
	if s := mustRun(t, e.Deps.DailySummary()); s.Skipped != 1 || s.Sent != 0 {
		t.Fatalf("run = %+v, want the deleted user skipped", s)
	}
	out, err := st.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: &st.Table, Key: store.Key(store.UserPK(u.ID), store.SKDigest), ConsistentRead: aws.Bool(true)})
	if err != nil || out.Item != nil {
		t.Errorf("digest item after the run: %v (%v), want none", out.Item, err)
	}
}

// saveTimeWithoutHook saves the user's summary time as hhmm without the
// profile hook that moves the due entry (a crash between the save and the
// hook), leaving the entry stale.
func saveTimeWithoutHook(t *testing.T, e *apptest.Env, userID, hhmm string) {
	t.Helper()
	st := e.Deps.Store()
	rec, err := st.GetUser(t.Context(), userID)
	if err != nil {
		t.Fatal(err)
	}
	next := rec
	next.DailySummary.Time = hhmm
	next.Version = rec.Version + 1
	if err := st.SaveUser(t.Context(), next, rec.Version); err != nil {
		t.Fatal(err)
	}
}
