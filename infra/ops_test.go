package main

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/myprofile/shared/catalog"
)

// one returns the only resource of a type, failing otherwise.
func one(t *testing.T, tmpl map[string]any, typ string) (string, map[string]any) {
	t.Helper()
	rs := resources(tmpl, typ)
	if len(rs) != 1 {
		t.Fatalf("%d resources of type %s, want 1", len(rs), typ)
	}
	for id, r := range rs {
		return id, r
	}
	return "", nil
}

// ourFunctions maps catalog names to logical IDs (CDK's own handler left out).
func ourFunctions(t *testing.T, tmpl map[string]any, fns []catalog.Function) map[string]string {
	out := map[string]string{}
	for _, f := range fns {
		out[f.Name] = functionID(t, tmpl, f.Name)
	}
	return out
}

func envOf(t *testing.T, tmpl map[string]any, name string) map[string]any {
	t.Helper()
	p := props(resources(tmpl, "AWS::Lambda::Function")[functionID(t, tmpl, name)])
	return p["Environment"].(map[string]any)["Variables"].(map[string]any)
}

func TestHTTPAPIThrottlingLogsAndCORS(t *testing.T) {
	for _, tc := range []struct {
		name          string
		tmpl          map[string]any
		rate, burst   float64
		retention     float64
		corsOrigins   []string
		corsAbsent    bool
		logsRetention string
	}{
		{name: "defaults", tmpl: realJSON, rate: DefaultThrottleRate, burst: DefaultThrottleBurst, retention: DefaultLogRetentionDays, corsAbsent: true, logsRetention: "Delete"},
		{name: "from context", tmpl: fixtureJSON, rate: 25, burst: 50, retention: 90, corsOrigins: []string{"https://app.example.org"}, logsRetention: "Retain"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, stage := one(t, tc.tmpl, "AWS::ApiGatewayV2::Stage")
			sp := props(stage)
			if sp["StageName"] != "$default" || sp["AutoDeploy"] != true {
				t.Errorf("stage %v", sp)
			}
			rs, _ := sp["DefaultRouteSettings"].(map[string]any)
			if rs["ThrottlingRateLimit"] != tc.rate || rs["ThrottlingBurstLimit"] != tc.burst {
				t.Errorf("throttling %v, want rate %v burst %v", rs, tc.rate, tc.burst)
			}
			// Access logs: one JSON object per request into a log group with retention.
			als, _ := sp["AccessLogSettings"].(map[string]any)
			var format map[string]string
			if err := json.Unmarshal([]byte(als["Format"].(string)), &format); err != nil {
				t.Fatalf("access log format is not JSON: %v", err)
			}
			for _, k := range []string{"requestId", "status", "routeKey", "latency", "ip"} {
				if !strings.HasPrefix(format[k], "$context.") {
					t.Errorf("access log %s = %q", k, format[k])
				}
			}
			if strings.Contains(als["Format"].(string), "authorization") {
				t.Error("access log format includes the Authorization header")
			}
			lg := resources(tc.tmpl, "AWS::Logs::LogGroup")[ref(als["DestinationArn"])]
			if lg == nil || props(lg)["RetentionInDays"] != tc.retention || lg["DeletionPolicy"] != tc.logsRetention {
				t.Errorf("access log group %v: want retention %v, deletion policy %s", lg, tc.retention, tc.logsRetention)
			}
			// CORS from configuration, never with credentials.
			_, api := one(t, tc.tmpl, "AWS::ApiGatewayV2::Api")
			cors, has := props(api)["CorsConfiguration"].(map[string]any)
			if tc.corsAbsent {
				if has {
					t.Errorf("CORS %v without corsOrigins", cors)
				}
				return
			}
			if !slices.Equal(strs(cors["AllowOrigins"]), tc.corsOrigins) || cors["AllowCredentials"] != false {
				t.Errorf("CORS %v, want origins %v and no credentials", cors, tc.corsOrigins)
			}
			for _, h := range []string{"authorization", "content-type", "if-match"} {
				if !slices.Contains(strs(cors["AllowHeaders"]), h) {
					t.Errorf("CORS does not allow header %s", h)
				}
			}
		})
	}
}

func TestFunctionsAreTracedWithOwnRoles(t *testing.T) {
	for name, tc := range map[string]struct {
		fns  []catalog.Function
		json map[string]any
	}{"real": {catalog.All(), realJSON}, "fixture": {fixtureFunctions, fixtureJSON}} {
		t.Run(name, func(t *testing.T) {
			roles := resources(tc.json, "AWS::IAM::Role")
			for fname, id := range ourFunctions(t, tc.json, tc.fns) {
				p := props(resources(tc.json, "AWS::Lambda::Function")[id])
				if mustJSON(p["TracingConfig"]) != `{"Mode":"Active"}` {
					t.Errorf("%s: TracingConfig %v, want Active", fname, p["TracingConfig"])
				}
				role := roles[ref(p["Role"])]
				if role == nil || props(role)["ManagedPolicyArns"] != nil {
					t.Errorf("%s: role %v: want its own role without managed policies", fname, role)
				}
			}
		})
	}
}

