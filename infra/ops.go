package main

import (
	"fmt"
	"math"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/myprofile/shared/metrics"
)

// Alarm thresholds. docs/operations.md "Alarms" says what each alarm means
// and what to do; keep the two in step.
const (
	api5xxPercent       = 1     // % of requests answered 5xx in 5 minutes (when there were at least 20)
	apiLatencyP95Ms     = 1500  // p95 latency in ms, three 5-minute periods in a row
	sesBounceRate       = 0.05  // SES puts an account under review at 5 %
	sesComplaintRate    = 0.001 // ... and at 0.1 % complaints
	queueMaxAgeSeconds  = 900   // oldest message in a work queue
	smsBudgetAlarmShare = 0.8   // share of the daily SMS budget (smsDailyBudget) sent in 24 hours
	digestLatenessMax   = 3600  // seconds a daily summary may go out after its due time (users due at once / SES send rate)
)

// alarmTopic is the topic given by context, or one the stack creates.
func alarmTopic(stack awscdk.Stack, s settings) awssns.ITopic {
	var topic awssns.ITopic
	if s.alarmTopicArn != "" {
		topic = awssns.Topic_FromTopicArn(stack, jsii.String("AlarmTopic"), jsii.String(s.alarmTopicArn))
	} else {
		t := awssns.NewTopic(stack, jsii.String("AlarmTopic"), &awssns.TopicProps{
			DisplayName: jsii.String("My Profile alarms (" + s.stage + ")"),
			EnforceSSL:  jsii.Bool(true),
		})
		suppress(t, nagRule{"AwsSolutions-SNS2", "CloudWatch cannot publish to a topic encrypted with the AWS managed SNS key, and alarm notifications carry no personal data.", nil})
		topic = t
	}
	if s.alarmEmail != "" {
		topic.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(s.alarmEmail), nil))
	}
	return topic
}

type alarmInputs struct {
	topic     awssns.ITopic
	api       awsapigatewayv2.HttpApi
	table     awsdynamodb.Table
	fns       []built
	queues    map[string]awssqs.Queue
	queueDLQs []awssqs.Queue
	email     bool // some function sends email: watch SES reputation
	sms       bool // some function sends text messages: watch the SMS budget
	// metricsNamespace and smsDailyBudget place the SMS budget alarm.
	metricsNamespace string
	smsDailyBudget   int
	// namespace of the business metrics; events: some function publishes
	// domain events (watch EventsPublishFailed).
	namespace string
	events    bool
}

