// Package config reads the functions' configuration from the environment.
// Loading it makes no network call; a bad value fails fast with a message
// naming the variable.
package config

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Config is every setting a function may need. Secrets are not here: they
// are fetched from their store by the code that needs them.
type Config struct {
	Stage     string // STAGE: dev, prod, ...
	TableName string // TABLE_NAME
	// Email
	SenderEmail         string // SENDER_EMAIL: the verified SES identity mail comes from
	SESConfigurationSet string // SES_CONFIGURATION_SET (optional)
	// SMS
	SMSSenderID string // SMS_SENDER_ID (optional, where the country allows one)
	// Text messages carrying a code (sign-in, phone change), against SMS
	// toll fraud: per account, per destination number across accounts and
	// in total per UTC day (every function together); only to the
	// countries of SMSCountries when it is not empty (ISO 3166-1 alpha-2).
	SMSPerAccountHour int      // SMS_PER_ACCOUNT_HOUR (default 5)
	SMSPerAccountDay  int      // SMS_PER_ACCOUNT_DAY (default 10)
	SMSPerNumberDay   int      // SMS_PER_NUMBER_DAY (default 5)
	SMSDailyBudget    int      // SMS_DAILY_BUDGET (default 1000)
	SMSCountries      []string // SMS_COUNTRIES (comma-separated; default: every country)
	// Code mails to one new address for email changes, across accounts,
	// against mail bombing.
	EmailChangePerRecipientHour int // EMAIL_CHANGE_PER_RECIPIENT_HOUR (default 3)
	EmailChangePerRecipientDay  int // EMAIL_CHANGE_PER_RECIPIENT_DAY (default 10)
	// Product
	AppName       string // APP_NAME: shown in emails and as the TOTP issuer
	SignupEnabled bool   // SIGNUP_ENABLED (default true)
	// Sessions
	SessionIdleTTL     time.Duration // SESSION_IDLE_TTL (default 720h = 30 days)
	SessionAbsoluteTTL time.Duration // SESSION_ABSOLUTE_TTL (default 2160h = 90 days)
	// Password policy
	PasswordComposition bool // PASSWORD_COMPOSITION (default true): lower, upper, digit and symbol
	// PasswordBreachURL turns the breached-password check on: a Pwned
	// Passwords range endpoint the 5-character SHA-1 prefix is appended to
	// (e.g. https://api.pwnedpasswords.com/range/). Empty: off.
	PasswordBreachURL string // PASSWORD_BREACH_RANGE_URL (default empty)
	// Sign-in throttling: failures allowed per account and per client IP in
	// the window (the per-IP budget is larger: an office behind one NAT
	// address shares it).
	LoginMaxFailures      int           // LOGIN_MAX_FAILURES (default 10)
	LoginMaxFailuresPerIP int           // LOGIN_MAX_FAILURES_PER_IP (default 100)
	LoginWindow           time.Duration // LOGIN_WINDOW (default 15m)
	LogLevel              string        // LOG_LEVEL: debug, info, warn, error
	// LogFormat is json (the default: Lambda, CloudWatch Logs Insights) or
	// text (human-readable lines; `make run` sets it). LOG_FORMAT
	LogFormat string
	// MetricsOutput is stdout (the default: Embedded Metric Format lines in
	// the function's log) or off (`make run` sets it unless asked).
	// METRICS_OUTPUT
	MetricsOutput string
	// PublicRouteIPLimit is how many requests one client IP may send to each
	// unauthenticated route (sign-up, sign-in, its second step, accepting an
	// invitation, ...) in an hour, on top of each route's own limits.
	PublicRouteIPLimit int // PUBLIC_ROUTE_IP_LIMIT (default 300)
	// OriginVerify, when set, is the value of the X-Origin-Verify header the
	// front door (CloudFront) adds to every request it forwards: a request
	// without it, or with another value, is refused with 403 (the API is
	// reachable only through the front door and its web ACL), and the
	// client IP is taken from CloudFront-Viewer-Address. ORIGIN_VERIFY_SECRET
	// (the stack sets it when the frontDoor context value is true).
	OriginVerify string
	// Events: the EventBridge bus domain events go to (EVENT_BUS_NAME; the
	// stack sets it, "default" for the account's default bus, on the
	// functions the catalog lets publish; unset: nothing is published) and
	// their source (EVENT_SOURCE, default myprofile).
	EventBusName string
	EventSource  string
	// InviteTTL is how long an organization invitation stays valid.
	InviteTTL time.Duration // INVITE_TTL (default 168h = 7 days)
	// MetricsNamespace is the CloudWatch namespace of the business metrics
	// (shared/metrics, Embedded Metric Format in the logs).
	MetricsNamespace string // METRICS_NAMESPACE (default MyProfile)
	// ProblemDocsURL is the base of problem `type` URIs (a page per code
	// is ProblemDocsURL + code). Empty: the API's own /problems/ (the local
	// gateway serves those pages). PROBLEM_DOCS_URL
	ProblemDocsURL string
	// Avatars: UPLOADS_BUCKET is the bucket uploads and avatar renditions go
	// to (required by the profile and avatar functions only);
	// AVATAR_BASE_URL is where its objects are served from (a CDN; default
	// the bucket's own URL).
	UploadsBucket string
	AvatarBaseURL string
	// Daily summary: emails per second at most (the SES account's send rate).
	DailySummarySendRate float64 // DAILY_SUMMARY_SEND_RATE (default 14)
	// DigestQueueURL turns the daily summary's fan-out on: the run enqueues
	// claimed days there and daily-summary-worker sends them. Empty: the
	// run sends inline. DIGEST_QUEUE_URL, else QUEUE_URL (what the stack
	// sets on a function that names a queue in Needs.Queue).
	DigestQueueURL string
	// DailySummaryWorkerConcurrency is the worker's maximum concurrency
	// (its SQS event source mapping's); each invocation sends at
	// DailySummarySendRate divided by it. QUEUE_MAX_CONCURRENCY (set by the
	// stack from the same value; default 2, SQS's minimum).
	DailySummaryWorkerConcurrency int
	// MFADataKey is the 32-byte AES-256-GCM key that encrypts TOTP secrets
	// at rest (MFA_DATA_KEY, standard base64). In AWS the stack names a
	// secret instead (MFADataKeySecret). Only when
	// STAGE is dev or test and the variable is unset, a fixed development
	// key is derived; in any other stage it stays nil and the functions that
	// need it refuse to start.
	MFADataKey []byte
	// MFADataKeySecret is the Secrets Manager secret (ARN or name) that
	// holds the data key instead (MFA_DATA_KEY_SECRET; the stack sets it).
	// The functions read it at first use, not at start, and keep it for
	// the execution environment's life, so the key is in no function's
	// configuration. Set this or MFA_DATA_KEY, not both.
	MFADataKeySecret string
	// Passkeys (WebAuthn) relying party: WEBAUTHN_RP_ID (the site's domain)
	// and WEBAUTHN_ORIGINS (comma-separated origins of the web and mobile
	// apps). In dev and test they default to localhost; elsewhere they are
	// required by the functions that serve passkeys (twofactor, auth).
	WebAuthnRPID    string
	WebAuthnOrigins []string
	// DNSResolver is the DNS server (host:port) asked for the TXT records
	// that prove an organization's email domain (DNS_RESOLVER; default
	// empty: the system resolver).
	DNSResolver string
	// SSORedirectURL is the front end's page the identity provider sends
	// users back to after single sign-on; register it at the provider
	// (SSO_REDIRECT_URL, default http://localhost:3000/sso/callback).
	SSORedirectURL string
}

