package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/myprofile/shared/catalog"
	"github.com/example/myprofile/shared/store/schema"
)

// The synth takes seconds, so TestMain synthesizes one app holding two
// stacks and every test reads the shared templates:
//   - real: the stack built from the real catalog with cdk.json's context,
//     as `cdk synth` builds it for stage dev (every default);
//   - fixture: a made-up catalog with a function of every kind and need the
//     real catalog may not have yet, in a stage whose context sets every
//     context value to something other than its default (fixtureContext).
var (
	real, fixture         assertions.Template
	realJSON, fixtureJSON map[string]any
	// templateFiles are the synthesized templates on disk, for cdk-nag.
	templateFiles = map[string]string{}
)

var fixtureFunctions = []catalog.Function{
	{Name: "api-fix", Kind: catalog.HTTP, Routes: []string{"GET /v1/fix/{id}", "POST /v1/fix/{path...}"},
		Needs: catalog.Needs{Actions: []string{"dynamodb:GetItem"}, Indexes: []string{"gsi1"}, Secrets: true, Uploads: true}},
	{Name: "avatar-fix", Kind: catalog.Storage, TimeoutSec: 30,
		Needs: catalog.Needs{Actions: []string{"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"}, Uploads: true}},
	{Name: "nightly", Kind: catalog.Schedule, Schedule: "rate(1 hour)", MemoryMB: 512, TimeoutSec: 60,
		Needs: catalog.Needs{Actions: []string{"dynamodb:Query", "dynamodb:UpdateItem", "dynamodb:ConditionCheckItem"}, Indexes: []string{"gsi2"}, Email: true, Queue: "summaries"}},
	{Name: "on-billing", Kind: catalog.Event, EventSource: catalog.BillingSource,
		DetailTypes: []string{"CreditLow", "CreditChanged"},
		Needs:       catalog.Needs{Indexes: []string{"gsi1"}, SMS: true, Email: true, Events: true}},
	{Name: "summary-worker", Kind: catalog.Queue, TimeoutSec: 40,
		Needs: catalog.Needs{Actions: catalog.TableActions(), Email: true, Queue: "summaries"}},
}

const (
	fixtureEventAccount = "210987654321"         // context eventSourceAccount
	fixtureEventSource  = "acme.billing"         // context eventSource.on-billing
	fixtureSchedule     = "cron(0/15 * * * ? *)" // context schedule.nightly
	fixtureTopicArn     = "arn:aws:sns:eu-west-1:123456789012:ops-alarms"
)

// fixtureKMSKey encrypts the fixture's named data key secret.
const fixtureKMSKey = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"

