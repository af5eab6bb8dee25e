package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/myprofile/shared/catalog"
)

// eventRule returns the EventPattern of the rule that targets the named
// event function.
func eventRule(t *testing.T, tmpl map[string]any, name string) map[string]any {
	t.Helper()
	fnID := functionID(t, tmpl, name)
	for _, r := range resources(tmpl, "AWS::Events::Rule") {
		for _, tg := range list(props(r)["Targets"]) {
			if ref(tg.(map[string]any)["Arn"]) == fnID && props(r)["EventPattern"] != nil {
				return props(r)
			}
		}
	}
	t.Fatalf("no event rule targets %s", name)
	return nil
}

// Platform events cannot be forged by anyone who may put events on the
// bus: each rule matches the platform's source and the account the events
// must come from (EventBridge sets "account" to the sender's account), by
// default the stack's own, else the one named by context (issue 18).
func TestPlatformEventRulesMatchSourceAndAccount(t *testing.T) {
	// GIVEN the real catalog with cdk.json's context (own account, default bus)
	for _, f := range catalog.All() {
		if f.Kind != catalog.Event {
			continue
		}
		t.Run("real/"+f.Name, func(t *testing.T) {
			rule := eventRule(t, realJSON, f.Name)
			pat := rule["EventPattern"].(map[string]any)
			// THEN the pattern names the source and the stack's own account
			if got := strs(pat["source"]); !slices.Equal(got, []string{f.EventSource}) {
				t.Errorf("source %v, want [%s]", got, f.EventSource)
			}
			if got := mustJSON(pat["account"]); got != `[{"Ref":"AWS::AccountId"}]` {
				t.Errorf("account %s, want the stack's own account [{\"Ref\":\"AWS::AccountId\"}]: any sender on the bus could forge %s", got, f.EventSource)
			}
		})
	}
	// GIVEN the fixture's context: bus "platform", account and source named
	t.Run("fixture/on-billing", func(t *testing.T) {
		rule := eventRule(t, fixtureJSON, "on-billing")
		pat := rule["EventPattern"].(map[string]any)
		if got := strs(pat["account"]); !slices.Equal(got, []string{fixtureEventAccount}) {
			t.Errorf("account %v, want [%s] (context %s)", got, fixtureEventAccount, CtxEventAccount)
		}
		if got := strs(pat["source"]); !slices.Equal(got, []string{fixtureEventSource}) {
			t.Errorf("source %v, want [%s] (context %son-billing)", got, fixtureEventSource, CtxEventSourcePrefix)
		}
		if rule["EventBusName"] != "platform" {
			t.Errorf("bus %v, want platform", rule["EventBusName"])
		}
	})
}

// cdk.json documents each event function's source as a default, and it is
// the catalog's.
func TestCdkJSONEventSourcesAreTheCatalogs(t *testing.T) {
	defaults, err := cdkContext()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range catalog.All() {
		if f.Kind != catalog.Event {
			continue
		}
		if got := defaults[CtxEventSourcePrefix+f.Name]; got != f.EventSource {
			t.Errorf("cdk.json %s%s = %v, want the catalog's %q", CtxEventSourcePrefix, f.Name, got, f.EventSource)
		}
	}
	for k := range defaults {
		if name, ok := strings.CutPrefix(k, CtxEventSourcePrefix); ok {
			if f, found := catalog.Lookup(name); !found || f.Kind != catalog.Event {
				t.Errorf("cdk.json %s names no event function", k)
			}
		}
	}
}

// A source AWS reserves for itself is refused.
func TestEventSourceContextIsChecked(t *testing.T) {
	ctx := map[string]any{CtxEventSourcePrefix + "on-billing": "aws.billing", CtxEventAccount: "123456789012"}
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir()), Context: &ctx})
	_, err := resolveSettings(app, &MyProfileStackProps{Functions: fixtureFunctions})
	if err == nil || !strings.Contains(err.Error(), "eventSource.on-billing") {
		t.Fatalf("err = %v, want one naming eventSource.on-billing", err)
	}
}

