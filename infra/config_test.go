package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/myprofile/shared/catalog"
)

func TestConstructID(t *testing.T) {
	for in, want := range map[string]string{"auth": "Auth", "daily-summary": "DailySummary", "low-credit2": "LowCredit2"} {
		if got := constructID(in); got != want {
			t.Errorf("constructID(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSenderIdentities(t *testing.T) {
	addr, domain, err := senderIdentities("Alerts <Alerts@Mail.Example.org>")
	if err != nil || addr != "Alerts@Mail.Example.org" || domain != "mail.example.org" {
		t.Errorf("got %q %q %v", addr, domain, err)
	}
	for _, bad := range []string{"", "nobody", "a@", "*@example.com"} {
		if _, _, err := senderIdentities(bad); err == nil {
			t.Errorf("senderIdentities(%q): want an error", bad)
		}
	}
}

func TestContextValues(t *testing.T) {
	for _, tc := range []struct {
		in   any
		n    int
		ok   bool
		fail bool
	}{{nil, 0, false, false}, {float64(30), 30, true, false}, {"14", 14, true, false}, {"", 0, false, false},
		{"x", 0, false, true}, {1.5, 0, false, true}, {true, 0, false, true}} {
		n, ok, err := contextInt(tc.in)
		if n != tc.n || ok != tc.ok || (err != nil) != tc.fail {
			t.Errorf("contextInt(%v) = %d, %v, %v", tc.in, n, ok, err)
		}
	}
	if _, err := logRetention(31); err == nil {
		t.Error("logRetention(31): want an error")
	}
	if err := validSchedule("every day"); err == nil {
		t.Error("validSchedule: want an error")
	}
}

// A catalog entry the stack cannot wire fails the synth with a message
// naming the function, instead of deploying a half-wired Lambda.
func TestBadCatalogIsAnError(t *testing.T) {
	assets := t.TempDir()
	for _, name := range []string{"ok", "other"} {
		if err := writeDummyBootstrap(assets, name); err != nil {
			t.Fatal(err)
		}
	}
	ok := catalog.Function{Name: "ok", Kind: catalog.HTTP, Routes: []string{"GET /ok"}}
	for _, tc := range []struct {
		name  string
		props MyProfileStackProps
		want  string
	}{
		{"bad route", MyProfileStackProps{Functions: []catalog.Function{{Name: "ok", Kind: catalog.HTTP, Routes: []string{"GET /ok/"}}}}, "subtree"},
		{"duplicate route", MyProfileStackProps{Functions: []catalog.Function{ok, {Name: "other", Kind: catalog.HTTP, Routes: []string{"GET /ok"}}}}, "also served"},
		{"missing binary", MyProfileStackProps{Functions: []catalog.Function{ok, {Name: "ghost", Kind: catalog.HTTP, Routes: []string{"GET /g"}}}}, "make build"},
		{"unknown index", MyProfileStackProps{Functions: []catalog.Function{{Name: "ok", Kind: catalog.HTTP, Routes: []string{"GET /ok"}, Needs: catalog.Needs{Indexes: []string{"gsi9"}}}}}, "gsi9"},
		{"unknown table action", MyProfileStackProps{Functions: []catalog.Function{{Name: "ok", Kind: catalog.HTTP, Routes: []string{"GET /ok"}, Needs: catalog.Needs{Actions: []string{"dynamodb:Scan"}}}}}, `"dynamodb:Scan" is not one of`},
		{"table action twice", MyProfileStackProps{Functions: []catalog.Function{{Name: "ok", Kind: catalog.HTTP, Routes: []string{"GET /ok"}, Needs: catalog.Needs{Actions: []string{"dynamodb:GetItem", "dynamodb:GetItem"}}}}}, `"dynamodb:GetItem" twice`},
		{"queue function without a queue", MyProfileStackProps{Functions: []catalog.Function{{Name: "ok", Kind: catalog.Queue}}}, "needs Needs.Queue"},
		{"queue without consumer", MyProfileStackProps{Functions: []catalog.Function{{Name: "ok", Kind: catalog.HTTP, Routes: []string{"GET /ok"}, Needs: catalog.Needs{Queue: "q"}}}}, "no Kind Queue function consumes it"},
		{"two consumers", MyProfileStackProps{Functions: []catalog.Function{{Name: "ok", Kind: catalog.Queue, Needs: catalog.Needs{Queue: "q"}}, {Name: "other", Kind: catalog.Queue, Needs: catalog.Needs{Queue: "q"}}}}, "already consumed"},
		{"two storage functions", MyProfileStackProps{Functions: []catalog.Function{{Name: "ok", Kind: catalog.Storage}, {Name: "other", Kind: catalog.Storage}}}, "only one storage function"},
		{"reserved name", MyProfileStackProps{Functions: []catalog.Function{{Name: "table", Kind: catalog.HTTP, Routes: []string{"GET /t"}}}}, "stack's own"},
		{"unknown kind", MyProfileStackProps{Functions: []catalog.Function{{Name: "ok", Kind: "stream"}}}, "unknown kind"},
		{"bad schedule", MyProfileStackProps{Functions: []catalog.Function{{Name: "ok", Kind: catalog.Schedule, Schedule: "daily"}}}, "rate(...)"},
		{"event without pattern", MyProfileStackProps{Functions: []catalog.Function{{Name: "ok", Kind: catalog.Event}}}, "EventSource"},
		{"bad stage", MyProfileStackProps{Stage: "Prod!", Functions: []catalog.Function{ok}}, "stage"},
		{"bad retention", MyProfileStackProps{LogRetentionDays: 10, Functions: []catalog.Function{ok}}, "retention"},
		{"bad sender", MyProfileStackProps{SenderEmail: "nobody", Functions: []catalog.Function{ok}}, "sender"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())})
			tc.props.AssetDir = assets
			_, err := NewMyProfileStack(app, "Bad", &tc.props)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one mentioning %q", err, tc.want)
			}
			if n := len(*app.Node().Children()); n != 0 {
				t.Errorf("a failed stack left %d constructs in the app", n)
			}
		})
	}
}