// Load reads the configuration through getenv (os.Getenv in production,
// a map in tests).
func Load(getenv func(string) string) (Config, error) {
	r := reader{getenv: getenv}
	c := Config{
		Stage:                 r.str("STAGE", "dev"),
		TableName:             r.str("TABLE_NAME", ""),
		SenderEmail:           r.str("SENDER_EMAIL", "no-reply@example.com"),
		SESConfigurationSet:   r.str("SES_CONFIGURATION_SET", ""),
		SMSSenderID:           r.str("SMS_SENDER_ID", ""),
		AppName:               r.str("APP_NAME", "MyProfile"),
		SignupEnabled:         r.bool("SIGNUP_ENABLED", true),
		SessionIdleTTL:        r.duration("SESSION_IDLE_TTL", 30*24*time.Hour),
		SessionAbsoluteTTL:    r.duration("SESSION_ABSOLUTE_TTL", 90*24*time.Hour),
		PasswordComposition:   r.bool("PASSWORD_COMPOSITION", true),
		PasswordBreachURL:     r.str("PASSWORD_BREACH_RANGE_URL", ""),
		LoginMaxFailures:      r.int("LOGIN_MAX_FAILURES", 10),
		LoginMaxFailuresPerIP: r.int("LOGIN_MAX_FAILURES_PER_IP", 100),
		LoginWindow:           r.duration("LOGIN_WINDOW", 15*time.Minute),
		LogLevel:              r.str("LOG_LEVEL", "info"),
		LogFormat:             r.str("LOG_FORMAT", "json"),
		MetricsOutput:         r.str("METRICS_OUTPUT", "stdout"),
		PublicRouteIPLimit:    r.int("PUBLIC_ROUTE_IP_LIMIT", 300),
		OriginVerify:          r.str("ORIGIN_VERIFY_SECRET", ""),
		InviteTTL:             r.duration("INVITE_TTL", 7*24*time.Hour),
		EventBusName:          r.str("EVENT_BUS_NAME", ""),
		EventSource:           r.str("EVENT_SOURCE", "myprofile"),
		MetricsNamespace:      r.str("METRICS_NAMESPACE", "MyProfile"),
		ProblemDocsURL:        r.str("PROBLEM_DOCS_URL", ""),
		UploadsBucket:         r.str("UPLOADS_BUCKET", ""),
		AvatarBaseURL:         strings.TrimRight(r.str("AVATAR_BASE_URL", ""), "/"),
		DailySummarySendRate:  r.float("DAILY_SUMMARY_SEND_RATE", 14),

		SMSPerAccountHour:           r.positive("SMS_PER_ACCOUNT_HOUR", 5),
		SMSPerAccountDay:            r.positive("SMS_PER_ACCOUNT_DAY", 10),
		SMSPerNumberDay:             r.positive("SMS_PER_NUMBER_DAY", 5),
		SMSDailyBudget:              r.positive("SMS_DAILY_BUDGET", 1000),
		EmailChangePerRecipientHour: r.positive("EMAIL_CHANGE_PER_RECIPIENT_HOUR", 3),
		EmailChangePerRecipientDay:  r.positive("EMAIL_CHANGE_PER_RECIPIENT_DAY", 10),

		DNSResolver:    r.str("DNS_RESOLVER", ""),
		SSORedirectURL: r.str("SSO_REDIRECT_URL", "http://localhost:3000/sso/callback"),
	}
	for _, cc := range strings.Split(r.str("SMS_COUNTRIES", ""), ",") {
		if cc = strings.ToUpper(strings.TrimSpace(cc)); cc == "" {
			continue
		}
		if len(cc) != 2 || strings.Trim(cc, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
			r.errs = append(r.errs, fmt.Sprintf("SMS_COUNTRIES must list ISO 3166-1 alpha-2 codes such as ES,PT, got %q", cc))
			continue
		}
		c.SMSCountries = append(c.SMSCountries, cc)
	}
	c.DigestQueueURL = r.str("DIGEST_QUEUE_URL", r.str("QUEUE_URL", ""))
	c.DailySummaryWorkerConcurrency = r.int("QUEUE_MAX_CONCURRENCY", 2)
	if c.DailySummaryWorkerConcurrency < 1 {
		r.errs = append(r.errs, "QUEUE_MAX_CONCURRENCY must be at least 1")
	}
	c.MFADataKeySecret = r.str("MFA_DATA_KEY_SECRET", "")
	switch {
	case c.MFADataKeySecret == "":
		c.MFADataKey = r.dataKey("MFA_DATA_KEY", c.Stage)
	case strings.TrimSpace(r.getenv("MFA_DATA_KEY")) != "":
		r.errs = append(r.errs, "set MFA_DATA_KEY or MFA_DATA_KEY_SECRET, not both")
	}
	c.WebAuthnRPID = r.str("WEBAUTHN_RP_ID", "")
	for _, o := range strings.Split(r.str("WEBAUTHN_ORIGINS", ""), ",") {
		if o = strings.TrimSpace(o); o != "" {
			c.WebAuthnOrigins = append(c.WebAuthnOrigins, o)
		}
	}
	if c.Stage == "dev" || c.Stage == "test" {
		if c.WebAuthnRPID == "" {
			c.WebAuthnRPID = "localhost"
		}
		if len(c.WebAuthnOrigins) == 0 {
			c.WebAuthnOrigins = []string{"http://localhost:8080"}
		}
	}
	if c.TableName == "" {
		r.errs = append(r.errs, "TABLE_NAME is required")
	}
	if c.SessionIdleTTL <= 0 || c.SessionAbsoluteTTL < c.SessionIdleTTL {
		r.errs = append(r.errs, "SESSION_IDLE_TTL must be positive and not longer than SESSION_ABSOLUTE_TTL")
	}
	if c.LoginMaxFailures < 1 {
		r.errs = append(r.errs, "LOGIN_MAX_FAILURES must be at least 1")
	}
	if c.PublicRouteIPLimit < 1 {
		r.errs = append(r.errs, "PUBLIC_ROUTE_IP_LIMIT must be at least 1")
	}
	if c.OriginVerify != "" && len(c.OriginVerify) < 32 {
		r.errs = append(r.errs, "ORIGIN_VERIFY_SECRET must be at least 32 characters (the value is never shown)")
	}
	if c.LoginMaxFailuresPerIP < 1 {
		r.errs = append(r.errs, "LOGIN_MAX_FAILURES_PER_IP must be at least 1")
	}
	if len(r.errs) > 0 {
		return Config{}, fmt.Errorf("configuration: %s", strings.Join(r.errs, "; "))
	}
	return c, nil
}