// fixtureContext sets every context value (cdk.json's keys and the
// optional ones) to something other than its default.
func fixtureContext(assets string) map[string]any {
	return map[string]any{
		CtxStage:                            "prod",
		CtxTableNamePrefix:                  "acme-profile",
		CtxAssetDir:                         assets,
		CtxSSORedirectURL:                   "https://app.example.org/sso/callback",
		CtxAppName:                          "Acme Profile",
		CtxSenderEmail:                      "Alerts <alerts@mail.example.org>",
		CtxSESConfigurationSet:              "main",
		CtxSMSSenderID:                      "Acme",
		CtxWebAuthnRPID:                     "example.org",
		CtxWebAuthnOrigins:                  "https://app.example.org, https://admin.example.org",
		CtxSignupEnabled:                    "false",
		CtxSessionIdleTTL:                   "12h",
		CtxSessionAbsoluteTTL:               "168h",
		CtxPasswordComposition:              "false",
		CtxLoginMaxFailures:                 "5",
		CtxLoginMaxFailuresIP:               "50",
		CtxLoginWindow:                      "30m",
		CtxDailySummaryRate:                 "40",
		CtxLogRetentionDays:                 "90",
		CtxLogLevel:                         "debug",
		CtxEventBusName:                     "platform",
		CtxEventAccount:                     fixtureEventAccount,
		CtxEventSourcePrefix + "on-billing": fixtureEventSource,
		CtxSchedulePrefix + "nightly":       fixtureSchedule,
		CtxMFADataKeySecret:                 "acme/mfa-data-key",
		CtxMFADataKeyKMSKey:                 fixtureKMSKey,
		CtxConnectionsSecret:                "acme/connections-clients",
		CtxCORSOrigins:                      []any{"https://app.example.org"},
		CtxThrottleRate:                     float64(25),
		CtxThrottleBurst:                    "50",
		CtxAlarmTopicArn:                    fixtureTopicArn,
		CtxAlarmEmail:                       "ops@example.org",
		CtxMetricsNamespace:                 "Acme/Profile",
		CtxQueueConcurrency:                 "5",
		CtxFrontDoor:                        "true",
		CtxFrontDoorRateLimit:               "500",
		CtxSMSDailyBudget:                   "250",
		CtxSMSCountries:                     "ES,PT",
		CtxInviteTTL:                        "72h",
		CtxDomainEventSource:                "acme.profile",
	}
}

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	// The jsii runtime starts when the CDK packages initialize, before this
	// runs: its Node end-of-life banner can only be silenced by the caller's
	// environment (JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20).
	defer jsii.Close()
	assets, err := os.MkdirTemp("", "infra-assets-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(assets)
	for _, f := range append(catalog.All(), fixtureFunctions...) {
		if err := writeDummyBootstrap(assets, f.Name); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	// INFRA_TEMPLATE_DIR keeps the synthesized templates for a look.
	outdir := os.Getenv("INFRA_TEMPLATE_DIR")
	if outdir == "" {
		if outdir, err = os.MkdirTemp("", "infra-cdkout-"); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(outdir)
	}
	if err := synth(assets, outdir); err != nil {
		fmt.Fprintln(os.Stderr, "synth:", err)
		return 1
	}
	return m.Run()
}

func writeDummyBootstrap(dir, name string) error {
	p := filepath.Join(dir, name, "bootstrap")
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return os.WriteFile(p, []byte("#!/bin/sh\n# "+name+"\n"), 0o755)
}

// cdkContext is cdk.json's context, so the test builds what `cdk synth` builds.
func cdkContext() (map[string]any, error) {
	b, err := os.ReadFile("../cdk.json")
	if err != nil {
		return nil, fmt.Errorf("read cdk.json: %w", err)
	}
	var c struct {
		App     string         `json:"app"`
		Context map[string]any `json:"context"`
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("parse cdk.json: %w", err)
	}
	if c.App != "go run ./infra" {
		return nil, fmt.Errorf("cdk.json app is %q", c.App)
	}
	return c.Context, nil
}

func synth(assets, outdir string) error {
	ctx, err := cdkContext()
	if err != nil {
		return err
	}
	app := awscdk.NewApp(&awscdk.AppProps{Context: &ctx, Outdir: jsii.String(outdir)})
	realStack, err := NewMyProfileStack(app, "Real", &MyProfileStackProps{AssetDir: assets})
	if err != nil {
		return err
	}
	// The fixture's context lives on its own stage, over the app's.
	stage := awscdk.NewStage(app, jsii.String("Custom"), nil)
	for k, v := range fixtureContext(assets) {
		stage.Node().SetContext(jsii.String(k), v)
	}
	fixtureStack, err := NewMyProfileStack(stage, "Fixture", &MyProfileStackProps{Functions: fixtureFunctions})
	if err != nil {
		return err
	}
	real = assertions.Template_FromStack(realStack, nil)
	fixture = assertions.Template_FromStack(fixtureStack, nil)
	realJSON = *real.ToJSON()
	fixtureJSON = *fixture.ToJSON()
	for name, tmpl := range map[string]map[string]any{"real": realJSON, "fixture": fixtureJSON} {
		p := filepath.Join(outdir, name+".template.json")
		b, err := json.MarshalIndent(tmpl, "", " ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			return err
		}
		templateFiles[name] = p
	}
	return nil
}

// check runs one assertions call; they panic on a mismatch.
func check(t *testing.T, what string, assert func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s: %v", what, r)
		}
	}()
	assert()
}

func resources(tmpl map[string]any, typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range tmpl["Resources"].(map[string]any) {
		r := r.(map[string]any)
		if r["Type"] == typ {
			out[id] = r
		}
	}
	return out
}

func props(r map[string]any) map[string]any {
	p, _ := r["Properties"].(map[string]any)
	return p
}

