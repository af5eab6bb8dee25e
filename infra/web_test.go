package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/myprofile/shared/catalog"
)

// webStack synthesizes a one-function stack with ctx over a built page
// (a stand-in web/dist) and returns its template as JSON.
func webStack(t *testing.T, ctx map[string]any) map[string]any {
	t.Helper()
	assets := t.TempDir()
	if err := writeDummyBootstrap(assets, "ok"); err != nil {
		t.Fatal(err)
	}
	dist := t.TempDir()
	for _, f := range []string{"index.html", "app.js", "style.css"} {
		if err := os.WriteFile(filepath.Join(dist, f), []byte("/* "+f+" */"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	c := map[string]any{CtxAssetDir: assets, CtxWebPageDir: dist}
	for k, v := range ctx {
		c[k] = v
	}
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir()), Context: &c})
	fns := []catalog.Function{{Name: "ok", Kind: catalog.HTTP, Routes: []string{"GET /ok"}}}
	st, err := NewMyProfileStack(app, "Web", &MyProfileStackProps{Functions: fns,
		StackProps: awscdk.StackProps{Env: &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String("us-east-1")}}})
	if err != nil {
		t.Fatal(err)
	}
	tmpl := *assertions.Template_FromStack(st, nil).ToJSON()
	nagTemplate(t, tmpl)
	return tmpl
}

// nagTemplate runs cdk-nag's AwsSolutions pack over tmpl, as
// TestNagAwsSolutions does over the real and fixture templates (skipped
// without node and cdk-nag).
func nagTemplate(t *testing.T, tmpl map[string]any) {
	t.Helper()
	if _, err := os.Stat("../node_modules/cdk-nag/package.json"); err != nil {
		return
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return
	}
	p := filepath.Join(t.TempDir(), "web.template.json")
	if err := os.WriteFile(p, []byte(mustJSON(tmpl)), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), node, filepath.Join("nag", "nag.js"), p)
	cmd.Env = append(os.Environ(), "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("cdk-nag AwsSolutions: %v\n%s", err, out)
	}
}

// webDistribution is the distribution with an S3 origin reached through
// an origin access control, and that origin's id.
func webDistribution(t *testing.T, tmpl map[string]any) (cfg map[string]any, s3Origin string) {
	t.Helper()
	for _, d := range resources(tmpl, "AWS::CloudFront::Distribution") {
		c := props(d)["DistributionConfig"].(map[string]any)
		for _, o := range c["Origins"].([]any) {
			om := o.(map[string]any)
			if _, ok := om["S3OriginConfig"]; ok && om["OriginAccessControlId"] != nil {
				return c, om["Id"].(string)
			}
		}
	}
	t.Fatalf("no distribution reads a bucket through an origin access control: %s", mustJSON(resources(tmpl, "AWS::CloudFront::Distribution")))
	return nil, ""
}

