package all_test

import (
	"io"
	"log/slog"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/example/myprofile/shared/app"
	"github.com/example/myprofile/shared/app/all"
	"github.com/example/myprofile/shared/catalog"
	"github.com/example/myprofile/shared/config"
	"github.com/example/myprofile/shared/password"
)

func mustDeps(t *testing.T) *all.Deps {
	t.Helper()
	env := map[string]string{"TABLE_NAME": "t", "SENDER_EMAIL": "no-reply@example.com", "STAGE": "test"}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	// No endpoint is ever called: building handlers makes no network call.
	return &all.Deps{Deps: &app.Deps{
		Config: cfg, Log: slog.New(slog.NewJSONHandler(io.Discard, nil)), Now: time.Now,
		DB:     dynamodb.New(dynamodb.Options{Region: "us-east-1"}),
		Hasher: password.NewHasher(password.DefaultParams),
	}}
}

func TestEveryCatalogFunctionIsWired(t *testing.T) {
	fns := all.Functions()
	d := mustDeps(t)
	for _, fn := range catalog.All() {
		t.Run(fn.Name, func(t *testing.T) {
			f, ok := fns[fn.Name]
			if !ok {
				t.Fatalf("%s is in the catalog but not in all.Functions", fn.Name)
			}
			kinds := map[catalog.Kind]bool{
				catalog.HTTP: f.Routes != nil, catalog.Schedule: f.Job != nil, catalog.Event: f.Job != nil,
				catalog.Queue: f.Queue != nil, catalog.Storage: f.Storage != nil,
			}
			set := 0
			for _, b := range []bool{f.Routes != nil, f.Job != nil, f.Queue != nil, f.Storage != nil} {
				if b {
					set++
				}
			}
			if !kinds[fn.Kind] || set != 1 {
				t.Fatalf("%s is of kind %s but is wired as %+v", fn.Name, fn.Kind, f)
			}
			// For HTTP functions this also checks the routes equal the catalog's.
			if _, err := d.Lambda(fn.Name); err != nil {
				t.Fatalf("Lambda(%s): %v", fn.Name, err)
			}
		})
	}
	for name := range fns {
		if _, ok := catalog.Lookup(name); !ok {
			t.Errorf("all.Functions wires %s, which the catalog does not list", name)
		}
	}
}

func TestHTTPHandlerRefusesRoutesTheCatalogDoesNotList(t *testing.T) {
	d := mustDeps(t)
	_, err := d.Deps.HTTPHandler("sessions", all.Functions()["auth"].Routes)
	if err == nil || !strings.Contains(err.Error(), "catalog lists") {
		t.Fatalf("sessions served with auth's routes: err = %v, want a route mismatch", err)
	}
}

// Each function's binary links only the capabilities it serves: the heavy
// dependencies (phone numbers, WebAuthn, HTML sanitizing) and the other
// capabilities' packages stay out of the functions that do not use them.
func TestFunctionsLinkOnlyTheirCapabilities(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	const mod = "github.com/example/myprofile/"
	heavy := map[string][]string{ // package -> functions that may link it
		// Only the phone change parses with full metadata (about 8 ms of
		// start-up): it stores the number's formats, type and country with
		// the verified phone, which profile shows and the sign-in SMS guard
		// (auth, twofactor) reads. The email change does not link it either.
		"github.com/nyaruka/phonenumbers":    {"phone"},
		"github.com/microcosm-cc/bluemonday": {"profile-edit"},
		// The password policy's word lists and estimator: only where a
		// password is set (sign-up and reset, invitation acceptance, the
		// password change). Upstream's zxcvbn tables cost about 5 ms at
		// start-up and are linked by no function (the copy reads embedded
		// lists on first use).
		mod + "shared/password/strength":        {"auth", "profile-edit"},
		"github.com/trustelem/zxcvbn/frequency": {},
		"github.com/trustelem/zxcvbn/scoring":   {},
		// profile-edit: deleting the account with 2FA on checks a second
		// factor.
		"github.com/go-webauthn/webauthn/webauthn": {"auth", "profile-edit", "twofactor"},
		mod + "shared/mfa":                         {"auth", "twofactor"},
		// profile serves GET /v1/me from shared/profile/basic: it links
		// DynamoDB's client and nothing heavier (issue 21).
		mod + "shared/profile":                             {"profile-edit"},
		"github.com/aws/aws-sdk-go-v2/service/eventbridge": {"auth", "connections", "connections-refresh", "events-outbox", "phone", "profile-edit", "verification"},
		mod + "shared/billing":                             {"balances", "low-credit", "profile-edit"},
		mod + "shared/digest":                              {"activities", "auth", "daily-summary", "daily-summary-worker", "profile-edit", "verification"},
		"github.com/aws/aws-sdk-go-v2/service/sesv2":       {"auth", "balances", "connections", "connections-refresh", "daily-summary", "daily-summary-worker", "low-credit", "phone", "profile-edit", "twofactor", "verification"},
		"github.com/aws/aws-sdk-go-v2/service/sns":         {"auth", "balances", "low-credit", "phone", "profile-edit", "twofactor"},
		"github.com/aws/aws-sdk-go-v2/service/s3":          {"avatar", "profile-edit"},
		"github.com/aws/aws-sdk-go-v2/service/sqs":         {"daily-summary", "daily-summary-worker"},
		// verification, phone: change codes are hashed under the data key.
		// connections: credentials sealed under the data key; client secrets.
		"github.com/aws/aws-sdk-go-v2/service/secretsmanager": {"auth", "connections", "connections-refresh", "phone", "profile-edit", "twofactor", "verification"},
	}
	for _, fn := range catalog.All() {
		out, err := exec.Command("go", "list", "-deps", "-tags", "lambda.norpc", "./../../../functions/"+fn.Name).Output()
		if err != nil {
			t.Fatalf("go list %s: %v", fn.Name, err)
		}
		deps := strings.Fields(string(out))
		for pkg, allowed := range heavy {
			if slices.Contains(deps, pkg) && !slices.Contains(allowed, fn.Name) {
				t.Errorf("function %s links %s, which it does not serve", fn.Name, pkg)
			}
		}
		if slices.Contains(deps, mod+"shared/app/all") {
			t.Errorf("function %s links shared/app/all (every function's wiring)", fn.Name)
		}
	}
}

// Every functions/<name> folder is a catalog function and the other way
// round: a folder the catalog does not list would never be deployed.
func TestFunctionFoldersMatchTheCatalog(t *testing.T) {
	entries, err := os.ReadDir("../../../functions")
	if err != nil {
		t.Fatal(err)
	}
	var folders, listed []string
	for _, e := range entries {
		if e.IsDir() {
			folders = append(folders, e.Name())
		}
	}
	for _, f := range catalog.All() {
		listed = append(listed, f.Name)
	}
	slices.Sort(folders)
	slices.Sort(listed)
	if !slices.Equal(folders, listed) {
		t.Errorf("functions/ has %v, the catalog lists %v", folders, listed)
	}
}
