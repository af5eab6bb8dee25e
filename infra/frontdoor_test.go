package main

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/myprofile/shared/catalog"
)

// The front door is off by default (real) and on in the fixture: a
// CloudFront distribution in front of the API with a CLOUDFRONT web ACL
// (per-IP rate rule, AWS managed common rules), a secret origin header the
// HTTP functions are given to check, and a template rule that keeps the
// ACL in us-east-1 (issue 18).
func TestFrontDoor(t *testing.T) {
	t.Run("off by default", func(t *testing.T) {
		if n := len(resources(realJSON, "AWS::WAFv2::WebACL")); n != 0 {
			t.Errorf("%d web ACLs without %s", n, CtxFrontDoor)
		}
		for id, d := range resources(realJSON, "AWS::CloudFront::Distribution") {
			if strings.Contains(mustJSON(d), "execute-api") || strings.Contains(mustJSON(d), "X-Origin-Verify") {
				t.Errorf("distribution %s fronts the API without %s", id, CtxFrontDoor)
			}
		}
		for _, f := range catalog.All() {
			if _, ok := envOf(t, realJSON, f.Name)["ORIGIN_VERIFY_SECRET"]; ok {
				t.Errorf("%s has ORIGIN_VERIFY_SECRET without a front door", f.Name)
			}
		}
	})
	t.Run("on", func(t *testing.T) {
		aclID, acl := one(t, fixtureJSON, "AWS::WAFv2::WebACL")
		p := props(acl)
		if p["Scope"] != "CLOUDFRONT" {
			t.Errorf("scope %v, want CLOUDFRONT", p["Scope"])
		}
		rules := mustJSON(p["Rules"])
		for _, want := range []string{
			`"RateBasedStatement":{"AggregateKeyType":"IP","EvaluationWindowSec":300,"Limit":500}`,
			`"Action":{"Block":{}}`,
			`"ManagedRuleGroupStatement":{"Name":"AWSManagedRulesCommonRuleSet","VendorName":"AWS"}`,
		} {
			if !strings.Contains(rules, want) {
				t.Errorf("web ACL rules lack %s: %s", want, rules)
			}
		}
		var door map[string]any
		for _, d := range resources(fixtureJSON, "AWS::CloudFront::Distribution") {
			if strings.Contains(mustJSON(d), "X-Origin-Verify") {
				door = props(d)["DistributionConfig"].(map[string]any)
			}
		}
		if door == nil {
			t.Fatal("no distribution adds X-Origin-Verify")
		}
		if ref(door["WebACLId"]) != aclID {
			t.Errorf("WebACLId %v, want the stack's ACL %s", door["WebACLId"], aclID)
		}
		origin := mustJSON(door["Origins"])
		for _, want := range []string{`"HttpApi`, `"ApiEndpoint"`, "HeaderName\":\"X-Origin-Verify", "resolve:secretsmanager:", "https-only"} {
			if !strings.Contains(origin, want) {
				t.Errorf("origin lacks %s: %s", want, origin)
			}
		}
		for _, f := range fixtureFunctions {
			v, ok := envOf(t, fixtureJSON, f.Name)["ORIGIN_VERIFY_SECRET"]
			switch {
			case f.Kind == catalog.HTTP && (!ok || !strings.Contains(mustJSON(v), "resolve:secretsmanager:")):
				t.Errorf("%s: ORIGIN_VERIFY_SECRET %v, want the generated secret's dynamic reference", f.Name, v)
			case f.Kind != catalog.HTTP && ok:
				t.Errorf("%s is no HTTP function but has ORIGIN_VERIFY_SECRET", f.Name)
			}
		}
		if !strings.Contains(mustJSON(fixtureJSON["Rules"]), "us-east-1") {
			t.Errorf("no template rule keeps the CLOUDFRONT web ACL in us-east-1: %v", fixtureJSON["Rules"])
		}
	})
}

// A web ACL made elsewhere is used as is, and a stack pinned outside
// us-east-1 without one fails the synth with the fix in the message.
func TestFrontDoorWebACLFromContext(t *testing.T) {
	assets := t.TempDir()
	if err := writeDummyBootstrap(assets, "ok"); err != nil {
		t.Fatal(err)
	}
	fns := []catalog.Function{{Name: "ok", Kind: catalog.HTTP, Routes: []string{"GET /ok"}}}
	const arn = "arn:aws:wafv2:us-east-1:123456789012:global/webacl/edge/0123abcd-0123-4567-89ab-0123456789ab"

	ctx := map[string]any{CtxAssetDir: assets, CtxFrontDoor: "true", CtxFrontDoorWebACL: arn}
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir()), Context: &ctx})
	st, err := NewMyProfileStack(app, "Edge", &MyProfileStackProps{Functions: fns,
		StackProps: awscdk.StackProps{Env: &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String("eu-west-1")}}})
	if err != nil {
		t.Fatal(err)
	}
	tmpl := assertions.Template_FromStack(st, nil)
	check(t, "no web ACL of its own", func() { tmpl.ResourceCountIs(jsii.String("AWS::WAFv2::WebACL"), jsii.Number(0)) })
	check(t, "the named ACL", func() {
		tmpl.HasResourceProperties(jsii.String("AWS::CloudFront::Distribution"), map[string]any{
			"DistributionConfig": map[string]any{"WebACLId": arn},
		})
	})

	ctx2 := map[string]any{CtxAssetDir: assets, CtxFrontDoor: "true"}
	app2 := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir()), Context: &ctx2})
	_, err = NewMyProfileStack(app2, "Edge", &MyProfileStackProps{Functions: fns,
		StackProps: awscdk.StackProps{Env: &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String("eu-west-1")}}})
	if err == nil || !strings.Contains(err.Error(), CtxFrontDoorWebACL) || !strings.Contains(err.Error(), "us-east-1") {
		t.Errorf("err = %v, want one naming us-east-1 and %s", err, CtxFrontDoorWebACL)
	}
}