// functionID finds the logical ID of a catalog function's Lambda.
func functionID(t *testing.T, tmpl map[string]any, name string) string {
	t.Helper()
	prefix := constructID(name) + "Function"
	for id := range resources(tmpl, "AWS::Lambda::Function") {
		if rest, ok := strings.CutPrefix(id, prefix); ok && len(rest) == 8 {
			return id
		}
	}
	t.Fatalf("no AWS::Lambda::Function for %q (logical ID %s........)", name, prefix)
	return ""
}

// ref resolves {"Ref": id} or {"Fn::GetAtt": [id, ...]} to id.
func ref(v any) string {
	m, _ := v.(map[string]any)
	if s, ok := m["Ref"].(string); ok {
		return s
	}
	if a, ok := m["Fn::GetAtt"].([]any); ok && len(a) > 0 {
		s, _ := a[0].(string)
		return s
	}
	return ""
}

func strs(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			} else {
				b, _ := json.Marshal(e)
				out = append(out, string(b))
			}
		}
		return out
	case nil:
		return nil
	default:
		b, _ := json.Marshal(x)
		return []string{string(b)}
	}
}

func TestEveryCatalogRouteIsAnAPIRouteToItsFunction(t *testing.T) {
	for name, tmpl := range map[string]struct {
		fns  []catalog.Function
		json map[string]any
		t    assertions.Template
	}{"real": {catalog.All(), realJSON, real}, "fixture": {fixtureFunctions, fixtureJSON, fixture}} {
		t.Run(name, func(t *testing.T) {
			// GIVEN every route key in the template, with the function its integration calls
			integrations := resources(tmpl.json, "AWS::ApiGatewayV2::Integration")
			target := map[string]string{} // route key -> function logical ID
			for _, r := range resources(tmpl.json, "AWS::ApiGatewayV2::Route") {
				p := props(r)
				key, _ := p["RouteKey"].(string)
				// Target is {"Fn::Join": ["", ["integrations/", {"Ref": integration}]]}
				join := p["Target"].(map[string]any)["Fn::Join"].([]any)[1].([]any)
				in := integrations[ref(join[1])]
				target[key] = ref(props(in)["IntegrationUri"])
			}
			want := 0
			for _, f := range tmpl.fns {
				if f.Kind != catalog.HTTP {
					continue
				}
				fnID := functionID(t, tmpl.json, f.Name)
				for _, pattern := range f.Routes {
					want++
					r, err := ParseRoute(pattern)
					if err != nil {
						t.Fatalf("%s: %v", f.Name, err)
					}
					// THEN the route exists and reaches the function that serves it
					check(t, pattern, func() {
						tmpl.t.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Route"), map[string]any{
							"RouteKey": r.Key(), "AuthorizationType": "NONE",
						})
					})
					if got, ok := target[r.Key()]; !ok {
						t.Errorf("route %q of %s: missing", r.Key(), f.Name)
					} else if got != fnID {
						t.Errorf("route %q of %s: integration calls %s, want %s", r.Key(), f.Name, got, fnID)
					}
				}
			}
			// AND there is no route the catalog does not list
			if len(target) != want {
				t.Errorf("template has %d routes, catalog %d: %v", len(target), want, slices.Sorted(func(yield func(string) bool) {
					for k := range target {
						if !yield(k) {
							return
						}
					}
				}))
			}
			check(t, "one API", func() { tmpl.t.ResourceCountIs(jsii.String("AWS::ApiGatewayV2::Api"), jsii.Number(1)) })
		})
	}
	// The greedy ServeMux wildcard becomes API Gateway's {name+}.
	check(t, "greedy route", func() {
		fixture.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Route"), map[string]any{"RouteKey": "POST /v1/fix/{path+}"})
	})
}