// newAlarms creates every alarm; each notifies the topic when it fires and
// when it recovers.
func newAlarms(stack awscdk.Stack, in alarmInputs) {
	five := awscdk.Duration_Minutes(jsii.Number(5))
	action := awscloudwatchactions.NewSnsAction(in.topic)
	alarm := func(id, desc string, metric awscloudwatch.IMetric, threshold float64, periods, datapoints float64) {
		props := &awscloudwatch.AlarmProps{
			AlarmDescription:   jsii.String(desc),
			Metric:             metric,
			Threshold:          jsii.Number(threshold),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
			EvaluationPeriods:  jsii.Number(periods),
			DatapointsToAlarm:  jsii.Number(datapoints),
			TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
		}
		if m, ok := metric.(awscloudwatch.Metric); ok && m.Statistic() != nil && (*m.Statistic())[0] == 'p' {
			// A percentile over a handful of requests (a few cold starts at
			// night) says nothing: keep the state until there are enough.
			props.EvaluateLowSampleCountPercentile = jsii.String("ignore")
		}
		a := awscloudwatch.NewAlarm(stack, jsii.String(id), props)
		a.AddAlarmAction(action)
		a.AddOkAction(action)
	}
	sum := &awscloudwatch.MetricOptions{Period: five, Statistic: jsii.String("Sum")}
	maxOf := &awscloudwatch.MetricOptions{Period: five, Statistic: jsii.String("Maximum")}

	for _, b := range in.fns {
		name := b.p.fn.Name
		alarm(b.p.id+"ErrorsAlarm", fmt.Sprintf("Function %s failed (an invocation returned an error, panicked or timed out).", name),
			b.fn.MetricErrors(sum), 1, 1, 1)
		alarm(b.p.id+"ThrottlesAlarm", fmt.Sprintf("Function %s was throttled (account or reserved concurrency exhausted).", name),
			b.fn.MetricThrottles(sum), 1, 1, 1)
		if name == "daily-summary-worker" {
			// The worker reports, per batch, how late its latest summary
			// went out: users due at the same minute / the SES send rate.
			alarm(b.p.id+"LatenessAlarm", fmt.Sprintf("Daily summaries went out more than %d s after their due time: too many users due at once for the SES send rate (DAILY_SUMMARY_SEND_RATE), or the worker is failing.", digestLatenessMax),
				awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
					Namespace: jsii.String(in.namespace), MetricName: jsii.String("DigestLatenessSeconds"),
					DimensionsMap: &map[string]*string{"function": jsii.String(name)},
					Period:        five, Statistic: jsii.String("Maximum"),
				}), digestLatenessMax, 1, 1)
		}
		if b.dlq != nil {
			alarm(b.p.id+"DeadLettersAlarm", fmt.Sprintf("Events for %s failed every retry and wait in its dead-letter queue.", name),
				b.dlq.MetricApproximateNumberOfMessagesVisible(maxOf), 1, 1, 1)
		}
	}
	for _, dlq := range in.queueDLQs {
		id := *dlq.Node().Id() // <Name>QueueDeadLetterQueue
		alarm(id+"Alarm", "Messages failed 5 receives and wait in a work queue's dead-letter queue.",
			dlq.MetricApproximateNumberOfMessagesVisible(maxOf), 1, 1, 1)
	}
	for _, q := range in.queues {
		alarm(*q.Node().Id()+"AgeAlarm", fmt.Sprintf("The oldest message of a work queue is older than %d s: the consumer is failing or too slow.", queueMaxAgeSeconds),
			q.MetricApproximateAgeOfOldestMessage(maxOf), queueMaxAgeSeconds, 3, 3)
	}

	rate := awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
		Expression: jsii.String("IF(requests >= 20, 100 * errors / requests, 0)"),
		UsingMetrics: &map[string]awscloudwatch.IMetric{
			"errors":   in.api.MetricServerError(sum),
			"requests": in.api.MetricCount(sum),
		},
		Label:  jsii.String("API 5xx %"),
		Period: five,
	})
	alarm("Api5xxRateAlarm", fmt.Sprintf("At least %d%% of API requests got a 5xx in two of three 5-minute periods.", api5xxPercent),
		rate, api5xxPercent, 3, 2)
	alarm("ApiLatencyAlarm", fmt.Sprintf("API p95 latency at or above %d ms for 15 minutes.", apiLatencyP95Ms),
		in.api.MetricLatency(&awscloudwatch.MetricOptions{Period: five, Statistic: jsii.String("p95")}), apiLatencyP95Ms, 3, 3)

	alarm("TableThrottlesAlarm", "DynamoDB throttled requests to the table or its indexes.",
		in.table.MetricThrottledRequestsForOperations(&awsdynamodb.OperationsMetricOptions{
			Operations: &[]awsdynamodb.Operation{
				awsdynamodb.Operation_GET_ITEM, awsdynamodb.Operation_BATCH_GET_ITEM, awsdynamodb.Operation_QUERY,
				awsdynamodb.Operation_PUT_ITEM, awsdynamodb.Operation_UPDATE_ITEM, awsdynamodb.Operation_DELETE_ITEM,
				awsdynamodb.Operation_BATCH_WRITE_ITEM, awsdynamodb.Operation_TRANSACT_WRITE_ITEMS,
			},
			Period: five,
		}), 1, 1, 1)

	if in.sms {
		// Codes texted (sign-in and phone change; alerts are not counted)
		// over the last 24 hours, against the daily budget the functions
		// enforce per UTC day: the alarm fires before the budget refuses.
		day := awscdk.Duration_Days(jsii.Number(1))
		sent := awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
			Namespace: jsii.String(in.metricsNamespace), MetricName: jsii.String(metrics.CodesSent),
			DimensionsMap: &map[string]*string{"channel": jsii.String("sms")},
			Period:        day, Statistic: jsii.String("Sum"),
		})
		threshold := math.Ceil(smsBudgetAlarmShare * float64(in.smsDailyBudget))
		alarm("SmsBudgetAlarm", fmt.Sprintf("Text messages with codes reached %.0f%% of the daily budget (%d, smsDailyBudget) in 24 hours: SMS toll fraud, or the budget is too small.", smsBudgetAlarmShare*100, in.smsDailyBudget),
			sent, threshold, 1, 1)
	}

	if in.events {
		alarm("EventsPublishFailedAlarm", "Domain events failed to publish to EventBridge (kept in the outbox; the events-outbox function retries every 5 minutes). Check the bus and the functions' events:PutEvents permission.",
			awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
				Namespace: jsii.String(in.namespace), MetricName: jsii.String("EventsPublishFailed"),
				Period: five, Statistic: jsii.String("Sum"),
			}), 1, 3, 2)
	}
	if in.email {
		hour := awscloudwatch.MetricOptions{Period: awscdk.Duration_Hours(jsii.Number(1)), Statistic: jsii.String("Maximum")}
		ses := func(name string) awscloudwatch.Metric {
			return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
				Namespace: jsii.String("AWS/SES"), MetricName: jsii.String(name),
				Period: hour.Period, Statistic: hour.Statistic,
			})
		}
		alarm("SesBounceRateAlarm", "The SES account's bounce rate reached 5 %, where SES puts sending under review.",
			ses("Reputation.BounceRate"), sesBounceRate, 1, 1)
		alarm("SesComplaintRateAlarm", "The SES account's complaint rate reached 0.1 %, where SES puts sending under review.",
			ses("Reputation.ComplaintRate"), sesComplaintRate, 1, 1)
	}
}