// Every context value reaches the functions as the env shared/config reads.
func TestContextReachesFunctionEnvironment(t *testing.T) {
	want := map[string]any{
		"STAGE": "prod", "APP_NAME": "Acme Profile", "SENDER_EMAIL": "Alerts <alerts@mail.example.org>",
		"SES_CONFIGURATION_SET": "main", "SMS_SENDER_ID": "Acme", "WEBAUTHN_RP_ID": "example.org",
		"WEBAUTHN_ORIGINS": "https://app.example.org,https://admin.example.org", "SIGNUP_ENABLED": "false",
		"SESSION_IDLE_TTL": "12h", "SESSION_ABSOLUTE_TTL": "168h", "LOG_LEVEL": "debug",
		"METRICS_NAMESPACE": "Acme/Profile", "PASSWORD_COMPOSITION": "false", "LOGIN_MAX_FAILURES": "5", "LOGIN_WINDOW": "30m",
		"LOGIN_MAX_FAILURES_PER_IP": "50", "DAILY_SUMMARY_SEND_RATE": "40", "SMS_DAILY_BUDGET": "250", "SMS_COUNTRIES": "ES,PT",
		"SSO_REDIRECT_URL": "https://app.example.org/sso/callback",
		"INVITE_TTL":       "72h", "EVENT_SOURCE": "acme.profile",
	}
	defaults := map[string]any{
		"STAGE": "dev", "APP_NAME": DefaultAppName, "SENDER_EMAIL": DefaultSenderEmail, "SIGNUP_ENABLED": "true",
		"SESSION_IDLE_TTL": DefaultSessionIdleTTL, "SESSION_ABSOLUTE_TTL": DefaultSessionAbsoluteTTL,
		"LOG_LEVEL": DefaultLogLevel, "METRICS_NAMESPACE": DefaultMetricsNamespace,
		"PASSWORD_COMPOSITION": "true", "LOGIN_MAX_FAILURES": "10", "LOGIN_WINDOW": DefaultLoginWindow,
		"LOGIN_MAX_FAILURES_PER_IP": "100", "DAILY_SUMMARY_SEND_RATE": "14",
		"SES_CONFIGURATION_SET": nil, "SMS_SENDER_ID": nil, "WEBAUTHN_RP_ID": nil, "WEBAUTHN_ORIGINS": nil,
		"SMS_DAILY_BUDGET": "1000", "SMS_COUNTRIES": nil, "SSO_REDIRECT_URL": nil,
		"INVITE_TTL": DefaultInviteTTL, "EVENT_SOURCE": DefaultDomainEventSource,
	}
	for _, tc := range []struct {
		name string
		fns  []catalog.Function
		tmpl map[string]any
		want map[string]any
	}{{"fixture", fixtureFunctions, fixtureJSON, want}, {"real", catalog.All(), realJSON, defaults}} {
		for _, f := range tc.fns {
			env := envOf(t, tc.tmpl, f.Name)
			for k, v := range tc.want {
				if env[k] != v {
					t.Errorf("%s %s: %s = %v, want %v", tc.name, f.Name, k, env[k], v)
				}
			}
		}
	}
}

