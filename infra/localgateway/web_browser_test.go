package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base32"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"

	"github.com/example/myprofile/infra/localcloud"
	"github.com/example/myprofile/infra/localcloud/testenv"
	"github.com/example/myprofile/shared/app/all"
	"github.com/example/myprofile/shared/catalog"
)

// The reference page (web/) in headless Chromium against the local gateway
// run in this test: sign-up with the address code, the profile, the avatar
// crop, the sanitized signature preview, sessions, TOTP, passkeys, Spanish.
// Every tab is screenshotted into WEB_TEST_OUTPUT (default: a temporary
// folder, named in the log) and checked with axe-core.

// chromiumPath finds Chromium; without it the test skips, except in CI.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("CHROME_PATH"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("Chromium is not installed; in CI `make test` installs Debian's chromium package first")
	}
	t.Skip("SKIPPED: Chromium is not installed and could not be installed (`make test` installs Debian's chromium package when it can, as root with apt-get)")
	return ""
}

// nodeModules is where esbuild and axe-core are: WEB_NODE_MODULES, else
// the repository's node_modules.
func nodeModules(t *testing.T, root string) string {
	t.Helper()
	dir := os.Getenv("WEB_NODE_MODULES")
	if dir == "" {
		dir = filepath.Join(root, "node_modules")
	}
	for _, f := range []string{".bin/esbuild", "axe-core/axe.min.js"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Fatalf("%s: %v (run `make deps`: package.json pins esbuild and axe-core)", filepath.Join(dir, f), err)
		}
	}
	return dir
}

