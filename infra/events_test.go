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