func TestOneLambdaPerCatalogFunction(t *testing.T) {
	// CDK adds one Lambda of its own, the deploy-time bucket-notification
	// handler, when a function needs the uploads bucket.
	for name, tc := range map[string]struct {
		fns  []catalog.Function
		json map[string]any
	}{"real": {catalog.All(), realJSON}, "fixture": {fixtureFunctions, fixtureJSON}} {
		n := 0
		for id := range resources(tc.json, "AWS::Lambda::Function") {
			if !strings.HasPrefix(id, "BucketNotificationsHandler") {
				n++
			}
		}
		if n != len(tc.fns) {
			t.Errorf("%s: %d functions, catalog %d", name, n, len(tc.fns))
		}
	}
	tableID := ""
	for id := range resources(realJSON, "AWS::DynamoDB::Table") {
		tableID = id
	}
	for _, f := range catalog.All() {
		t.Run(f.Name, func(t *testing.T) {
			p := props(resources(realJSON, "AWS::Lambda::Function")[functionID(t, realJSON, f.Name)])
			mem, timeout := f.MemoryMB, f.TimeoutSec
			if mem == 0 {
				mem = DefaultMemoryMB
			}
			if timeout == 0 {
				timeout = DefaultTimeoutSec
			}
			want := map[string]any{
				"Runtime": "provided.al2023", "Architectures": []any{"arm64"}, "Handler": "bootstrap",
				"MemorySize": float64(mem), "Timeout": float64(timeout),
			}
			for k, v := range want {
				if got, _ := json.Marshal(p[k]); string(got) != mustJSON(v) {
					t.Errorf("%s = %s, want %s", k, got, mustJSON(v))
				}
			}
			if _, named := p["FunctionName"]; named {
				t.Error("FunctionName is hard-coded")
			}
			env := p["Environment"].(map[string]any)["Variables"].(map[string]any)
			if ref(env["TABLE_NAME"]) != tableID {
				t.Errorf("TABLE_NAME = %v, want a Ref to the table %s", env["TABLE_NAME"], tableID)
			}
			for k, v := range map[string]string{"STAGE": "dev", "SENDER_EMAIL": DefaultSenderEmail, "LOG_LEVEL": DefaultLogLevel} {
				if env[k] != v {
					t.Errorf("%s = %v, want %q", k, env[k], v)
				}
			}
			lg := resources(realJSON, "AWS::Logs::LogGroup")[ref(p["LoggingConfig"].(map[string]any)["LogGroup"])]
			if lg == nil || props(lg)["RetentionInDays"] != float64(DefaultLogRetentionDays) {
				t.Errorf("log group %v: want retention %d days", lg, DefaultLogRetentionDays)
			}
		})
	}
	check(t, "fixture memory, timeout, retention", func() {
		fixture.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]any{
			"MemorySize": 512, "Timeout": 60, "Runtime": "provided.al2023", "Architectures": []any{"arm64"},
		})
		fixture.AllResourcesProperties(jsii.String("AWS::Logs::LogGroup"), map[string]any{"RetentionInDays": 90})
	})
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func TestTableFollowsStoreDefinition(t *testing.T) {
	def := schema.Definition()
	var gsis []any
	for _, ix := range def.Indexes {
		gsis = append(gsis, map[string]any{
			"IndexName": ix.Name,
			"KeySchema": []any{
				map[string]any{"AttributeName": ix.PK, "KeyType": "HASH"},
				map[string]any{"AttributeName": ix.SK, "KeyType": "RANGE"},
			},
			"Projection": map[string]any{"ProjectionType": "ALL"},
		})
	}
	for _, tc := range []struct {
		name       string
		tmpl       assertions.Template
		protection bool
		tableName  any
	}{{"dev", real, false, assertions.Match_Absent()}, {"prod", fixture, true, "acme-profile-prod"}} {
		t.Run(tc.name, func(t *testing.T) {
			check(t, "one table", func() { tc.tmpl.ResourceCountIs(jsii.String("AWS::DynamoDB::Table"), jsii.Number(1)) })
			// THEN keys, indexes, TTL, PITR, on-demand and AWS-managed encryption come from the definition
			check(t, "table properties", func() {
				tc.tmpl.HasResourceProperties(jsii.String("AWS::DynamoDB::Table"), map[string]any{
					"KeySchema": []any{
						map[string]any{"AttributeName": def.PK, "KeyType": "HASH"},
						map[string]any{"AttributeName": def.SK, "KeyType": "RANGE"},
					},
					"GlobalSecondaryIndexes":           gsis,
					"BillingMode":                      "PAY_PER_REQUEST",
					"TimeToLiveSpecification":          map[string]any{"AttributeName": def.TTL, "Enabled": true},
					"PointInTimeRecoverySpecification": map[string]any{"PointInTimeRecoveryEnabled": true},
					"SSESpecification":                 map[string]any{"SSEEnabled": true},
					"DeletionProtectionEnabled":        tc.protection,
					"TableName":                        tc.tableName,
				})
			})
			check(t, "retained", func() {
				tc.tmpl.HasResource(jsii.String("AWS::DynamoDB::Table"), map[string]any{
					"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain",
				})
			})
		})
	}
}