func TestUploadsBucketAndAvatarCDN(t *testing.T) {
	for _, tc := range []struct {
		name    string
		tmpl    map[string]any
		fns     []catalog.Function
		origins []string
	}{{"real", realJSON, catalog.All(), nil}, {"fixture", fixtureJSON, fixtureFunctions, []string{"https://app.example.org"}}} {
		t.Run(tc.name, func(t *testing.T) {
			needs := slices.ContainsFunc(tc.fns, func(f catalog.Function) bool { return f.Needs.Uploads || f.Kind == catalog.Storage })
			if !needs {
				if len(resources(tc.tmpl, "AWS::S3::Bucket")) != 0 {
					t.Error("a bucket without a function that needs it")
				}
				return
			}
			bucketID, b := one(t, tc.tmpl, "AWS::S3::Bucket")
			p := props(b)
			// Encrypted, private, retained, no physical name, no versioning
			// (a deleted avatar is gone), raw uploads expire.
			if b["DeletionPolicy"] != "Retain" || b["UpdateReplacePolicy"] != "Retain" {
				t.Errorf("bucket policies %v/%v, want Retain", b["DeletionPolicy"], b["UpdateReplacePolicy"])
			}
			if !strings.Contains(mustJSON(p["BucketEncryption"]), `"SSEAlgorithm":"AES256"`) {
				t.Errorf("encryption %v", p["BucketEncryption"])
			}
			if mustJSON(p["PublicAccessBlockConfiguration"]) != `{"BlockPublicAcls":true,"BlockPublicPolicy":true,"IgnorePublicAcls":true,"RestrictPublicBuckets":true}` {
				t.Errorf("public access block %v", p["PublicAccessBlockConfiguration"])
			}
			if p["BucketName"] != nil || p["VersioningConfiguration"] != nil {
				t.Errorf("BucketName %v, versioning %v", p["BucketName"], p["VersioningConfiguration"])
			}
			rules := p["LifecycleConfiguration"].(map[string]any)["Rules"].([]any)
			if r := rules[0].(map[string]any); r["Prefix"] != uploadsPrefix || r["ExpirationInDays"] != float64(1) {
				t.Errorf("lifecycle %v", r)
			}
			cors, hasCORS := p["CorsConfiguration"].(map[string]any)
			if len(tc.origins) == 0 && hasCORS {
				t.Errorf("CORS %v without corsOrigins", cors)
			}
			if len(tc.origins) > 0 {
				rule := cors["CorsRules"].([]any)[0].(map[string]any)
				if !slices.Equal(strs(rule["AllowedOrigins"]), tc.origins) || !slices.Equal(strs(rule["AllowedMethods"]), []string{"POST"}) {
					t.Errorf("bucket CORS %v", rule)
				}
			}
			// The bucket policy refuses plain HTTP and lets CloudFront read avatars only.
			_, pol := one(t, tc.tmpl, "AWS::S3::BucketPolicy")
			var sslDeny, cdnRead bool
			for _, st := range list(props(pol)["PolicyDocument"].(map[string]any)["Statement"]) {
				st := st.(map[string]any)
				j := mustJSON(st)
				sslDeny = sslDeny || st["Effect"] == "Deny" && strings.Contains(j, `"aws:SecureTransport":"false"`)
				if st["Effect"] == "Allow" {
					res := render(st["Resource"])
					if st["Action"] != "s3:GetObject" || !strings.HasSuffix(res, "/"+avatarsPrefix+"*") || !strings.Contains(j, "cloudfront.amazonaws.com") || !strings.Contains(j, "AWS:SourceArn") {
						t.Errorf("bucket policy allows %s", j)
					}
					cdnRead = true
				}
			}
			if !sslDeny || !cdnRead {
				t.Errorf("bucket policy: SSL deny %v, CloudFront read %v", sslDeny, cdnRead)
			}
			var dist map[string]any // the avatars' (the fixture also has the front door's)
			for id, d := range resources(tc.tmpl, "AWS::CloudFront::Distribution") {
				if strings.HasPrefix(id, "Avatars") {
					dist = d
				}
			}
			if dist == nil {
				t.Fatal("no Avatars distribution")
			}
			dc := props(dist)["DistributionConfig"].(map[string]any)
			origin := dc["Origins"].([]any)[0].(map[string]any)
			if origin["OriginAccessControlId"] == nil || dc["DefaultCacheBehavior"].(map[string]any)["ViewerProtocolPolicy"] != "redirect-to-https" {
				t.Errorf("distribution %v", mustJSON(dc))
			}
			// S3 notifies the storage function of objects created under uploads/.
			_, n := one(t, tc.tmpl, "Custom::S3BucketNotifications")
			cfg := mustJSON(props(n)["NotificationConfiguration"])
			for _, f := range tc.fns {
				if f.Kind == catalog.Storage {
					if !strings.Contains(cfg, functionID(t, tc.tmpl, f.Name)) || !strings.Contains(cfg, `{"Name":"prefix","Value":"uploads/"}`) || !strings.Contains(cfg, "s3:ObjectCreated:*") {
						t.Errorf("notification %s", cfg)
					}
				}
				if f.Needs.Uploads || f.Kind == catalog.Storage {
					env := envOf(t, tc.tmpl, f.Name)
					if ref(env["UPLOADS_BUCKET"]) != bucketID || !strings.Contains(mustJSON(env["AVATAR_BASE_URL"]), "DomainName") {
						t.Errorf("%s: UPLOADS_BUCKET %v, AVATAR_BASE_URL %v", f.Name, env["UPLOADS_BUCKET"], env["AVATAR_BASE_URL"])
					}
				}
			}
		})
	}
}