// The reference page (issue 20): off by default; on, a private bucket
// served through CloudFront with an origin access control, filled from
// the built page with a config.json naming the API, whose CORS allows the
// page; behind the front door, under /web/ of the same distribution, on
// the API's own origin.
func TestWebPage(t *testing.T) {
	t.Run("off by default", func(t *testing.T) {
		for name, tmpl := range map[string]map[string]any{"real": realJSON, "fixture": fixtureJSON, "small": webStack(t, nil)} {
			if n := len(resources(tmpl, "Custom::CDKBucketDeployment")); n != 0 {
				t.Errorf("%s: %d bucket deployments without %s", name, n, CtxWebPage)
			}
			if _, ok := tmpl["Outputs"].(map[string]any)["WebPageUrl"]; ok {
				t.Errorf("%s: a WebPageUrl output without %s", name, CtxWebPage)
			}
		}
	})

	t.Run("own distribution", func(t *testing.T) {
		tmpl := webStack(t, map[string]any{CtxWebPage: "true", CtxCORSOrigins: "https://app.example.com"})
		cfg, originID := webDistribution(t, tmpl)
		if cfg["DefaultRootObject"] != "index.html" {
			t.Errorf("DefaultRootObject %v, want index.html", cfg["DefaultRootObject"])
		}
		def := cfg["DefaultCacheBehavior"].(map[string]any)
		if def["TargetOriginId"] != originID || def["ViewerProtocolPolicy"] != "redirect-to-https" || def["ResponseHeadersPolicyId"] == nil {
			t.Errorf("default behavior %s: want the bucket, HTTPS and the page's headers", mustJSON(def))
		}
		if n := len(resources(tmpl, "AWS::CloudFront::OriginAccessControl")); n != 1 {
			t.Errorf("%d origin access controls, want 1", n)
		}
		headers := mustJSON(resources(tmpl, "AWS::CloudFront::ResponseHeadersPolicy"))
		for _, want := range []string{"script-src 'self'", "frame-ancestors 'none'", "no-referrer"} {
			if !strings.Contains(headers, want) {
				t.Errorf("page headers lack %s: %s", want, headers)
			}
		}
		for _, b := range resources(tmpl, "AWS::S3::Bucket") {
			if !strings.Contains(mustJSON(b), "BlockPublicAcls") {
				t.Errorf("a bucket without the public access block: %s", mustJSON(b))
			}
		}
		policies := mustJSON(resources(tmpl, "AWS::S3::BucketPolicy"))
		if !strings.Contains(policies, "cloudfront.amazonaws.com") || !strings.Contains(policies, "AWS:SourceArn") {
			t.Errorf("no bucket policy lets only the distribution read: %s", policies)
		}

		_, dep := one(t, tmpl, "Custom::CDKBucketDeployment")
		dj := mustJSON(dep)
		for _, want := range []string{`"Prune":true`, `"DistributionPaths":["/*"]`, `"HttpApi`, "ApiEndpoint"} {
			if !strings.Contains(dj, want) {
				t.Errorf("deployment lacks %s: %s", want, dj)
			}
		}
		if strings.Contains(dj, "DestinationBucketKeyPrefix") {
			t.Errorf("own distribution: the page belongs at the bucket's root: %s", dj)
		}

		_, api := one(t, tmpl, "AWS::ApiGatewayV2::Api")
		cors := mustJSON(props(api)["CorsConfiguration"])
		for _, want := range []string{"https://app.example.com", `"https://",{"Fn::GetAtt":["WebPageCdn`, "DomainName"} {
			if !strings.Contains(cors, want) {
				t.Errorf("API CORS lacks %s: %s", want, cors)
			}
		}
		url := mustJSON(tmpl["Outputs"].(map[string]any)["WebPageUrl"])
		if !strings.Contains(url, "WebPageCdn") {
			t.Errorf("WebPageUrl %s, want the page's distribution", url)
		}
	})

	t.Run("behind the front door", func(t *testing.T) {
		tmpl := webStack(t, map[string]any{CtxWebPage: "true", CtxFrontDoor: "true"})
		if n := len(resources(tmpl, "AWS::CloudFront::Distribution")); n != 1 {
			t.Errorf("%d distributions, want the front door alone", n)
		}
		cfg, originID := webDistribution(t, tmpl)
		if !strings.Contains(mustJSON(cfg), "X-Origin-Verify") {
			t.Fatalf("the page is not on the front door: %s", mustJSON(cfg))
		}
		if def := cfg["DefaultCacheBehavior"].(map[string]any); def["TargetOriginId"] == originID {
			t.Errorf("the front door's default behavior goes to the page's bucket, want the API: %s", mustJSON(def))
		}
		var found bool
		for _, b := range cfg["CacheBehaviors"].([]any) {
			bm := b.(map[string]any)
			if bm["PathPattern"] == "/web/*" && bm["TargetOriginId"] == originID {
				found = true
				if m := mustJSON(bm["AllowedMethods"]); strings.Contains(m, "POST") {
					t.Errorf("/web/* allows %s, want GET and HEAD", m)
				}
			}
		}
		if !found {
			t.Errorf("no /web/* behavior to the page's bucket: %s", mustJSON(cfg["CacheBehaviors"]))
		}
		_, dep := one(t, tmpl, "Custom::CDKBucketDeployment")
		dj := mustJSON(dep)
		for _, want := range []string{`"DestinationBucketKeyPrefix":"web/"`, `"DistributionPaths":["/web/*"]`} {
			if !strings.Contains(dj, want) {
				t.Errorf("deployment lacks %s: %s", want, dj)
			}
		}
		if strings.Contains(dj, "ApiEndpoint") {
			t.Errorf("behind the front door the page calls its own origin, but config.json names the API endpoint: %s", dj)
		}
		_, api := one(t, tmpl, "AWS::ApiGatewayV2::Api")
		if c, ok := props(api)["CorsConfiguration"]; ok {
			t.Errorf("same origin, yet the API has CORS: %s", mustJSON(c))
		}
		url := mustJSON(tmpl["Outputs"].(map[string]any)["WebPageUrl"])
		if !strings.Contains(url, "FrontDoor") || !strings.Contains(url, "/web/index.html") {
			t.Errorf("WebPageUrl %s, want the front door's /web/index.html", url)
		}
	})

	t.Run("not built", func(t *testing.T) {
		c := map[string]any{CtxWebPage: "true", CtxWebPageDir: filepath.Join(t.TempDir(), "missing")}
		app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir()), Context: &c})
		_, err := NewMyProfileStack(app, "Web", &MyProfileStackProps{Functions: []catalog.Function{{Name: "ok", Kind: catalog.HTTP, Routes: []string{"GET /ok"}}}})
		if err == nil || !strings.Contains(err.Error(), "make web") {
			t.Errorf("err = %v, want one saying to run make web", err)
		}
	})
}