type reader struct {
	getenv func(string) string
	errs   []string
}

func (r *reader) str(key, def string) string {
	if v := strings.TrimSpace(r.getenv(key)); v != "" {
		return v
	}
	return def
}

// dataKey reads a base64 32-byte key. Unset: a derived development key in
// the dev and test stages only, nil elsewhere.
// minPassphrase is the shortest MFA_DATA_KEY accepted that is not base64 of
// 32 bytes: 48 random letters and digits carry about 285 bits.
const minPassphrase = 48

func (r *reader) dataKey(key, stage string) []byte {
	v := strings.TrimSpace(r.getenv(key))
	// Inside Lambda a key must always be supplied: a deployed dev stage must
	// not run on the development key, which anyone can compute from this file.
	inLambda := r.getenv("AWS_LAMBDA_FUNCTION_NAME") != ""
	if v == "" {
		if (stage == "dev" || stage == "test") && !inLambda {
			sum := sha256.Sum256([]byte("myprofile development data key, never used in " + "production: " + key + "/" + stage))
			return sum[:]
		}
		return nil
	}
	b, err := ParseDataKey(v)
	if err != nil {
		r.errs = append(r.errs, key+" "+err.Error())
		return nil
	}
	return b
}

// ParseDataKey reads a data key: standard base64 of 32 random bytes, or a
// random passphrase of at least 48 characters (the stack's generated
// secret: 64 letters and digits), stretched to 32 bytes by SHA-256. Its
// errors never quote the value.
func ParseDataKey(v string) ([]byte, error) {
	v = strings.TrimSpace(v)
	b, err := base64.StdEncoding.DecodeString(v)
	if (err != nil || len(b) != 32) && len(v) >= minPassphrase {
		sum := sha256.Sum256([]byte(v))
		return sum[:], nil
	}
	if err != nil {
		return nil, fmt.Errorf("must be standard base64 of 32 random bytes (e.g. `openssl rand -base64 32`) or a random passphrase of at least %d characters", minPassphrase)
	}
	if len(b) != 32 {
		return nil, fmt.Errorf("must decode to 32 bytes for AES-256, got %d", len(b))
	}
	return b, nil
}