// s3Grants lists "action prefix" pairs of a function's S3 statements.
func s3Grants(t *testing.T, tmpl map[string]any, name string) []string {
	var out []string
	for _, st := range policyOf(t, tmpl, name) {
		for _, a := range strs(st["Action"]) {
			if strings.HasPrefix(a, "s3:") {
				for _, r := range list(st["Resource"]) {
					rs := render(r)
					out = append(out, a+" "+rs[strings.LastIndex(rs, "}")+1:])
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

func TestUploadGrantsFollowWhatTheCodeCalls(t *testing.T) {
	for _, tc := range []struct {
		fn   string
		want []string
	}{
		{"avatar-fix", []string{"s3:DeleteObject /avatars/*", "s3:DeleteObject /uploads/*", "s3:GetObject /uploads/*", "s3:ListBucket ", "s3:PutObject /avatars/*"}},
		{"api-fix", []string{"s3:DeleteObject /avatars/*", "s3:PutObject /uploads/*"}},
		{"nightly", nil},
	} {
		if got := s3Grants(t, fixtureJSON, tc.fn); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.fn, got, tc.want)
		}
	}
}

func TestWorkQueue(t *testing.T) {
	queues := resources(fixtureJSON, "AWS::SQS::Queue")
	var q map[string]any
	var qid string
	for id, r := range queues {
		if strings.HasPrefix(id, "SummariesQueue") && !strings.Contains(id, "DeadLetter") {
			q, qid = r, id
		}
	}
	if q == nil {
		t.Fatal("no queue for Needs.Queue summaries")
	}
	p := props(q)
	rp, _ := p["RedrivePolicy"].(map[string]any)
	if rp["maxReceiveCount"] != float64(5) || !strings.HasPrefix(ref(rp["deadLetterTargetArn"]), "SummariesQueueDeadLetterQueue") {
		t.Errorf("redrive %v", rp)
	}
	if p["SqsManagedSseEnabled"] != true || p["VisibilityTimeout"] != float64(6*40) || p["QueueName"] != nil {
		t.Errorf("queue %v: want SSE, visibility 6 x the consumer's 40 s, no name", p)
	}
	_, esm := one(t, fixtureJSON, "AWS::Lambda::EventSourceMapping")
	ep := props(esm)
	if ref(ep["EventSourceArn"]) != qid || ref(ep["FunctionName"]) != functionID(t, fixtureJSON, "summary-worker") ||
		!slices.Equal(strs(ep["FunctionResponseTypes"]), []string{"ReportBatchItemFailures"}) ||
		mustJSON(ep["ScalingConfig"]) != `{"MaximumConcurrency":5}` {
		t.Errorf("event source mapping %v", ep)
	}
	if got := envOf(t, fixtureJSON, "summary-worker")["QUEUE_MAX_CONCURRENCY"]; got != "5" {
		t.Errorf("consumer QUEUE_MAX_CONCURRENCY = %v, want the mapping's 5", got)
	}
	// The producer may send, and only send, to it.
	if ref(envOf(t, fixtureJSON, "nightly")["QUEUE_URL"]) != qid {
		t.Errorf("nightly QUEUE_URL %v", envOf(t, fixtureJSON, "nightly")["QUEUE_URL"])
	}
	var sqs []string
	for _, st := range policyOf(t, fixtureJSON, "nightly") {
		for _, a := range strs(st["Action"]) {
			for _, r := range list(st["Resource"]) {
				if strings.HasPrefix(a, "sqs:") && ref(r) == qid {
					sqs = append(sqs, a+" "+render(r))
				}
			}
		}
	}
	if !slices.Equal(sqs, []string{"sqs:SendMessage ${" + qid + ".Arn}"}) {
		t.Errorf("nightly sqs grants %v", sqs)
	}
}

// Every asynchronous path ends in a queue someone is alarmed about.
func TestEveryAsyncPathHasADeadLetterQueue(t *testing.T) {
	for name, tc := range map[string]struct {
		fns  []catalog.Function
		json map[string]any
	}{"real": {catalog.All(), realJSON}, "fixture": {fixtureFunctions, fixtureJSON}} {
		t.Run(name, func(t *testing.T) {
			dlqs := map[string]bool{}
			for _, c := range resources(tc.json, "AWS::Lambda::EventInvokeConfig") {
				dlqs[ref(props(c)["DestinationConfig"].(map[string]any)["OnFailure"].(map[string]any)["Destination"])] = true
			}
			for _, q := range resources(tc.json, "AWS::SQS::Queue") {
				if rp, ok := props(q)["RedrivePolicy"].(map[string]any); ok {
					dlqs[ref(rp["deadLetterTargetArn"])] = true
				}
			}
			for id, q := range resources(tc.json, "AWS::SQS::Queue") {
				if !dlqs[id] && props(q)["RedrivePolicy"] == nil {
					t.Errorf("queue %s is neither a dead-letter queue nor has one", id)
				}
			}
			invokeConfigs := map[string]bool{}
			for _, c := range resources(tc.json, "AWS::Lambda::EventInvokeConfig") {
				invokeConfigs[ref(props(c)["FunctionName"])] = true
			}
			for _, f := range tc.fns {
				async := f.Kind == catalog.Schedule || f.Kind == catalog.Event || f.Kind == catalog.Storage
				if async && !invokeConfigs[functionID(t, tc.json, f.Name)] {
					t.Errorf("%s (%s) has no on-failure destination", f.Name, f.Kind)
				}
			}
			// AND every dead-letter queue has an alarm on its depth.
			watched := map[string]bool{}
			for _, a := range resources(tc.json, "AWS::CloudWatch::Alarm") {
				p := props(a)
				if p["MetricName"] == "ApproximateNumberOfMessagesVisible" {
					for _, d := range list(p["Dimensions"]) {
						watched[ref(d.(map[string]any)["Value"])] = true
					}
				}
			}
			for id := range dlqs {
				if !watched[id] {
					t.Errorf("dead-letter queue %s has no depth alarm", id)
				}
			}
		})
	}
}

func TestAlarmsNotifyTheTopic(t *testing.T) {
	for _, tc := range []struct {
		name    string
		fns     []catalog.Function
		tmpl    map[string]any
		created bool
	}{{"real: topic created", catalog.All(), realJSON, true}, {"fixture: topic from context", fixtureFunctions, fixtureJSON, false}} {
		t.Run(tc.name, func(t *testing.T) {
			var topic any = fixtureTopicArn
			if tc.created {
				id, tp := one(t, tc.tmpl, "AWS::SNS::Topic")
				if props(tp)["TopicName"] != nil {
					t.Error("topic has a physical name")
				}
				topic = map[string]any{"Ref": id}
			} else if n := len(resources(tc.tmpl, "AWS::SNS::Topic")); n != 0 {
				t.Errorf("%d topics created although alarmTopicArn is set", n)
			}
			alarms := resources(tc.tmpl, "AWS::CloudWatch::Alarm")
			byMetric := map[string]int{}
			for id, a := range alarms {
				p := props(a)
				if mustJSON(p["AlarmActions"]) != mustJSON([]any{topic}) || mustJSON(p["OKActions"]) != mustJSON([]any{topic}) {
					t.Errorf("%s: actions %v / %v, want the topic %v", id, p["AlarmActions"], p["OKActions"], topic)
				}
				if p["AlarmName"] != nil {
					t.Errorf("%s has a physical name", id)
				}
				name, _ := p["MetricName"].(string)
				if name == "" {
					name = mustJSON(p["Metrics"])
				}
				byMetric[name]++
			}
			fnCount := len(tc.fns)
			for metric, want := range map[string]int{"Errors": fnCount, "Throttles": fnCount, "Reputation.BounceRate": 1, "Reputation.ComplaintRate": 1, "Latency": 1} {
				if byMetric[metric] != want {
					t.Errorf("%d alarms on %s, want %d", byMetric[metric], metric, want)
				}
			}
			if tc.created && byMetric["DigestLatenessSeconds"] != 1 {
				t.Errorf("%d alarms on the daily summary's lateness (DigestLatenessSeconds), want 1", byMetric["DigestLatenessSeconds"])
			}
			for id, a := range alarms {
				if props(a)["MetricName"] == "Latency" && props(a)["EvaluateLowSampleCountPercentile"] != "ignore" {
					t.Errorf("%s: a percentile alarm that fires on a handful of requests", id)
				}
			}
			var rate5xx, ddb bool
			for k := range byMetric {
				rate5xx = rate5xx || strings.Contains(k, `"5xx"`) && strings.Contains(k, "100 * errors / requests")
				ddb = ddb || strings.Contains(k, "ThrottledRequests")
			}
			if !rate5xx || !ddb {
				t.Errorf("API 5xx rate alarm %v, DynamoDB throttle alarm %v; metrics %v", rate5xx, ddb, byMetric)
			}
		})
	}
	// SMS toll fraud: the codes texted in 24 hours reach 80 % of the
	// daily budget the functions enforce (smsDailyBudget).
	for _, tc := range []struct {
		name      string
		tmpl      assertions.Template
		namespace string
		threshold float64
	}{{"real", real, DefaultMetricsNamespace, 800}, {"fixture", fixture, "Acme/Profile", 200}} {
		check(t, tc.name+": SMS budget alarm at 80 %", func() {
			tc.tmpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), map[string]any{
				"Namespace": tc.namespace, "MetricName": "CodesSent", "Statistic": "Sum", "Period": 86400,
				"Dimensions": []any{map[string]any{"Name": "channel", "Value": "sms"}},
				"Threshold":  tc.threshold, "ComparisonOperator": "GreaterThanOrEqualToThreshold",
			})
		})
	}
	check(t, "email subscription from context", func() {
		fixture.HasResourceProperties(jsii.String("AWS::SNS::Subscription"), map[string]any{
			"Protocol": "email", "Endpoint": "ops@example.org", "TopicArn": fixtureTopicArn,
		})
	})
	check(t, "created topic enforces SSL", func() {
		real.HasResourceProperties(jsii.String("AWS::SNS::TopicPolicy"), map[string]any{
			"PolicyDocument": assertions.Match_ObjectLike(&map[string]any{
				"Statement": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
					"Effect": "Deny", "Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
				})}),
			}),
		})
	})
}