// buildPage bundles web/ into a fresh folder as `make web` does.
func buildPage(t *testing.T, root, modules string) string {
	t.Helper()
	dist := t.TempDir()
	cmd := exec.CommandContext(t.Context(), filepath.Join(modules, ".bin", "esbuild"), "web/src/main.ts", "--bundle", "--format=esm", "--target=es2022",
		"--sourcemap", `--define:API_ORIGIN=""`, "--outfile="+filepath.Join(dist, "app.js"), "--log-level=warning")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("esbuild: %v\n%s", err, out)
	}
	for _, f := range []string{"index.html", "style.css"} {
		b, err := os.ReadFile(filepath.Join(root, "web", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dist, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dist
}

type pageEnv struct {
	origin string
	ses    string
	sms    string // the SNS recorder's endpoint
	axe    string
	out    string
}

// startStack runs the gateway with the page on 127.0.0.1 (reached as
// localhost, the passkeys' relying party) and the local services.
func startStack(t *testing.T) pageEnv {
	t.Helper()
	root, err := localcloud.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	modules := nodeModules(t, root)
	dist := buildPage(t, root, modules)
	axe, err := os.ReadFile(filepath.Join(modules, "axe-core", "axe.min.js"))
	if err != nil {
		t.Fatal(err)
	}
	_, table := testenv.DynamoDB(t)
	_, sesEndpoint := testenv.SES(t)
	_, smsEndpoint := testenv.SNS(t)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	origin := "http://localhost:" + strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	s3Port, err := localcloud.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{
		"TABLE_NAME": table, "STAGE": "dev", "WEBAUTHN_RP_ID": "localhost", "WEBAUTHN_ORIGINS": origin,
		"S3_PORT": strconv.Itoa(s3Port), localcloud.EnvS3Endpoint: "", "UPLOADS_BUCKET": "web-test-uploads", "AVATAR_BASE_URL": "",
	} {
		t.Setenv(k, v)
	}
	log := slog.New(slog.DiscardHandler)
	hook := &uploadsHook{}
	s3svc, err := startUploads(t.Context(), log, hook)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s3svc.Stop)
	deps, err := all.Load(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	hook.deps.Store(deps)
	api, err := newGateway(deps, catalog.All(), filepath.Join(root, "api", "openapi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: withWeb(api, dist), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })

	out := os.Getenv("WEB_TEST_OUTPUT")
	if out == "" {
		out = t.TempDir()
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots in %s", out)
	return pageEnv{origin: origin, ses: sesEndpoint, sms: smsEndpoint, axe: string(axe), out: out}
}

func newBrowser(t *testing.T, chrome string) context.Context {
	t.Helper()
	profile, err := os.MkdirTemp("", "chromium-profile-")
	if err != nil {
		t.Fatal(err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chrome),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 1000),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	ctx, cancelTimeout := context.WithTimeout(ctx, 4*time.Minute)
	t.Cleanup(func() {
		cancelTimeout()
		cancel()
		cancelAlloc() // waits for the browser to exit
		// Its helper processes can still write to the profile for a
		// moment after it exits (t.TempDir's removal then failed the
		// test): retry for up to 2 s, then leave it in the temp folder.
		for try := 0; ; try++ {
			err := os.RemoveAll(profile)
			if err == nil {
				return
			}
			if try == 20 {
				t.Logf("Chromium profile %s left behind: %v", profile, err)
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	if err := chromedp.Run(ctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return ctx
}

// run runs browser actions and fails the test with what was being done.
func step(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 45*time.Second)
	defer cancel()
	if err := chromedp.Run(sctx, actions...); err != nil {
		var text string
		_ = chromedp.Run(ctx, chromedp.Evaluate(`[...document.querySelectorAll('[role=alert]:not([hidden]), [data-error-for]')].map(e => (e.dataset.errorFor || 'alert') + ': ' + e.textContent).filter(s => !s.endsWith(': ')).join('; ')`, &text))
		t.Fatalf("%s: %v (problems on the page: %q)", what, err, text)
	}
}

// waitJS waits until the expression is true.
func waitJS(expr string) chromedp.Action {
	return chromedp.Poll(expr, nil, chromedp.WithPollingInterval(100*time.Millisecond))
}

// fill sets an input's value as typing would (input and change events).
func fill(sel, value string) chromedp.Action {
	return chromedp.Evaluate(fmt.Sprintf(`(() => { const e = document.querySelector(%q); e.value = %q;
		e.dispatchEvent(new Event('input', {bubbles: true})); e.dispatchEvent(new Event('change', {bubbles: true})); return true })()`, sel, value), nil)
}

func evalString(expr string, out *string) chromedp.Action { return chromedp.Evaluate(expr, out) }

func awaitPromise(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }

// checkTab screenshots the panel and runs axe-core on the page.
func (e pageEnv) checkTab(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	var shot []byte
	var violations []string
	step(t, ctx, "screenshot and axe of "+name,
		chromedp.Evaluate(`window.axe ? true : (() => { `+e.axe+`; return true })()`, nil),
		chromedp.FullScreenshot(&shot, 100), // 100: PNG,
		chromedp.Evaluate(`axe.run(document, {resultTypes: ['violations']}).then(r => r.violations
			.filter(v => v.impact === 'serious' || v.impact === 'critical')
			.map(v => v.id + ' (' + v.impact + '): ' + v.help + ' at ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', ')))`, &violations, awaitPromise),
	)
	if err := os.WriteFile(filepath.Join(e.out, name+".png"), shot, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, v := range violations {
		t.Errorf("%s: accessibility: %s", name, v)
	}
}

func (e pageEnv) openTab(t *testing.T, ctx context.Context, id string) {
	t.Helper()
	step(t, ctx, "open tab "+id, chromedp.Click("#tab-"+id, chromedp.ByQuery), waitJS(`document.querySelector('#panel[data-ready=`+id+`]') !== null`))
}

var sixDigits = regexp.MustCompile(`\b(\d{6})\b`)

// totp is RFC 6238 (SHA-1, 6 digits, 30 s) of the base32 secret at time at.
func totp(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	key, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(strings.TrimRight(strings.ReplaceAll(secret, " ", ""), "=")))
	if err != nil {
		t.Fatalf("secret %q is not base32: %v", secret, err)
	}
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(at.Unix()/30))
	m := hmac.New(sha1.New, key)
	m.Write(msg[:])
	sum := m.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	v := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	return fmt.Sprintf("%06d", v%1_000_000)
}

// apiCall is a plain HTTP call to the API (another device).
func (e pageEnv) apiCall(t *testing.T, method, path, token string, body any) (int, map[string]any) {
	t.Helper()
	var rd *bytes.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, e.origin+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("User-Agent", "curl/8.5.0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// widePNG is a 300x200 picture: the crop keeps its middle 200x200.
func widePNG(t *testing.T) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 300, 200))
	for x := range 300 {
		for y := range 200 {
			c := color.RGBA{0, 90, 200, 255}
			if x < 50 || x >= 250 {
				c = color.RGBA{220, 0, 0, 255}
			}
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "wide.png")
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestWebPageInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("the browser test is long; run without -short")
	}
	chrome := chromiumPath(t)
	e := startStack(t)
	ctx := newBrowser(t, chrome)

	email := "ada." + testenv.RandomID(t) + "@example.com"
	const password = "Correct horse battery staple 9"

	// Sign up: 202, then the address code from the mail emulator.
	e.signUp(t, ctx, "Ada", "Lovelace", email, password, true)

	// General: edit, save, and find it after a reload.
	step(t, ctx, "edit the profile",
		fill("#general-displayName", "Countess Ada"), fill("#general-region", "GB"), fill("#general-timezone", "Europe/London"),
		chromedp.Click("#general-form button[type=submit]", chromedp.ByQuery),
		waitJS(`document.querySelector('#general-form .status').textContent === 'Saved.'`),
		chromedp.Reload(), waitJS(`document.querySelector('#panel[data-ready=general]') !== null`),
	)
	var shown []string
	step(t, ctx, "read the saved profile", chromedp.Evaluate(`['#general-displayName', '#general-region', '#general-timezone', '#who-name'].map(s => document.querySelector(s).value ?? document.querySelector(s).textContent)`, &shown))
	if want := []string{"Countess Ada", "GB", "Europe/London", "Countess Ada"}; fmt.Sprint(shown) != fmt.Sprint(want) {
		t.Errorf("after saving and reloading the page shows %q, want %q", shown, want)
	}
	// A problem is shown next to the field it names.
	var fieldErr string
	step(t, ctx, "save an unknown time zone",
		chromedp.Evaluate(`(() => { const s = document.querySelector('#general-timezone'); s.add(new Option('Mars/Olympus', 'Mars/Olympus')); s.value = 'Mars/Olympus'; return true })()`, nil),
		chromedp.Click("#general-form button[type=submit]", chromedp.ByQuery),
		waitJS(`document.querySelector('[data-error-for=timezone]').textContent !== ''`),
		evalString(`document.querySelector('#general-timezone').getAttribute('aria-invalid') + ' ' + (document.activeElement && document.activeElement.id)`, &fieldErr),
	)
	if fieldErr != "true general-timezone" {
		t.Errorf("the time zone problem: aria-invalid and focus %q, want \"true general-timezone\"", fieldErr)
	}
	step(t, ctx, "reload", chromedp.Reload(), waitJS(`document.querySelector('#panel[data-ready=general]') !== null`))

	// Avatar: a 300x200 picture comes back as a square.
	var avatar []int
	step(t, ctx, "upload an avatar",
		chromedp.SetUploadFiles("#avatar-file", []string{widePNG(t)}, chromedp.ByQuery),
		chromedp.WaitVisible("#avatar-preview", chromedp.ByQuery),
		chromedp.Click("#avatar-form button[type=submit]", chromedp.ByQuery),
		waitJS(`(() => { const i = document.querySelector('#avatar-current'); return !!i && i.complete && i.naturalWidth > 0 })()`),
		chromedp.Evaluate(`(() => { const i = document.querySelector('#avatar-current'); return [i.naturalWidth, i.naturalHeight] })()`, &avatar),
	)
	if len(avatar) != 2 || avatar[0] != avatar[1] || avatar[0] < 128 {
		t.Errorf("the avatar shown is %v px, want a square crop", avatar)
	}
	e.checkTab(t, ctx, "10-general")

	// Signature: a script typed into the source is gone from the preview.
	e.openTab(t, ctx, "signature")
	var sig struct {
		Text    string `json:"text"`
		Scripts int    `json:"scripts"`
		Handler int    `json:"handlers"`
		Title   string `json:"title"`
	}
	step(t, ctx, "save a signature with a script",
		chromedp.Evaluate(`document.querySelector('#panel details').open = true`, nil),
		fill("#sig-html", `<p><b>Hi {{user.first_name}}</b></p><script>document.title='pwned'</script><img src="https://example.com/x.png" alt="Logo" onerror="document.title='pwned'">`),
		chromedp.Click("#signature-form button[type=submit]", chromedp.ByQuery),
		waitJS(`document.querySelector('#signature-form .status').textContent === 'Saved.'`),
		waitJS(`(() => { const d = document.querySelector('#sig-preview').contentDocument; return !!d && !!d.body && d.body.textContent.includes('Hi Ada') })()`),
		chromedp.Evaluate(`(() => { const d = document.querySelector('#sig-preview').contentDocument; return {text: d.body.textContent.trim(),
			scripts: d.querySelectorAll('script').length + document.querySelector('#sig-editor').querySelectorAll('script').length,
			handlers: d.querySelectorAll('[onerror]').length, title: document.title} })()`, &sig),
	)
	if sig.Text != "Hi Ada" || sig.Scripts != 0 || sig.Handler != 0 || strings.Contains(sig.Title, "pwned") {
		t.Errorf("signature preview: %+v, want the text \"Hi Ada\" and no script or handler", sig)
	}
	e.checkTab(t, ctx, "20-signature")

	for _, tab := range []string{"availability", "calendar", "notifications", "billing", "organization", "danger"} {
		e.openTab(t, ctx, tab)
		e.checkTab(t, ctx, "30-"+tab)
	}

	// Sessions: another device signs in; this page signs it out.
	status, other := e.apiCall(t, http.MethodPost, "/v1/auth/login", "", map[string]string{"email": email, "password": password})
	if status != http.StatusOK {
		t.Fatalf("sign-in from another device: %d %v", status, other)
	}
	otherToken := other["session"].(map[string]any)["token"].(string)
	e.openTab(t, ctx, "security")
	step(t, ctx, "sign the other session out",
		waitJS(`document.querySelectorAll('#sessions-list li').length === 2`),
		chromedp.Click(`#sessions-list li:not(.current) button`, chromedp.ByQuery),
		waitJS(`document.querySelectorAll('#sessions-list li').length === 1 && document.querySelector('#sessions-list li.current') !== null`),
	)
	if status, _ := e.apiCall(t, http.MethodGet, "/v1/me", otherToken, nil); status != http.StatusUnauthorized {
		t.Errorf("the signed-out session still works: GET /v1/me is %d", status)
	}

	// Two-step verification with the authenticator app.
	var secret string
	step(t, ctx, "start the authenticator set-up",
		fill("#totp-password", password), chromedp.Click("#totp-start-form button[type=submit]", chromedp.ByQuery),
		chromedp.WaitVisible("#totp-qr", chromedp.ByQuery), chromedp.Text("#totp-secret", &secret, chromedp.ByQuery),
		waitJS(`document.querySelector('#totp-qr').complete && document.querySelector('#totp-qr').naturalWidth > 0`),
	)
	e.checkTab(t, ctx, "40-security-totp-qr")
	now := time.Now()
	var codes int
	step(t, ctx, "confirm the authenticator",
		fill("#totp-code", totp(t, secret, now)), chromedp.Click("#totp-confirm-form button[type=submit]", chromedp.ByQuery),
		chromedp.WaitVisible("#backup-codes", chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelectorAll('#backup-codes li').length`, &codes),
	)
	if codes != 10 {
		t.Errorf("%d backup codes shown, want 10", codes)
	}
	var on string
	step(t, ctx, "2FA status", chromedp.Text("#twofactor-status", &on, chromedp.ByQuery))
	if on != "Two-step verification is on." {
		t.Errorf("2FA status %q", on)
	}
	e.checkTab(t, ctx, "41-security")

	// Sign out, then in with the password and the next code.
	step(t, ctx, "sign out", chromedp.Click("#signout", chromedp.ByQuery), chromedp.WaitVisible("#signin-form", chromedp.ByQuery))
	step(t, ctx, "sign in with the password",
		fill("#signin-email", email), fill("#signin-password", password), chromedp.Click("#signin-form button[type=submit]", chromedp.ByQuery),
		chromedp.WaitVisible("#mfa-code", chromedp.ByQuery),
	)
	e.checkTab(t, ctx, "50-second-step")
	step(t, ctx, "second step with the authenticator code",
		fill("#mfa-code", totp(t, secret, now.Add(30*time.Second))), chromedp.Click("#mfa-form button[type=submit]", chromedp.ByQuery),
		waitJS(`document.querySelector('#panel[data-ready=general]') !== null`),
	)

	// A passkey on Chrome's virtual authenticator, then a sign-in with it.
	step(t, ctx, "add a virtual authenticator", chromedp.ActionFunc(func(ctx context.Context) error {
		if err := webauthn.Enable().Do(ctx); err != nil {
			return err
		}
		_, err := webauthn.AddVirtualAuthenticator(&webauthn.VirtualAuthenticatorOptions{
			Protocol: webauthn.AuthenticatorProtocolCtap2, Transport: webauthn.AuthenticatorTransportInternal,
			HasResidentKey: true, HasUserVerification: true, IsUserVerified: true, AutomaticPresenceSimulation: true,
		}).Do(ctx)
		return err
	}))
	e.openTab(t, ctx, "security")
	step(t, ctx, "register a passkey",
		fill("#pk-name", "Test laptop"), fill("#pk-password", password), chromedp.Click("#passkey-add-form button[type=submit]", chromedp.ByQuery),
		waitJS(`!!document.querySelector('#passkey-list') && document.querySelector('#passkey-list').textContent.includes('Test laptop')`),
	)
	step(t, ctx, "sign out and in with the passkey",
		chromedp.Click("#signout", chromedp.ByQuery), chromedp.WaitVisible("#passkey-signin", chromedp.ByQuery),
		chromedp.Click("#passkey-signin", chromedp.ByQuery),
		waitJS(`document.querySelector('#panel[data-ready=general]') !== null`),
	)
	// New backup codes with the passkey as the step-up factor.
	e.openTab(t, ctx, "security")
	var newCodes int
	step(t, ctx, "new backup codes with the passkey",
		fill("#bc-password", password), chromedp.Click("#bc-use-passkey", chromedp.ByQuery),
		waitJS(`document.querySelector('#bc-stepup-status').textContent !== ''`),
		chromedp.Click("#backup-form button[type=submit]", chromedp.ByQuery),
		chromedp.WaitVisible("#backup-codes", chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelectorAll('#backup-codes li').length`, &newCodes),
	)
	if newCodes != 10 {
		t.Errorf("%d backup codes shown after the passkey step-up, want 10", newCodes)
	}
	e.openTab(t, ctx, "general")

	// Spanish: the page follows the profile's language.
	var tabsText []string
	var htmlLang string
	step(t, ctx, "switch to Spanish",
		fill("#general-language", "es"), chromedp.Click("#general-form button[type=submit]", chromedp.ByQuery),
		waitJS(`document.documentElement.lang === 'es' && document.querySelector('#panel[data-ready=general]') !== null`),
		chromedp.Evaluate(`[...document.querySelectorAll('[role=tab]')].map(b => b.textContent)`, &tabsText),
		evalString(`document.documentElement.lang`, &htmlLang),
	)
	if joined := strings.Join(tabsText, ","); !strings.Contains(joined, "Seguridad") || !strings.Contains(joined, "Firma") || htmlLang != "es" {
		t.Errorf("after choosing Spanish the tabs are %q (lang %q)", tabsText, htmlLang)
	}
	e.checkTab(t, ctx, "60-general-es")
	e.openTab(t, ctx, "security")
	e.checkTab(t, ctx, "61-security-es")
	var signOut string
	step(t, ctx, "sign-out in Spanish", chromedp.Text("#signout", &signOut, chromedp.ByQuery))
	if signOut != "Cerrar sesión" {
		t.Errorf("sign-out button %q in Spanish", signOut)
	}
	if t.Failed() {
		return
	}
	if _, err := os.Stat(filepath.Join(e.out, "41-security.png")); errors.Is(err, os.ErrNotExist) {
		t.Error("no screenshot saved")
	}
}