// policyOf returns the statements of the function's role policy.
func policyOf(t *testing.T, tmpl map[string]any, name string) []map[string]any {
	t.Helper()
	fn := resources(tmpl, "AWS::Lambda::Function")[functionID(t, tmpl, name)]
	role := ref(props(fn)["Role"])
	var out []map[string]any
	for _, p := range resources(tmpl, "AWS::IAM::Policy") {
		for _, r := range props(p)["Roles"].([]any) {
			if ref(r) == role {
				for _, s := range props(p)["PolicyDocument"].(map[string]any)["Statement"].([]any) {
					out = append(out, s.(map[string]any))
				}
			}
		}
	}
	return out
}

func TestGrantsFollowNeeds(t *testing.T) {
	indexRE := regexp.MustCompile(`/index/([A-Za-z0-9_.-]+)`)
	// dynamo returns the DynamoDB actions granted on the table itself and
	// the indexes granted dynamodb:Query; any other DynamoDB grant is an
	// error.
	dynamo := func(t *testing.T, sts []map[string]any) (actions, indexes []string) {
		t.Helper()
		for _, st := range sts {
			var dyn []string
			for _, a := range strs(st["Action"]) {
				if strings.HasPrefix(a, "dynamodb:") {
					dyn = append(dyn, a)
				}
			}
			if len(dyn) == 0 {
				continue
			}
			for _, r := range strs(st["Resource"]) {
				m := indexRE.FindStringSubmatch(r)
				switch {
				case m != nil && slices.Equal(dyn, []string{"dynamodb:Query"}):
					indexes = append(indexes, m[1])
				case m != nil:
					t.Errorf("index %s granted %v, want only dynamodb:Query", m[1], dyn)
				case strings.Contains(r, `"Table`) && strings.Contains(r, `"Arn"`) && !strings.Contains(r, "Stream"):
					actions = append(actions, dyn...)
				default:
					t.Errorf("%v granted on %s, want the table or one of its indexes", dyn, r)
				}
			}
		}
		slices.Sort(actions)
		slices.Sort(indexes)
		return actions, indexes
	}
	sorted := func(s []string) []string { return slices.Sorted(slices.Values(s)) }

	for _, f := range catalog.All() {
		t.Run(f.Name, func(t *testing.T) {
			actions, indexes := dynamo(t, policyOf(t, realJSON, f.Name))
			if !slices.Equal(actions, sorted(f.Needs.Actions)) {
				t.Errorf("dynamodb actions on the table %v, want Needs.Actions %v", actions, sorted(f.Needs.Actions))
			}
			if !slices.Equal(indexes, sorted(f.Needs.Indexes)) {
				t.Errorf("dynamodb:Query on indexes %v, want Needs.Indexes %v", indexes, sorted(f.Needs.Indexes))
			}
		})
	}

	for _, f := range fixtureFunctions {
		t.Run("fixture "+f.Name, func(t *testing.T) {
			actions, indexes := dynamo(t, policyOf(t, fixtureJSON, f.Name))
			if !slices.Equal(actions, sorted(f.Needs.Actions)) {
				t.Errorf("dynamodb actions on the table %v, want Needs.Actions %v", actions, sorted(f.Needs.Actions))
			}
			if !slices.Equal(indexes, sorted(f.Needs.Indexes)) {
				t.Errorf("dynamodb:Query on indexes %v, want Needs.Indexes %v", indexes, sorted(f.Needs.Indexes))
			}
		})
	}
	t.Run("an index alone grants no table action", func(t *testing.T) {
		actions, indexes := dynamo(t, policyOf(t, fixtureJSON, "on-billing"))
		if len(actions) != 0 || !slices.Equal(indexes, []string{"gsi1"}) {
			t.Errorf("on-billing: table actions %v, indexes %v; want none and [gsi1]", actions, indexes)
		}
	})
	t.Run("email with configuration set", func(t *testing.T) {
		var ses []string
		for _, st := range policyOf(t, fixtureJSON, "nightly") {
			if slices.Contains(strs(st["Action"]), "ses:SendEmail") {
				ses = append(ses, strs(st["Resource"])...)
			}
		}
		joined := strings.Join(ses, " ")
		for _, want := range []string{":identity/alerts@mail.example.org", ":identity/mail.example.org", ":configuration-set/main"} {
			if !strings.Contains(joined, want) {
				t.Errorf("ses:SendEmail resources %v lack %s", ses, want)
			}
		}
		if len(ses) != 3 {
			t.Errorf("ses:SendEmail on %d resources, want 3: %v", len(ses), ses)
		}
		check(t, "sender and configuration set reach the function", func() {
			fixture.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]any{
				"Environment": map[string]any{"Variables": map[string]any{
					"SENDER_EMAIL": "Alerts <alerts@mail.example.org>", "SES_CONFIGURATION_SET": "main",
				}},
			})
		})
	})
	t.Run("sms only to phone numbers", func(t *testing.T) {
		var allow, deny bool
		for _, st := range policyOf(t, fixtureJSON, "on-billing") {
			if !slices.Equal(strs(st["Action"]), []string{"sns:Publish"}) {
				continue
			}
			res := strs(st["Resource"])
			allow = allow || st["Effect"] == "Allow" && slices.Equal(res, []string{"*"})
			deny = deny || st["Effect"] == "Deny" && slices.Equal(res, []string{"arn:aws:sns:*:*:*"})
		}
		if !allow || !deny {
			t.Errorf("sns:Publish allow on * = %v, deny on topics = %v; want both", allow, deny)
		}
		for _, name := range []string{"api-fix", "nightly"} {
			for _, st := range policyOf(t, fixtureJSON, name) {
				if slices.Contains(strs(st["Action"]), "sns:Publish") {
					t.Errorf("%s has sns:Publish without Needs.SMS", name)
				}
			}
		}
	})
	t.Run("put events on the configured bus", func(t *testing.T) {
		found := false
		for _, st := range policyOf(t, fixtureJSON, "on-billing") {
			if slices.Contains(strs(st["Action"]), "events:PutEvents") {
				found = strings.Contains(mustJSON(st["Resource"]), "event-bus/platform")
			}
		}
		if !found {
			t.Error("no events:PutEvents on event-bus/platform")
		}
	})
}

