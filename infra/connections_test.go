package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/myprofile/shared/catalog"
)

// The connected accounts' functions (catalog capability "connections") get
// the providers' client secret named by context as CONNECTIONS_SECRET and
// secretsmanager:GetSecretValue on that secret alone; no other function
// gets either. Unset (cdk.json's default), no function gets it.
func TestConnectionsSecret(t *testing.T) {
	const named = "acme/connections-clients"
	var fns []catalog.Function
	for _, name := range []string{"connections", "connections-refresh"} {
		f, ok := catalog.Lookup(name)
		if !ok {
			t.Fatalf("catalog has no %s function", name)
		}
		fns = append(fns, f)
	}
	// Another function that reads secrets (the data key), to show the
	// grant follows the capability, not Needs.Secrets.
	fns = append(fns, catalog.Function{Name: "other", Kind: catalog.HTTP, Routes: []string{"GET /other"},
		Needs: catalog.Needs{Actions: []string{"dynamodb:GetItem"}, Secrets: true}})
	assets := t.TempDir()
	for _, f := range fns {
		if err := writeDummyBootstrap(assets, f.Name); err != nil {
			t.Fatal(err)
		}
	}
	ctx := map[string]any{CtxAssetDir: assets, CtxConnectionsSecret: named, CtxMFADataKeySecret: "acme/mfa-data-key"}
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir()), Context: &ctx})
	st, err := NewMyProfileStack(app, "Conn", &MyProfileStackProps{Functions: fns})
	if err != nil {
		t.Fatal(err)
	}
	tmpl := *assertions.Template_FromStack(st, nil).ToJSON()

	// reads lists the secrets (rendered ARNs) a function may read.
	reads := func(name string) []string {
		var out []string
		for _, s := range policyOf(t, tmpl, name) {
			if s["Effect"] == "Allow" && slices.Contains(strs(s["Action"]), "secretsmanager:GetSecretValue") {
				for _, r := range list(s["Resource"]) {
					out = append(out, render(r))
				}
			}
		}
		return out
	}
	isConn := func(res string) bool { return strings.HasSuffix(res, ":secret:"+named+"-??????") }
	for _, f := range fns {
		env := envOf(t, tmpl, f.Name)
		got, has := env["CONNECTIONS_SECRET"]
		var conn []string
		for _, r := range reads(f.Name) {
			if isConn(r) {
				conn = append(conn, r)
			}
		}
		if f.Name == "other" {
			if has || len(conn) > 0 {
				t.Errorf("other: CONNECTIONS_SECRET %v, reads %v; want neither", got, conn)
			}
			continue
		}
		if got != named {
			t.Errorf("%s: CONNECTIONS_SECRET = %v, want %s", f.Name, got, named)
		}
		if len(conn) != 1 {
			t.Errorf("%s may read %v, want the connections secret once (%s)", f.Name, reads(f.Name), named)
		}
		// Besides it, only the data key (Needs.Secrets).
		for _, r := range reads(f.Name) {
			if !isConn(r) && !strings.HasSuffix(r, ":secret:acme/mfa-data-key-??????") {
				t.Errorf("%s may also read %s", f.Name, r)
			}
		}
		if _, ok := env["CONNECTIONS_ZOOM_CLIENT_SECRET"]; ok {
			t.Errorf("%s: a client secret in the environment", f.Name)
		}
	}

	// The default stack (cdk.json: "") and the fixture (whose catalog has
	// no connections function) set it on no function.
	for name, tm := range map[string]map[string]any{"real": realJSON, "fixture": fixtureJSON} {
		for id, fn := range resources(tm, "AWS::Lambda::Function") {
			env, _ := props(fn)["Environment"].(map[string]any)
			vars, _ := env["Variables"].(map[string]any)
			if v, ok := vars["CONNECTIONS_SECRET"]; ok {
				t.Errorf("%s: %s has CONNECTIONS_SECRET %v", name, id, v)
			}
		}
	}
}

// A connections secret that is an ARN of another service is refused,
// naming the context key.
func TestConnectionsSecretMustBeASecret(t *testing.T) {
	assets := t.TempDir()
	if err := writeDummyBootstrap(assets, "ok"); err != nil {
		t.Fatal(err)
	}
	ctx := map[string]any{CtxAssetDir: assets, CtxConnectionsSecret: "arn:aws:ssm:eu-west-1:123456789012:parameter/clients"}
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir()), Context: &ctx})
	_, err := NewMyProfileStack(app, "Bad", &MyProfileStackProps{Functions: []catalog.Function{{Name: "ok", Kind: catalog.HTTP, Routes: []string{"GET /ok"}}}})
	if err == nil || !strings.Contains(err.Error(), CtxConnectionsSecret) {
		t.Errorf("err = %v, want one naming %s", err, CtxConnectionsSecret)
	}
}