func TestOutputs(t *testing.T) {
	for _, tc := range []struct {
		name string
		t    assertions.Template
		want map[string]any
	}{
		{"real", real, map[string]any{
			"ApiUrl":            map[string]any{"Fn::Join": assertions.Match_AnyValue()},
			"TableName":         map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^Table"))},
			"EventBusName":      "default",
			"AlarmTopicArn":     map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^AlarmTopic"))},
			"UploadsBucketName": map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^Uploads"))},
			"AvatarBaseUrl":     map[string]any{"Fn::Join": assertions.Match_AnyValue()},
		}},
		{"fixture", fixture, map[string]any{
			"EventBusName":  "platform",
			"AlarmTopicArn": fixtureTopicArn,
		}},
	} {
		for out, v := range tc.want {
			check(t, tc.name+" "+out, func() { tc.t.HasOutput(jsii.String(out), map[string]any{"Value": v}) })
		}
	}
	api := assertions.NewCapture(nil)
	check(t, "ApiUrl is the execute-api URL", func() {
		real.HasOutput(jsii.String("ApiUrl"), map[string]any{"Value": map[string]any{"Fn::Join": []any{"", api}}})
		if !strings.Contains(mustJSON(api.AsArray()), "execute-api") {
			t.Errorf("ApiUrl %v", mustJSON(api.AsArray()))
		}
	})
}