func TestSchedulesAndEvents(t *testing.T) {
	// GIVEN every schedule function of the real catalog and the fixture
	for name, tc := range map[string]struct {
		fns  []catalog.Function
		json map[string]any
		t    assertions.Template
	}{"real": {catalog.All(), realJSON, real}, "fixture": {fixtureFunctions, fixtureJSON, fixture}} {
		t.Run(name, func(t *testing.T) {
			rules := resources(tc.json, "AWS::Events::Rule")
			n := 0
			for _, f := range tc.fns {
				if f.Kind != catalog.Schedule && f.Kind != catalog.Event {
					continue
				}
				n++
				fnID := functionID(t, tc.json, f.Name)
				var rule map[string]any
				for _, r := range rules {
					for _, tg := range props(r)["Targets"].([]any) {
						if ref(tg.(map[string]any)["Arn"]) == fnID {
							rule = props(r)
						}
					}
				}
				if rule == nil {
					t.Errorf("%s: no rule targets it", f.Name)
					continue
				}
				// THEN the schedule or pattern comes from the catalog (or its context override)
				if f.Kind == catalog.Schedule {
					want := f.Schedule
					if name == "fixture" && f.Name == "nightly" {
						want = fixtureSchedule
					}
					if rule["ScheduleExpression"] != want {
						t.Errorf("%s: schedule %v, want %q", f.Name, rule["ScheduleExpression"], want)
					}
				} else {
					pat := rule["EventPattern"].(map[string]any)
					source := f.EventSource
					if name == "fixture" && f.Name == "on-billing" {
						source = fixtureEventSource
					}
					if !slices.Equal(strs(pat["source"]), []string{source}) || !slices.Equal(strs(pat["detail-type"]), f.DetailTypes) {
						t.Errorf("%s: pattern %v", f.Name, pat)
					}
				}
				// AND failed deliveries and failed runs land in an encrypted queue
				tg := rule["Targets"].([]any)[0].(map[string]any)
				if tg["DeadLetterConfig"] == nil || tg["RetryPolicy"] == nil {
					t.Errorf("%s: target without DeadLetterConfig or RetryPolicy: %v", f.Name, tg)
				}
				found := false
				for _, c := range resources(tc.json, "AWS::Lambda::EventInvokeConfig") {
					if props(c)["FunctionName"] != nil && ref(props(c)["FunctionName"]) == fnID {
						found = props(c)["DestinationConfig"] != nil
					}
				}
				if !found {
					t.Errorf("%s: no async on-failure destination", f.Name)
				}
			}
			check(t, "rule count", func() {
				tc.t.ResourceCountIs(jsii.String("AWS::Events::Rule"), jsii.Number(float64(n)))
			})
			if n > 0 {
				check(t, "queues encrypted", func() {
					tc.t.AllResourcesProperties(jsii.String("AWS::SQS::Queue"), map[string]any{"SqsManagedSseEnabled": true})
				})
			}
		})
	}
	check(t, "event rule on the configured bus", func() {
		fixture.HasResourceProperties(jsii.String("AWS::Events::Rule"), map[string]any{
			"EventBusName": "platform",
			"EventPattern": map[string]any{"source": []any{fixtureEventSource}},
		})
	})
}