func TestEnsureBootstrapsReportsMissingSource(t *testing.T) {
	dir := t.TempDir()
	if err := writeDummyBootstrap(dir, "present"); err != nil {
		t.Fatal(err)
	}
	err := ensureBootstraps(t.Context(), dir, []catalog.Function{{Name: "present"}, {Name: "no-such-function"}})
	if err == nil || !strings.Contains(err.Error(), "no-such-function") || strings.Contains(err.Error(), "present") {
		t.Fatalf("err = %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "no-such-function")); err == nil {
		t.Error("created an output folder for a function without source")
	}
}

func TestOrigins(t *testing.T) {
	for _, tc := range []struct {
		origin   string
		cors     bool
		webauthn bool
	}{
		{"https://app.example.org", true, true},
		{"https://app.example.org:8443", true, true},
		{"http://localhost:3000", true, true},
		{"http://app.example.org", false, false},
		{"*", false, false},
		{"https://*.example.org", false, false},
		{"https://app.example.org/", false, false},
		{"https://app.example.org/path", false, false},
		{"app.example.org", false, false},
		{"android:apk-key-hash:" + strings.Repeat("a", 43), false, true},
		{"android:apk-key-hash:short", false, false},
	} {
		if err := validOrigin(tc.origin); (err == nil) != tc.cors {
			t.Errorf("validOrigin(%q) = %v, want ok %v", tc.origin, err, tc.cors)
		}
		if err := validWebAuthnOrigin(tc.origin); (err == nil) != tc.webauthn {
			t.Errorf("validWebAuthnOrigin(%q) = %v, want ok %v", tc.origin, err, tc.webauthn)
		}
	}
	for id, ok := range map[string]bool{"example.org": true, "localhost": true, "a.b-c.example": true, "Example.org": false, "https://example.org": false, "example.org:443": false, "": false} {
		if err := validRPID(id); (err == nil) != ok {
			t.Errorf("validRPID(%q) = %v, want ok %v", id, err, ok)
		}
	}
	for id, ok := range map[string]bool{"Acme": true, "Acme123": true, "12345": false, "AcmeCorpLtd1": false, "Acme Co": false} {
		if err := validSenderID(id); (err == nil) != ok {
			t.Errorf("validSenderID(%q) = %v, want ok %v", id, err, ok)
		}
	}
}