// No hard-coded physical names: CloudFormation names everything, so two
// stages (or two copies) deploy side by side in one account. The one
// exception is the table when tableNamePrefix asks for <prefix>-<stage>.
func TestNoPhysicalNames(t *testing.T) {
	for name, tc := range map[string]struct {
		tmpl map[string]any
		want any
	}{"real": {realJSON, nil}, "fixture": {fixtureJSON, "acme-profile-prod"}} {
		for id, r := range resources(tc.tmpl, "AWS::DynamoDB::Table") {
			if got := props(r)["TableName"]; got != tc.want {
				t.Errorf("%s: table %s is named %v, want %v", name, id, got, tc.want)
			}
		}
	}
	named := map[string]string{
		"AWS::S3::Bucket": "BucketName", "AWS::SQS::Queue": "QueueName",
		"AWS::Lambda::Function": "FunctionName", "AWS::IAM::Role": "RoleName", "AWS::SNS::Topic": "TopicName",
		"AWS::Logs::LogGroup": "LogGroupName", "AWS::CloudWatch::Alarm": "AlarmName", "AWS::Events::Rule": "Name",
	}
	for name, tmpl := range map[string]map[string]any{"real": realJSON, "fixture": fixtureJSON} {
		for typ, field := range named {
			for id, r := range resources(tmpl, typ) {
				if v, ok := props(r)[field]; ok {
					t.Errorf("%s: %s %s has %s %v", name, typ, id, field, v)
				}
			}
		}
	}
}

// Every suppression carries a reason cdk-nag accepts, on one line.
func TestNagSuppressionsAreJustified(t *testing.T) {
	n := 0
	for name, tmpl := range map[string]map[string]any{"real": realJSON, "fixture": fixtureJSON} {
		for id, r := range tmpl["Resources"].(map[string]any) {
			meta, _ := r.(map[string]any)["Metadata"].(map[string]any)
			nag, _ := meta["cdk_nag"].(map[string]any)
			for _, s := range list(nag["rules_to_suppress"]) {
				s := s.(map[string]any)
				n++
				reason, _ := s["reason"].(string)
				if len(reason) < 10 || strings.Contains(reason, "\n") || !strings.HasPrefix(s["id"].(string), "AwsSolutions-") {
					t.Errorf("%s %s: suppression %v", name, id, s)
				}
			}
		}
	}
	if n == 0 {
		t.Error("no suppressions found: the metadata is not reaching the template")
	}
}