// Functions with Needs.Secrets read the data key from Secrets Manager at
// first use: they get the secret's id (MFA_DATA_KEY_SECRET) and read access
// to that secret alone, never the value, in the template or in their
// configuration. The secret is a named one, or by default one the stack
// generates (no deployment runs on a known key).
// originSecretRef is the front door's dynamic reference to its origin secret.
var originSecretRef = regexp.MustCompile(`"\{\{resolve:secretsmanager:",\{"Ref":"OriginVerify[0-9A-F]{8}"\}`)

func TestMFADataKey(t *testing.T) {
	envOf := func(tmpl map[string]any, name string) map[string]any {
		p := props(resources(tmpl, "AWS::Lambda::Function")[functionID(t, tmpl, name)])
		return p["Environment"].(map[string]any)["Variables"].(map[string]any)
	}
	// readers are the roles allowed secretsmanager:GetSecretValue, with the
	// resources they may read.
	readers := func(tmpl map[string]any) map[string][]string {
		out := map[string][]string{}
		for _, r := range resources(tmpl, "AWS::IAM::Policy") {
			for _, st := range list(props(r)["PolicyDocument"].(map[string]any)["Statement"]) {
				st := st.(map[string]any)
				if st["Effect"] != "Allow" || !slices.Contains(strs(st["Action"]), "secretsmanager:GetSecretValue") {
					continue
				}
				for _, role := range list(props(r)["Roles"]) {
					for _, res := range list(st["Resource"]) {
						out[ref(role)] = append(out[ref(role)], render(res))
					}
				}
			}
		}
		return out
	}
	roleOf := func(tmpl map[string]any, name string) string {
		role, _ := props(resources(tmpl, "AWS::Lambda::Function")[functionID(t, tmpl, name)])["Role"].(map[string]any)["Fn::GetAtt"].([]any)[0].(string)
		return role
	}
	check := func(tmpl map[string]any, fns []catalog.Function, wantID func(string) bool, wantRes func(string) bool) {
		t.Helper()
		raw, _ := json.Marshal(tmpl)
		// The front door's origin header is the one value resolved at deploy
		// time (frontdoor.go); the data key never is.
		raw = originSecretRef.ReplaceAll(raw, nil)
		if strings.Contains(string(raw), "resolve:secretsmanager") || strings.Contains(string(raw), `"MFA_DATA_KEY"`) {
			t.Error("the template resolves the data key's value")
		}
		rd := readers(tmpl)
		for _, f := range fns {
			env := envOf(tmpl, f.Name)
			id, has := env["MFA_DATA_KEY_SECRET"]
			res := rd[roleOf(tmpl, f.Name)]
			if !f.Needs.Secrets {
				if has || len(res) > 0 {
					t.Errorf("%s: MFA_DATA_KEY_SECRET %v, reads %v without Needs.Secrets", f.Name, id, res)
				}
				continue
			}
			if !wantID(render(id)) {
				t.Errorf("%s: MFA_DATA_KEY_SECRET = %s", f.Name, render(id))
			}
			if len(res) != 1 || !wantRes(res[0]) {
				t.Errorf("%s may read secrets %v, want the data key's alone", f.Name, res)
			}
		}
	}
	check(fixtureJSON, fixtureFunctions,
		func(id string) bool { return id == "acme/mfa-data-key" },
		func(res string) bool { return strings.HasSuffix(res, ":secret:acme/mfa-data-key-??????") })
	// The named secret's KMS key: decrypt through Secrets Manager only, for
	// the functions that read the secret only.
	decrypters := func(tmpl map[string]any) map[string]string {
		out := map[string]string{}
		for _, r := range resources(tmpl, "AWS::IAM::Policy") {
			for _, st := range list(props(r)["PolicyDocument"].(map[string]any)["Statement"]) {
				st := st.(map[string]any)
				if !slices.Contains(strs(st["Action"]), "kms:Decrypt") {
					continue
				}
				cond, _ := json.Marshal(st["Condition"])
				for _, role := range list(props(r)["Roles"]) {
					out[ref(role)] = render(st["Resource"]) + " " + string(cond)
				}
			}
		}
		return out
	}
	dec := decrypters(fixtureJSON)
	for _, f := range fixtureFunctions {
		got, has := dec[roleOf(fixtureJSON, f.Name)]
		switch {
		case f.Needs.Secrets && (!strings.HasPrefix(got, fixtureKMSKey+" ") || !strings.Contains(got, "kms:ViaService") || !strings.Contains(got, "secretsmanager.")):
			t.Errorf("%s: kms:Decrypt %q, want the secret's key via Secrets Manager", f.Name, got)
		case !f.Needs.Secrets && has:
			t.Errorf("%s may decrypt with %s without Needs.Secrets", f.Name, got)
		}
	}
	if dec := decrypters(realJSON); len(dec) != 0 {
		t.Errorf("the default stack grants kms:Decrypt: %v", dec)
	}

	secrets := resources(realJSON, "AWS::SecretsManager::Secret")
	if len(secrets) != 1 {
		t.Fatalf("the default stack has %d secrets, want the generated data key", len(secrets))
	}
	var secretID string
	for id, r := range secrets {
		secretID = id
		gen, _ := props(r)["GenerateSecretString"].(map[string]any)
		if gen["PasswordLength"] != float64(64) || gen["ExcludePunctuation"] != true {
			t.Errorf("generated key: %v", gen)
		}
		if r["DeletionPolicy"] != "Retain" {
			t.Errorf("the data key must survive stack deletion: %v", r)
		}
	}
	generated := func(s string) bool { return s == "${"+secretID+"}" }
	check(realJSON, catalog.All(), generated, generated)
}