func (r *reader) bool(key string, def bool) bool {
	v := strings.TrimSpace(r.getenv(key))
	if v == "" {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		r.errs = append(r.errs, fmt.Sprintf("%s must be true or false, got %q", key, v))
	}
	return b
}

func (r *reader) int(key string, def int) int {
	v := strings.TrimSpace(r.getenv(key))
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		r.errs = append(r.errs, fmt.Sprintf("%s must be an integer, got %q", key, v))
	}
	return n
}

// positive reads an integer of at least 1.
func (r *reader) positive(key string, def int) int {
	n := r.int(key, def)
	if n < 1 {
		r.errs = append(r.errs, fmt.Sprintf("%s must be at least 1, got %d", key, n))
	}
	return n
}

func (r *reader) duration(key string, def time.Duration) time.Duration {
	v := strings.TrimSpace(r.getenv(key))
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		r.errs = append(r.errs, fmt.Sprintf("%s must be a duration like 720h, got %q", key, v))
	}
	return d
}

func (r *reader) float(key string, def float64) float64 {
	v := strings.TrimSpace(r.getenv(key))
	if v == "" {
		return def
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 0 {
		r.errs = append(r.errs, fmt.Sprintf("%s must be a number of at least 0, got %q", key, v))
	}
	return f
}