// A bad context value fails the synth with a message naming it.
func TestBadContextIsAnError(t *testing.T) {
	assets := t.TempDir()
	if err := writeDummyBootstrap(assets, "ok"); err != nil {
		t.Fatal(err)
	}
	fns := []catalog.Function{{Name: "ok", Kind: catalog.HTTP, Routes: []string{"GET /ok", "POST /v1/webauthn/x", "POST /v1/auth/sso/start"}}}
	for _, tc := range []struct {
		name string
		ctx  map[string]any
		want string
	}{
		{"wildcard CORS origin", map[string]any{CtxCORSOrigins: "*"}, "corsOrigins"},
		{"plain http origin", map[string]any{CtxCORSOrigins: "http://app.example.org"}, "https"},
		{"origin with a path", map[string]any{CtxWebAuthnRPID: "example.org", CtxWebAuthnOrigins: "https://example.org/app"}, "nothing after it"},
		{"origins without RP ID", map[string]any{CtxWebAuthnOrigins: "https://example.org"}, "webauthnRpId"},
		{"bad RP ID", map[string]any{CtxWebAuthnRPID: "https://example.org"}, "RP ID"},
		{"bad sender ID", map[string]any{CtxSMSSenderID: "Acme Corp Ltd"}, "sender ID"},
		{"SMS budget of 0", map[string]any{CtxSMSDailyBudget: "0"}, "smsDailyBudget"},
		{"SMS country not ISO", map[string]any{CtxSMSCountries: "Spain"}, "smsCountries"},
		{"bad duration", map[string]any{CtxSessionIdleTTL: "30 days"}, "durations"},
		{"idle longer than absolute", map[string]any{CtxSessionIdleTTL: "100h", CtxSessionAbsoluteTTL: "10h"}, "not longer"},
		{"signup not a bool", map[string]any{CtxSignupEnabled: "maybe"}, "signupEnabled"},
		{"composition not a bool", map[string]any{CtxPasswordComposition: "sometimes"}, "passwordComposition"},
		{"no sign-in failures allowed", map[string]any{CtxLoginMaxFailures: "0"}, "loginMaxFailures"},
		{"login window not a duration", map[string]any{CtxLoginWindow: "a while"}, "loginWindow"},
		{"no daily summary rate", map[string]any{CtxDailySummaryRate: "0"}, "dailySummarySendRate"},
		{"table prefix with a space", map[string]any{CtxTableNamePrefix: "my profile"}, "tableNamePrefix"},
		{"queue concurrency below SQS's minimum", map[string]any{CtxQueueConcurrency: "1"}, "2 to 1000"},
		{"zero throttling", map[string]any{CtxThrottleRate: "0"}, "throttling"},
		{"throttling not a number", map[string]any{CtxThrottleBurst: "lots"}, "throttleBurstLimit"},
		{"topic not an ARN", map[string]any{CtxAlarmTopicArn: "ops-alarms"}, "SNS topic ARN"},
		{"KMS key for the generated secret", map[string]any{CtxMFADataKeyKMSKey: fixtureKMSKey}, "only for a secret named"},
		{"KMS alias instead of a key", map[string]any{CtxMFADataKeySecret: "acme/mfa", CtxMFADataKeyKMSKey: "arn:aws:kms:eu-west-1:123456789012:alias/mfa"}, "not an alias"},
		{"bad alarm email", map[string]any{CtxAlarmEmail: "ops"}, "alarm email"},
		{"AWS namespace", map[string]any{CtxMetricsNamespace: "AWS/Lambda"}, "namespace"},
		{"bad log level", map[string]any{CtxLogLevel: "verbose"}, "log level"},
		{"web ACL without the front door", map[string]any{CtxFrontDoorWebACL: "arn:aws:wafv2:us-east-1:123456789012:global/webacl/edge/0123abcd-0123-4567-89ab-0123456789ab"}, "needs frontDoor"},
		{"regional web ACL", map[string]any{CtxFrontDoor: "true", CtxFrontDoorWebACL: "arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/edge/0123abcd"}, "CLOUDFRONT web ACL"},
		{"rate below WAF's minimum", map[string]any{CtxFrontDoorRateLimit: "5"}, "frontDoorRateLimit"},
		{"event account not an account ID", map[string]any{CtxEventAccount: "acme"}, "eventSourceAccount"},
		{"invitation lifetime not a duration", map[string]any{CtxInviteTTL: "7 days"}, "inviteTtl"},
		{"invitation lifetime over 30 days", map[string]any{CtxInviteTTL: "2000h"}, "inviteTtl"},
		{"AWS domain event source", map[string]any{CtxDomainEventSource: "aws.profile"}, "domainEventSource"},
		{"prod with the example sender", map[string]any{CtxStage: "prod"}, "senderEmail"},
		{"prod passkeys without RP", map[string]any{CtxStage: "prod", CtxSenderEmail: "a@example.org"}, "passkeys need"},
		{"SSO redirect over plain http", map[string]any{CtxSSORedirectURL: "http://app.example.org/sso/callback"}, "ssoRedirectUrl"},
		{"SSO redirect not absolute", map[string]any{CtxSSORedirectURL: "/sso/callback"}, "ssoRedirectUrl"},
		{"prod single sign-on without its redirect", map[string]any{CtxStage: "prod", CtxSenderEmail: "a@example.org",
			CtxWebAuthnRPID: "example.org", CtxWebAuthnOrigins: "https://example.org"}, "needs context ssoRedirectUrl"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := map[string]any{CtxAssetDir: assets}
			for k, v := range tc.ctx {
				ctx[k] = v
			}
			app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir()), Context: &ctx})
			_, err := NewMyProfileStack(app, "Bad", &MyProfileStackProps{Functions: fns})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}