// putEventsGrants maps each function (catalog name) to the resources its
// role may call events:PutEvents on.
func putEventsGrants(t *testing.T, tmpl map[string]any, fns []catalog.Function) map[string][]string {
	t.Helper()
	roleOf := map[string]string{} // role logical id -> function name
	for name, id := range ourFunctions(t, tmpl, fns) {
		roleOf[ref(props(resources(tmpl, "AWS::Lambda::Function")[id])["Role"])] = name
	}
	out := map[string][]string{}
	for _, pol := range resources(tmpl, "AWS::IAM::Policy") {
		p := props(pol)
		var names []string
		for _, r := range list(p["Roles"]) {
			if n, ok := roleOf[ref(r)]; ok {
				names = append(names, n)
			}
		}
		for _, st := range list(p["PolicyDocument"].(map[string]any)["Statement"]) {
			st := st.(map[string]any)
			if !slices.Contains(strs(st["Action"]), "events:PutEvents") {
				continue
			}
			if st["Effect"] != "Allow" {
				continue
			}
			for _, n := range names {
				for _, r := range list(st["Resource"]) {
					out[n] = append(out[n], render(r))
				}
			}
		}
	}
	return out
}

// events:PutEvents goes to exactly the functions whose catalog entry has
// Needs.Events, on the configured bus alone (the default bus unless
// eventBusName names one), and those functions get EVENT_BUS_NAME.
func TestPutEventsOnlyForPublishersOnTheBus(t *testing.T) {
	for _, tc := range []struct {
		name string
		fns  []catalog.Function
		tmpl map[string]any
		bus  string // what the granted resource must name
	}{{"real", catalog.All(), realJSON, "event-bus/default"}, {"fixture", fixtureFunctions, fixtureJSON, "event-bus/platform"}} {
		t.Run(tc.name, func(t *testing.T) {
			grants := putEventsGrants(t, tc.tmpl, tc.fns)
			publishers := 0
			for _, f := range tc.fns {
				res, granted := grants[f.Name]
				if f.Needs.Events != granted {
					t.Errorf("%s: events:PutEvents granted %v, catalog Needs.Events %v", f.Name, granted, f.Needs.Events)
				}
				if !f.Needs.Events {
					if _, ok := envOf(t, tc.tmpl, f.Name)["EVENT_BUS_NAME"]; ok {
						t.Errorf("%s: EVENT_BUS_NAME set without Needs.Events", f.Name)
					}
					continue
				}
				publishers++
				if len(res) != 1 || !strings.Contains(res[0], tc.bus) || strings.Contains(res[0], "*") {
					t.Errorf("%s: events:PutEvents on %v, want the one bus %s", f.Name, res, tc.bus)
				}
				if envOf(t, tc.tmpl, f.Name)["EVENT_BUS_NAME"] == nil {
					t.Errorf("%s: publishes but has no EVENT_BUS_NAME", f.Name)
				}
			}
			if publishers == 0 {
				t.Fatal("no function publishes: the test checks nothing")
			}
		})
	}
}

// The domain events whose publish failed (EventsPublishFailed, counted by
// the publishing functions and the sweep) alarm on the topic: 1 or more in
// two of three 5-minute periods.
func TestEventsPublishFailedAlarm(t *testing.T) {
	for _, tc := range []struct {
		name      string
		tmpl      map[string]any
		namespace string
	}{{"real", realJSON, DefaultMetricsNamespace}, {"fixture", fixtureJSON, "Acme/Profile"}} {
		t.Run(tc.name, func(t *testing.T) {
			var found []map[string]any
			for id, a := range resources(tc.tmpl, "AWS::CloudWatch::Alarm") {
				if props(a)["MetricName"] == "EventsPublishFailed" {
					if !strings.HasPrefix(id, "EventsPublishFailedAlarm") {
						t.Errorf("alarm %s on EventsPublishFailed is not EventsPublishFailedAlarm", id)
					}
					found = append(found, props(a))
				}
			}
			if len(found) != 1 {
				t.Fatalf("%d alarms on EventsPublishFailed, want 1", len(found))
			}
			p := found[0]
			for k, want := range map[string]any{
				"Namespace": tc.namespace, "Statistic": "Sum", "Period": float64(300), "Threshold": float64(1),
				"EvaluationPeriods": float64(3), "DatapointsToAlarm": float64(2),
				"ComparisonOperator": "GreaterThanOrEqualToThreshold", "TreatMissingData": "notBreaching",
			} {
				if mustJSON(p[k]) != mustJSON(want) {
					t.Errorf("%s = %v, want %v", k, p[k], want)
				}
			}
			if len(list(p["AlarmActions"])) != 1 {
				t.Errorf("alarm actions %v, want the alarm topic", p["AlarmActions"])
			}
		})
	}
}