// A data key secret named by context is read by the id given and granted
// by its ARN pattern: a name or a partial ARN gets Secrets Manager's
// six-character suffix as "-??????", a complete ARN is used as is.
func TestMFAKeySecretForms(t *testing.T) {
	const base = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:"
	tests := []struct {
		named, wantResource string
	}{
		{"acme/mfa-data-key", ":secret:acme/mfa-data-key-??????"},
		{base + "acme/mfa-data-key", base + "acme/mfa-data-key-??????"},
		{base + "acme/mfa-data-key-AbC123", base + "acme/mfa-data-key-AbC123"},
	}
	for _, tc := range tests {
		t.Run(tc.named, func(t *testing.T) {
			app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())})
			stack := awscdk.NewStack(app, jsii.String("S"), nil)
			role := awsiam.NewRole(stack, jsii.String("R"), &awsiam.RoleProps{AssumedBy: awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil)})
			sec, id := mfaKeySecretRef(stack, tc.named)
			sec.GrantRead(role, nil)
			if *id != tc.named {
				t.Errorf("MFA_DATA_KEY_SECRET = %s, want %s", *id, tc.named)
			}
			tmpl := *assertions.Template_FromStack(stack, nil).ToJSON()
			var got []string
			for _, r := range resources(tmpl, "AWS::IAM::Policy") {
				for _, st := range list(props(r)["PolicyDocument"].(map[string]any)["Statement"]) {
					st := st.(map[string]any)
					if slices.Contains(strs(st["Action"]), "secretsmanager:GetSecretValue") {
						got = append(got, render(st["Resource"]))
					}
				}
			}
			if len(got) != 1 || !strings.HasSuffix(got[0], tc.wantResource) {
				t.Errorf("GetSecretValue on %v, want one resource ending %s", got, tc.wantResource)
			}
		})
	}
}