// A StackProps field wins over the context value, which wins over the default.
func TestSettingsPrecedence(t *testing.T) {
	ctx := map[string]any{CtxStage: "staging", CtxLogRetentionDays: float64(14), CtxSenderEmail: "ctx@example.org"}
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir()), Context: &ctx})
	s, err := resolveSettings(app, &MyProfileStackProps{SenderEmail: "props@example.org", Functions: []catalog.Function{}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ what, got, want string }{
		{"props over context", s.senderEmail, "props@example.org"},
		{"context over default", s.stage, "staging"},
		{"retention from context", string(s.logRetention), string(awslogs.RetentionDays_TWO_WEEKS)},
		{"default", s.sessionIdleTTL, DefaultSessionIdleTTL},
		{"MFA key generated by the stack unless named", s.mfaSecret, generatedSecret},
	} {
		if c.got != c.want {
			t.Errorf("%s: got %q, want %q", c.what, c.got, c.want)
		}
	}
}

// Every Lambda, CDK's own handler included, logs to a log group with the
// configured retention (none to an implicit group that keeps logs forever).
func TestEveryLogGroupHasRetention(t *testing.T) {
	for _, tc := range []struct {
		name string
		tmpl map[string]any
		days float64
	}{{"real", realJSON, DefaultLogRetentionDays}, {"fixture", fixtureJSON, 90}} {
		groups := resources(tc.tmpl, "AWS::Logs::LogGroup")
		for id, lg := range groups {
			if props(lg)["RetentionInDays"] != tc.days {
				t.Errorf("%s: log group %s retention %v, want %v", tc.name, id, props(lg)["RetentionInDays"], tc.days)
			}
		}
		for id, fn := range resources(tc.tmpl, "AWS::Lambda::Function") {
			lc, _ := props(fn)["LoggingConfig"].(map[string]any)
			if groups[ref(lc["LogGroup"])] == nil {
				t.Errorf("%s: function %s logs to %v, not a log group of the stack", tc.name, id, lc["LogGroup"])
			}
		}
	}
}

// The fixture really sets every context value of cdk.json, each to
// something other than its default, so the fixture's assertions cover them
// all; a new key in cdk.json must join fixtureContext.
func TestFixtureSetsEveryContextValue(t *testing.T) {
	defaults, err := cdkContext()
	if err != nil {
		t.Fatal(err)
	}
	fix := fixtureContext("assets")
	n := 0
	for k, def := range defaults {
		if strings.HasPrefix(k, "@aws-cdk") || strings.HasPrefix(k, CtxSchedulePrefix) || strings.HasPrefix(k, CtxEventSourcePrefix) {
			continue // CDK feature flags; schedules and event sources (the fixture's catalog has its own, see below)
		}
		n++
		v, ok := fix[k]
		if !ok {
			t.Errorf("context %s (default %v) is not set by the fixture", k, def)
			continue
		}
		if mustJSON(v) == mustJSON(def) {
			t.Errorf("context %s: fixture value %v is the default", k, v)
		}
	}
	if n < 20 {
		t.Errorf("cdk.json documents %d context values; want every setting (stage, sender, SMS, WebAuthn, signup, sessions, bus, CORS, throttling, alarms, ...)", n)
	}
	// Every documented key is in cdk.json, except schedule overrides.
	for k := range fix {
		if _, ok := defaults[k]; !ok && !strings.HasPrefix(k, CtxSchedulePrefix) && !strings.HasPrefix(k, CtxEventSourcePrefix) {
			t.Errorf("context %s is missing from cdk.json's defaults", k)
		}
	}
}

// cdk.json documents each schedule function's rate as a default, and it is
// the catalog's: the catalog stays the one source, cdk.json only shows it.
func TestCdkJSONSchedulesAreTheCatalogs(t *testing.T) {
	defaults, err := cdkContext()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range catalog.All() {
		if f.Kind != catalog.Schedule {
			continue
		}
		n++
		if got := defaults[CtxSchedulePrefix+f.Name]; got != f.Schedule {
			t.Errorf("cdk.json %s%s = %v, want the catalog's %q", CtxSchedulePrefix, f.Name, got, f.Schedule)
		}
	}
	for k := range defaults {
		if name, ok := strings.CutPrefix(k, CtxSchedulePrefix); ok {
			if f, found := catalog.Lookup(name); !found || f.Kind != catalog.Schedule {
				t.Errorf("cdk.json %s names no schedule function", k)
			}
		}
	}
	if n == 0 {
		t.Fatal("no schedule function in the catalog")
	}
}

// docs/configuration.md's table documents every context value of cdk.json.
func TestDocsDocumentEveryContextValue(t *testing.T) {
	b, err := os.ReadFile("../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "## Context values")
	if !ok {
		t.Fatal("docs/configuration.md has no Context values section")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	defaults, err := cdkContext()
	if err != nil {
		t.Fatal(err)
	}
	for k := range defaults {
		if !strings.HasPrefix(k, "@aws-cdk") && !strings.Contains(section, "| `"+k+"` |") {
			t.Errorf("docs/configuration.md does not document context %s", k)
		}
	}
}
