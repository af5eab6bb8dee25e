package main

import (
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"

	"github.com/example/myprofile/infra/cors"
	"github.com/example/myprofile/shared/catalog"
)

// Context keys (cdk.json "context" or `cdk synth -c key=value`). A field set
// in StackProps wins over the context value, which wins over the default.
// Secrets are never context values: the MFA data key is named here only by
// its Secrets Manager secret, which the functions read at first use.
const (
	CtxStage               = "stage"                 // deployment stage; "dev" relaxes deletion protection
	CtxTableNamePrefix     = "tableNamePrefix"       // table name <prefix>-<stage>; "": CloudFormation names the table
	CtxAssetDir            = "assetDir"              // where build/<name>/bootstrap lives
	CtxAppName             = "appName"               // APP_NAME: product name in emails and the TOTP issuer
	CtxSenderEmail         = "senderEmail"           // SES sender address (SENDER_EMAIL), display name allowed
	CtxSESConfigurationSet = "sesConfigurationSet"   // optional SES configuration set (SES_CONFIGURATION_SET)
	CtxSMSSenderID         = "smsSenderId"           // optional SNS SMS sender ID (SMS_SENDER_ID), where the country allows one
	CtxWebAuthnRPID        = "webauthnRpId"          // WebAuthn relying party ID (WEBAUTHN_RP_ID), e.g. example.com
	CtxWebAuthnOrigins     = "webauthnOrigins"       // comma-separated origins passkeys may be used from (WEBAUTHN_ORIGINS)
	CtxSignupEnabled       = "signupEnabled"         // SIGNUP_ENABLED: false closes POST /v1/auth/signup
	CtxSessionIdleTTL      = "sessionIdleTtl"        // SESSION_IDLE_TTL, a Go duration
	CtxPasswordComposition = "passwordComposition"   // PASSWORD_COMPOSITION: false drops the lower/upper/digit/symbol rule
	CtxLoginMaxFailures    = "loginMaxFailures"      // LOGIN_MAX_FAILURES: failed sign-ins per account in a window
	CtxLoginMaxFailuresIP  = "loginMaxFailuresPerIp" // LOGIN_MAX_FAILURES_PER_IP: failed sign-ins per client IP in a window
	CtxLoginWindow         = "loginWindow"           // LOGIN_WINDOW: that window, a Go duration
	CtxDailySummaryRate    = "dailySummarySendRate"  // DAILY_SUMMARY_SEND_RATE: daily summary emails a second, at most (under the SES send rate)
	CtxSessionAbsoluteTTL  = "sessionAbsoluteTtl"    // SESSION_ABSOLUTE_TTL, a Go duration
	CtxLogRetentionDays    = "logRetentionDays"      // CloudWatch Logs retention of every function and of the API access log
	CtxLogLevel            = "logLevel"              // LOG_LEVEL of every function
	CtxEventBusName        = "eventBusName"          // bus the event rules listen on; "" or "default": the account's default bus (a dedicated bus is recommended)
	CtxEventAccount        = "eventSourceAccount"    // AWS account the consumed platform events must come from; "": the stack's own account
	CtxEventSourcePrefix   = "eventSource."          // eventSource.<function name> overrides the catalog's EventSource of an event function
	CtxSchedulePrefix      = "schedule."             // schedule.<function name> overrides the catalog schedule
	CtxMFADataKeySecret    = "mfaDataKeySecret"      // Secrets Manager name or ARN of the MFA data key; "none": not supplied
	CtxMFADataKeyKMSKey    = "mfaDataKeyKmsKey"      // ARN of the customer managed KMS key that encrypts a named data key secret, if any
	CtxConnectionsSecret   = "connectionsSecret"     // Secrets Manager name or ARN of the connected-account providers' client ids/secrets (CONNECTIONS_SECRET); "": none
	CtxCORSOrigins         = "corsOrigins"           // comma-separated browser origins allowed by the API and the uploads bucket
	CtxThrottleRate        = "throttleRateLimit"     // API default route throttling: steady requests per second
	CtxThrottleBurst       = "throttleBurstLimit"    // API default route throttling: burst
	CtxAlarmTopicArn       = "alarmTopicArn"         // SNS topic the alarms notify; "": the stack creates one
	CtxAlarmEmail          = "alarmEmail"            // optional address subscribed to the created alarm topic
	CtxMetricsNamespace    = "metricsNamespace"      // CloudWatch namespace of the business metrics (METRICS_NAMESPACE)
	CtxQueueConcurrency    = "queueMaxConcurrency"   // most concurrent invocations of each work-queue consumer (QUEUE_MAX_CONCURRENCY)
	CtxFrontDoor           = "frontDoor"             // true: CloudFront + WAF in front of the API, reachable only through it
	CtxFrontDoorWebACL     = "frontDoorWebAclArn"    // an existing CLOUDFRONT web ACL (made in us-east-1) instead of the stack's own
	CtxFrontDoorRateLimit  = "frontDoorRateLimit"    // the web ACL's limit per client IP, requests in 5 minutes
	CtxSMSDailyBudget      = "smsDailyBudget"        // SMS_DAILY_BUDGET: text messages with codes a UTC day, everyone together; alarm at 80 %
	CtxSMSCountries        = "smsCountries"          // SMS_COUNTRIES: optional allow-list of destination countries (ISO 3166-1 alpha-2), e.g. ES,PT
	CtxSSORedirectURL      = "ssoRedirectUrl"        // SSO_REDIRECT_URL: the front end's page identity providers redirect to after single sign-on
	CtxWebPage             = "webPage"               // true: the reference page (web/dist) served from CloudFront (the front door's /web/ when it is on)
	CtxWebPageDir          = "webPageDir"            // the built page the stack deploys (make web), relative to where cdk runs
	CtxInviteTTL           = "inviteTtl"             // INVITE_TTL: how long an organization invitation stays valid, a Go duration
	CtxDomainEventSource   = "domainEventSource"     // EVENT_SOURCE: the source of the domain events the functions publish
)

// Defaults for unset props and context.
const (
	DefaultStage               = "dev"
	DefaultAssetDir            = "build"
	DefaultAppName             = "MyProfile"
	DefaultSenderEmail         = "no-reply@example.com"
	DefaultLogRetentionDays    = 30
	DefaultLogLevel            = "info"
	DefaultSignupEnabled       = true
	DefaultSessionIdleTTL      = "720h"  // 30 days, as shared/config
	DefaultSessionAbsoluteTTL  = "2160h" // 90 days, as shared/config
	DefaultPasswordComposition = true    // as shared/config
	DefaultLoginMaxFailures    = 10      // as shared/config
	DefaultLoginMaxFailuresIP  = 100     // as shared/config
	DefaultLoginWindow         = "15m"   // as shared/config
	DefaultDailySummaryRate    = 14      // as shared/config: the SES production send rate
	DefaultThrottleRate        = 100     // requests per second, steady
	DefaultThrottleBurst       = 200
	DefaultMetricsNamespace    = "MyProfile"
	DefaultQueueConcurrency    = 2    // the least an SQS event source mapping accepts
	DefaultFrontDoorRateLimit  = 1000 // requests per client IP in 5 minutes (WAF accepts 10 to 2,000,000,000)
	DefaultSMSDailyBudget      = 1000 // as shared/config
	DefaultWebPageDir          = "web/dist"
	DefaultMemoryMB            = 256
	DefaultTimeoutSec          = 10
)

// Defaults of the invitation and domain event settings.
const (
	DefaultInviteTTL         = "168h"      // 7 days, as shared/config
	DefaultDomainEventSource = "myprofile" // as shared/config (events.DefaultSource)
)

var retentionDays = map[int]awslogs.RetentionDays{
	1: awslogs.RetentionDays_ONE_DAY, 3: awslogs.RetentionDays_THREE_DAYS,
	5: awslogs.RetentionDays_FIVE_DAYS, 7: awslogs.RetentionDays_ONE_WEEK,
	14: awslogs.RetentionDays_TWO_WEEKS, 30: awslogs.RetentionDays_ONE_MONTH,
	60: awslogs.RetentionDays_TWO_MONTHS, 90: awslogs.RetentionDays_THREE_MONTHS,
	120: awslogs.RetentionDays_FOUR_MONTHS, 150: awslogs.RetentionDays_FIVE_MONTHS,
	180: awslogs.RetentionDays_SIX_MONTHS, 365: awslogs.RetentionDays_ONE_YEAR,
	400: awslogs.RetentionDays_THIRTEEN_MONTHS, 545: awslogs.RetentionDays_EIGHTEEN_MONTHS,
	731: awslogs.RetentionDays_TWO_YEARS, 1096: awslogs.RetentionDays_THREE_YEARS,
	1827: awslogs.RetentionDays_FIVE_YEARS, 2192: awslogs.RetentionDays_SIX_YEARS,
	2557: awslogs.RetentionDays_SEVEN_YEARS, 2922: awslogs.RetentionDays_EIGHT_YEARS,
	3288: awslogs.RetentionDays_NINE_YEARS, 3653: awslogs.RetentionDays_TEN_YEARS,
}

// logRetention maps a day count to the values CloudWatch Logs accepts.
func logRetention(days int) (awslogs.RetentionDays, error) {
	r, ok := retentionDays[days]
	if !ok {
		return "", fmt.Errorf("log retention of %d days: CloudWatch Logs accepts 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653", days)
	}
	return r, nil
}

var stageRE = regexp.MustCompile(`^[a-z][a-z0-9-]{0,19}$`)

func validStage(s string) error {
	if !stageRE.MatchString(s) {
		return fmt.Errorf("stage %q: want lower-case letters, digits and -, starting with a letter, at most 20 characters", s)
	}
	return nil
}

// senderIdentities returns the SES identities a sender address can be
// verified as: the address itself and its domain. SES authorizes SendEmail
// against whichever of the two is verified, so both ARNs are granted.
func senderIdentities(sender string) (address, domain string, err error) {
	a, err := mail.ParseAddress(sender)
	if err != nil {
		return "", "", fmt.Errorf("sender email %q: %w", sender, err)
	}
	_, domain, ok := strings.Cut(a.Address, "@")
	if !ok || domain == "" || strings.ContainsAny(a.Address, "*") {
		return "", "", fmt.Errorf("sender email %q: not an address", sender)
	}
	return a.Address, strings.ToLower(domain), nil
}

var accountRE = regexp.MustCompile(`^[0-9]{12}$`)

// eventSourceRE is what an EventBridge source may be in a PutEvents entry
// the platform sends: not "aws." (reserved for AWS services).
var eventSourceRE = regexp.MustCompile(`^[A-Za-z0-9._/-]{1,256}$`)

func validEventSource(s string) error {
	if !eventSourceRE.MatchString(s) || strings.HasPrefix(s, "aws.") {
		return fmt.Errorf("event source %q: want letters, digits and . _ / -, not starting with \"aws.\"", s)
	}
	return nil
}

var schedRE = regexp.MustCompile(`^(rate|cron)\(.+\)$`)

func validSchedule(s string) error {
	if !schedRE.MatchString(s) {
		return fmt.Errorf("schedule %q: want an EventBridge rate(...) or cron(...) expression", s)
	}
	return nil
}

// contextInt reads an integer context value, which is a number when it
// comes from cdk.json and a string when it comes from -c.
func contextInt(v any) (int, bool, error) {
	switch x := v.(type) {
	case nil:
		return 0, false, nil
	case float64:
		if x != float64(int(x)) {
			return 0, false, fmt.Errorf("%v is not a whole number", x)
		}
		return int(x), true, nil
	case string:
		if x == "" {
			return 0, false, nil
		}
		n, err := strconv.Atoi(x)
		if err != nil {
			return 0, false, fmt.Errorf("%q is not a whole number: %w", x, err)
		}
		return n, true, nil
	default:
		return 0, false, fmt.Errorf("%v (%T) is not a whole number", v, v)
	}
}

// contextString reads a string context value.
func contextString(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", nil
	case string:
		return x, nil
	case bool, float64:
		return fmt.Sprint(x), nil
	default:
		return "", fmt.Errorf("%v (%T) is not a string", v, v)
	}
}

// constructID turns a function name such as "daily-summary" into
// "DailySummary", the stable prefix of its constructs' logical IDs.
func constructID(name string) string {
	var b strings.Builder
	up := true
	for _, c := range name {
		switch {
		case c == '-' || c == '_' || c == '.' || c == ' ':
			up = true
		case up && c >= 'a' && c <= 'z':
			b.WriteRune(c - 'a' + 'A')
			up = false
		default:
			b.WriteRune(c)
			up = false
		}
	}
	return b.String()
}

// contextBool reads a boolean context value: a JSON bool from cdk.json or
// "true"/"false" from -c.
func contextBool(v any) (b, ok bool, err error) {
	switch x := v.(type) {
	case nil:
		return false, false, nil
	case bool:
		return x, true, nil
	case string:
		if x == "" {
			return false, false, nil
		}
		b, err := strconv.ParseBool(x)
		if err != nil {
			return false, false, fmt.Errorf("%q is not true or false", x)
		}
		return b, true, nil
	default:
		return false, false, fmt.Errorf("%v (%T) is not true or false", v, v)
	}
}

// validOrigin accepts a browser origin: https://host[:port], or http only
// for localhost. "*" is refused: a deployment names the origins it serves.
func validOrigin(o string) error {
	u, err := url.Parse(o)
	if err != nil || u.Host == "" || u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return fmt.Errorf("origin %q: want scheme://host[:port] with nothing after it", o)
	}
	if strings.Contains(o, "*") {
		return fmt.Errorf("origin %q: wildcards are not allowed; list the origins", o)
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && (u.Hostname() == "localhost" || u.Hostname() == "127.0.0.1"):
	default:
		return fmt.Errorf("origin %q: want https (http only for localhost)", o)
	}
	return nil
}

// validRedirectURL accepts an absolute https URL without a fragment (http
// only for localhost): where identity providers send the code.
func validRedirectURL(v string) error {
	u, err := url.Parse(v)
	if err != nil || u.Host == "" || u.Fragment != "" || u.User != nil {
		return fmt.Errorf("context %s %q: want an absolute URL such as https://app.example.com/sso/callback", CtxSSORedirectURL, v)
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && (u.Hostname() == "localhost" || u.Hostname() == "127.0.0.1"):
	default:
		return fmt.Errorf("context %s %q: want https (http only for localhost)", CtxSSORedirectURL, v)
	}
	return nil
}

var apkOriginRE = regexp.MustCompile(`^android:apk-key-hash:[A-Za-z0-9_-]{43}$`)

// validWebAuthnOrigin accepts what validOrigin accepts and the origin an
// Android app's passkey assertions carry (android:apk-key-hash:<base64url
// SHA-256 of the signing certificate>).
func validWebAuthnOrigin(o string) error {
	if strings.HasPrefix(o, "android:") {
		if !apkOriginRE.MatchString(o) {
			return fmt.Errorf("origin %q: want android:apk-key-hash:<43 base64url characters>", o)
		}
		return nil
	}
	return validOrigin(o)
}

var rpIDRE = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// validRPID accepts a WebAuthn relying party ID: a bare host name.
func validRPID(id string) error {
	if !rpIDRE.MatchString(id) {
		return fmt.Errorf("webauthn RP ID %q: want a lower-case host name such as example.com", id)
	}
	return nil
}

var senderIDRE = regexp.MustCompile(`^[A-Za-z0-9]{1,11}$`)

// validSenderID accepts an SMS sender ID: 1-11 letters and digits, at
// least one letter (the SNS rule).
func validSenderID(id string) error {
	if !senderIDRE.MatchString(id) || !strings.ContainsAny(strings.ToLower(id), "abcdefghijklmnopqrstuvwxyz") {
		return fmt.Errorf("SMS sender ID %q: want 1 to 11 letters and digits with at least one letter", id)
	}
	return nil
}

var countryRE = regexp.MustCompile(`^[A-Z]{2}$`)

// validCountry accepts an ISO 3166-1 alpha-2 country code.
func validCountry(c string) error {
	if !countryRE.MatchString(c) {
		return fmt.Errorf("country %q: want an ISO 3166-1 alpha-2 code in capitals, such as ES", c)
	}
	return nil
}

var namespaceRE = regexp.MustCompile(`^[A-Za-z0-9._/#:-]{1,255}$`)

func validNamespace(ns string) error {
	if !namespaceRE.MatchString(ns) || strings.HasPrefix(ns, "AWS/") {
		return fmt.Errorf("metrics namespace %q: want letters, digits and . _ / # : -, not starting with AWS/", ns)
	}
	return nil
}

// setting is one row of the settings table: the context key, where the
// value lands in settings (its type chooses the parser: contextString,
// trimmed, contextInt, contextBool or cors.List), the StackProps field that wins over the context
// (nil: context only; a zero field is unset), the default, and the check
// run right after the value is read: it may normalize the value and read
// the rows above it, never those below.
type setting struct {
	key   string
	field func(*settings) any // *string, *int, *bool or *[]string
	prop  func(*MyProfileStackProps) any
	def   any
	check func(*settings) error
}

// settingsTable lists every setting, read and checked in this order (the
// order problems are reported in).
var settingsTable = []setting{
	{key: CtxStage, field: func(s *settings) any { return &s.stage }, prop: func(p *MyProfileStackProps) any { return p.Stage }, def: DefaultStage,
		check: func(s *settings) error { return validStage(s.stage) }},
	{key: CtxAssetDir, field: func(s *settings) any { return &s.assetDir }, prop: func(p *MyProfileStackProps) any { return p.AssetDir }, def: DefaultAssetDir},
	{key: CtxAppName, field: func(s *settings) any { return &s.appName }, def: DefaultAppName},
	{key: CtxSenderEmail, field: func(s *settings) any { return &s.senderEmail }, prop: func(p *MyProfileStackProps) any { return p.SenderEmail }, def: DefaultSenderEmail,
		check: func(s *settings) error {
			// What shared/config defaults to localhost in dev must be real elsewhere.
			if s.deployed() && s.senderEmail == DefaultSenderEmail {
				return fmt.Errorf("stage %s: set context %s to the verified SES identity mail comes from", s.stage, CtxSenderEmail)
			}
			return nil
		}},
	{key: CtxSESConfigurationSet, field: func(s *settings) any { return &s.sesConfigSet }, prop: func(p *MyProfileStackProps) any { return p.SESConfigurationSet }, def: ""},
	{key: CtxSMSSenderID, field: func(s *settings) any { return &s.smsSenderID }, def: "",
		check: func(s *settings) error {
			if s.smsSenderID == "" {
				return nil
			}
			return validSenderID(s.smsSenderID)
		}},
	{key: CtxLogLevel, field: func(s *settings) any { return &s.logLevel }, prop: func(p *MyProfileStackProps) any { return p.LogLevel }, def: DefaultLogLevel,
		check: func(s *settings) error {
			switch s.logLevel {
			case "debug", "info", "warn", "error":
				return nil
			}
			return fmt.Errorf("log level %q: want debug, info, warn or error", s.logLevel)
		}},
	{key: CtxLogRetentionDays, field: func(s *settings) any { return &s.logRetentionDays }, prop: func(p *MyProfileStackProps) any { return p.LogRetentionDays }, def: DefaultLogRetentionDays,
		check: func(s *settings) (err error) {
			s.logRetention, err = logRetention(s.logRetentionDays)
			return err
		}},
	{key: CtxEventBusName, field: func(s *settings) any { return &s.eventBusName }, prop: func(p *MyProfileStackProps) any { return p.EventBusName }, def: "",
		check: func(s *settings) error {
			if s.eventBusName == "default" {
				s.eventBusName = ""
			}
			return nil
		}},
	{key: CtxEventAccount, field: func(s *settings) any { return &s.eventAccount }, def: "",
		check: func(s *settings) error {
			if s.eventAccount != "" && !accountRE.MatchString(s.eventAccount) {
				return fmt.Errorf("context %s %q: want a 12-digit AWS account ID", CtxEventAccount, s.eventAccount)
			}
			return nil
		}},
	{key: CtxWebAuthnRPID, field: func(s *settings) any { return &s.webauthnRPID }, def: "",
		check: func(s *settings) error {
			if s.webauthnRPID == "" {
				return nil
			}
			return validRPID(s.webauthnRPID)
		}},
	{key: CtxWebAuthnOrigins, field: func(s *settings) any { return &s.webauthnOrigins },
		check: func(s *settings) error {
			var errs []error
			if len(s.webauthnOrigins) > 0 && s.webauthnRPID == "" {
				errs = append(errs, fmt.Errorf("context %s needs %s", CtxWebAuthnOrigins, CtxWebAuthnRPID))
			}
			for _, o := range s.webauthnOrigins {
				if err := validWebAuthnOrigin(o); err != nil {
					errs = append(errs, fmt.Errorf("context %s: %w", CtxWebAuthnOrigins, err))
				}
			}
			passkeys := slices.ContainsFunc(s.functions, func(f catalog.Function) bool {
				return slices.ContainsFunc(f.Routes, func(r string) bool { return strings.Contains(r, "/webauthn/") })
			})
			if s.deployed() && passkeys && (s.webauthnRPID == "" || len(s.webauthnOrigins) == 0) {
				errs = append(errs, fmt.Errorf("stage %s: passkeys need context %s and %s", s.stage, CtxWebAuthnRPID, CtxWebAuthnOrigins))
			}
			return errors.Join(errs...)
		}},
	{key: CtxSSORedirectURL, field: func(s *settings) any { return &s.ssoRedirectURL }, def: "",
		check: func(s *settings) error {
			if s.ssoRedirectURL != "" {
				return validRedirectURL(s.ssoRedirectURL)
			}
			sso := slices.ContainsFunc(s.functions, func(f catalog.Function) bool {
				return slices.ContainsFunc(f.Routes, func(r string) bool { return strings.Contains(r, "/auth/sso/") })
			})
			if s.deployed() && sso {
				return fmt.Errorf("stage %s: single sign-on needs context %s (the page that receives the provider's redirect)", s.stage, CtxSSORedirectURL)
			}
			return nil
		}},
	{key: CtxCORSOrigins, field: func(s *settings) any { return &s.corsOrigins },
		check: func(s *settings) error {
			var errs []error
			for _, o := range s.corsOrigins {
				if err := validOrigin(o); err != nil {
					errs = append(errs, fmt.Errorf("context %s: %w", CtxCORSOrigins, err))
				}
			}
			return errors.Join(errs...)
		}},
	{key: CtxInviteTTL, field: func(s *settings) any { return &s.inviteTTL }, def: DefaultInviteTTL,
		check: func(s *settings) error {
			if d, err := time.ParseDuration(s.inviteTTL); err != nil || d < time.Hour || d > 30*24*time.Hour {
				return fmt.Errorf("context %s %q: want a Go duration from 1h to 720h, such as 168h", CtxInviteTTL, s.inviteTTL)
			}
			return nil
		}},
	{key: CtxDomainEventSource, field: func(s *settings) any { return &s.domainEventSource }, def: DefaultDomainEventSource,
		check: func(s *settings) error {
			if err := validEventSource(s.domainEventSource); err != nil {
				return fmt.Errorf("context %s: %w", CtxDomainEventSource, err)
			}
			return nil
		}},
	{key: CtxSessionIdleTTL, field: func(s *settings) any { return &s.sessionIdleTTL }, def: DefaultSessionIdleTTL},
	{key: CtxSessionAbsoluteTTL, field: func(s *settings) any { return &s.sessionAbsoluteTTL }, def: DefaultSessionAbsoluteTTL,
		check: func(s *settings) error {
			idle, err1 := time.ParseDuration(s.sessionIdleTTL)
			abs, err2 := time.ParseDuration(s.sessionAbsoluteTTL)
			switch {
			case err1 != nil || err2 != nil:
				return fmt.Errorf("session lifetimes %q and %q: want Go durations such as 720h", s.sessionIdleTTL, s.sessionAbsoluteTTL)
			case idle <= 0 || abs < idle:
				return fmt.Errorf("session lifetimes: idle %s must be positive and not longer than absolute %s", idle, abs)
			}
			return nil
		}},
	{key: CtxPasswordComposition, field: func(s *settings) any { return &s.passwordComposition }, def: DefaultPasswordComposition},
	{key: CtxSignupEnabled, field: func(s *settings) any { return &s.signupEnabled }, def: DefaultSignupEnabled},
	{key: CtxLoginMaxFailures, field: func(s *settings) any { return &s.loginMaxFailures }, def: DefaultLoginMaxFailures,
		check: func(s *settings) error {
			if s.loginMaxFailures < 1 {
				return fmt.Errorf("context %s: %d, want at least 1", CtxLoginMaxFailures, s.loginMaxFailures)
			}
			return nil
		}},
	{key: CtxLoginMaxFailuresIP, field: func(s *settings) any { return &s.loginMaxFailuresIP }, def: DefaultLoginMaxFailuresIP,
		check: func(s *settings) error {
			if s.loginMaxFailuresIP < 1 {
				return fmt.Errorf("context %s: %d, want at least 1", CtxLoginMaxFailuresIP, s.loginMaxFailuresIP)
			}
			return nil
		}},
	{key: CtxLoginWindow, field: func(s *settings) any { return &s.loginWindow }, def: DefaultLoginWindow,
		check: func(s *settings) error {
			if d, err := time.ParseDuration(s.loginWindow); err != nil || d < time.Minute {
				return fmt.Errorf("context %s %q: want a Go duration of at least 1m, such as 15m", CtxLoginWindow, s.loginWindow)
			}
			return nil
		}},
	{key: CtxTableNamePrefix, field: func(s *settings) any { return &s.tableNamePrefix }, def: "",
		check: func(s *settings) error {
			if s.tableNamePrefix != "" && !tableNamePrefix.MatchString(s.tableNamePrefix) {
				return fmt.Errorf("context %s %q: want 1 to 200 letters, digits, '_', '-' or '.'", CtxTableNamePrefix, s.tableNamePrefix)
			}
			return nil
		}},
	{key: CtxDailySummaryRate, field: func(s *settings) any { return &s.dailySummaryRate }, def: DefaultDailySummaryRate,
		check: func(s *settings) error {
			if s.dailySummaryRate < 1 {
				return fmt.Errorf("context %s: %d, want at least 1 email a second", CtxDailySummaryRate, s.dailySummaryRate)
			}
			return nil
		}},
	{key: CtxMFADataKeySecret, field: func(s *settings) any { return &s.mfaSecret }, prop: func(p *MyProfileStackProps) any { return p.MFADataKeySecret }, def: "",
		check: func(s *settings) error {
			switch s.mfaSecret {
			case "none":
				s.mfaSecret = ""
			case "":
				s.mfaSecret = generatedSecret
			}
			return nil
		}},
	// After the secret: a KMS key only for a secret named by the deployer.
	{key: CtxMFADataKeyKMSKey, field: func(s *settings) any { return &s.mfaKMSKey }, def: "",
		check: func(s *settings) error {
			switch {
			case s.mfaKMSKey == "":
			case s.mfaSecret == "" || s.mfaSecret == generatedSecret: // "none" or unset
				return fmt.Errorf("context %s: only for a secret named by %s (the generated one uses the account's default key)", CtxMFADataKeyKMSKey, CtxMFADataKeySecret)
			case !kmsKeyARN.MatchString(s.mfaKMSKey):
				return fmt.Errorf("context %s %q: want a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>), not an alias", CtxMFADataKeyKMSKey, s.mfaKMSKey)
			}
			return nil
		}},
	{key: CtxConnectionsSecret, field: func(s *settings) any { return &s.connectionsSecret }, def: "",
		check: func(s *settings) error {
			if s.connectionsSecret != "" && strings.HasPrefix(s.connectionsSecret, "arn:") && !strings.Contains(s.connectionsSecret, ":secretsmanager:") {
				return fmt.Errorf("context %s %q: want a secret name or a Secrets Manager secret ARN", CtxConnectionsSecret, s.connectionsSecret)
			}
			return nil
		}},
	{key: CtxThrottleRate, field: func(s *settings) any { return &s.throttleRate }, def: DefaultThrottleRate},
	{key: CtxThrottleBurst, field: func(s *settings) any { return &s.throttleBurst }, def: DefaultThrottleBurst,
		check: func(s *settings) error {
			if s.throttleRate < 1 || s.throttleBurst < 1 {
				return fmt.Errorf("API throttling: rate %d and burst %d must be at least 1", s.throttleRate, s.throttleBurst)
			}
			return nil
		}},
	{key: CtxQueueConcurrency, field: func(s *settings) any { return &s.queueConcurrency }, def: DefaultQueueConcurrency,
		check: func(s *settings) error {
			if s.queueConcurrency < 2 || s.queueConcurrency > 1000 {
				return fmt.Errorf("queue max concurrency %d: SQS event sources accept 2 to 1000", s.queueConcurrency)
			}
			return nil
		}},
	{key: CtxSMSDailyBudget, field: func(s *settings) any { return &s.smsDailyBudget }, def: DefaultSMSDailyBudget,
		check: func(s *settings) error {
			if s.smsDailyBudget < 1 {
				return fmt.Errorf("context %s: %d, want at least 1 text message a day", CtxSMSDailyBudget, s.smsDailyBudget)
			}
			return nil
		}},
	{key: CtxSMSCountries, field: func(s *settings) any { return &s.smsCountries },
		check: func(s *settings) error {
			for _, c := range s.smsCountries {
				if err := validCountry(c); err != nil {
					return fmt.Errorf("context %s: %w", CtxSMSCountries, err)
				}
			}
			return nil
		}},
	{key: CtxFrontDoor, field: func(s *settings) any { return &s.frontDoor }, def: false},
	{key: CtxWebPage, field: func(s *settings) any { return &s.webPage }, def: false},
	{key: CtxWebPageDir, field: func(s *settings) any { return &s.webPageDir }, def: DefaultWebPageDir,
		check: func(s *settings) error {
			if !s.webPage {
				return nil
			}
			return checkWebDir(s.webPageDir)
		}},
	{key: CtxFrontDoorWebACL, field: func(s *settings) any { return &s.frontDoorWebACL }, def: "",
		check: func(s *settings) error {
			switch {
			case s.frontDoorWebACL == "":
			case !s.frontDoor:
				return fmt.Errorf("context %s needs %s true", CtxFrontDoorWebACL, CtxFrontDoor)
			case !webACLARN.MatchString(s.frontDoorWebACL):
				return fmt.Errorf("context %s %q: want the ARN of a CLOUDFRONT web ACL (arn:aws:wafv2:us-east-1:<account>:global/webacl/<name>/<id>)", CtxFrontDoorWebACL, s.frontDoorWebACL)
			}
			return nil
		}},
	{key: CtxFrontDoorRateLimit, field: func(s *settings) any { return &s.frontDoorRateLimit }, def: DefaultFrontDoorRateLimit,
		check: func(s *settings) error {
			if s.frontDoorRateLimit < 10 || s.frontDoorRateLimit > 2000000000 {
				return fmt.Errorf("context %s: %d, WAF accepts 10 to 2000000000 requests per 5 minutes", CtxFrontDoorRateLimit, s.frontDoorRateLimit)
			}
			return nil
		}},
	{key: CtxAlarmTopicArn, field: func(s *settings) any { return &s.alarmTopicArn }, def: "",
		check: func(s *settings) error {
			if s.alarmTopicArn != "" && !(strings.HasPrefix(s.alarmTopicArn, "arn:") && strings.Contains(s.alarmTopicArn, ":sns:")) {
				return fmt.Errorf("alarm topic %q: want an SNS topic ARN", s.alarmTopicArn)
			}
			return nil
		}},
	{key: CtxAlarmEmail, field: func(s *settings) any { return &s.alarmEmail }, def: "",
		check: func(s *settings) error {
			if s.alarmEmail == "" {
				return nil
			}
			if _, err := mail.ParseAddress(s.alarmEmail); err != nil {
				return fmt.Errorf("alarm email %q: %w", s.alarmEmail, err)
			}
			return nil
		}},
	{key: CtxMetricsNamespace, field: func(s *settings) any { return &s.metricsNamespace }, def: DefaultMetricsNamespace,
		check: func(s *settings) error { return validNamespace(s.metricsNamespace) }},
}

// deployed: a stage other than dev and test, where settings that default to
// local stand-ins must be real.
func (s *settings) deployed() bool { return s.stage != "dev" && s.stage != "test" }

// read sets the setting's field from props, else the context, else the
// default. The error is a context value that does not parse.
func (st setting) read(s *settings, props *MyProfileStackProps, ctx func(string) any) error {
	var fromProps any
	if st.prop != nil {
		fromProps = st.prop(props)
	}
	raw := ctx(st.key)
	var err error
	switch f := st.field(s).(type) {
	case *string:
		if p, _ := fromProps.(string); p != "" {
			*f = p
			return nil
		}
		var v string
		v, err = contextString(raw)
		if v = strings.TrimSpace(v); v == "" {
			v = st.def.(string)
		}
		*f = v
	case *int:
		if p, _ := fromProps.(int); p != 0 {
			*f = p
			return nil
		}
		n, ok, perr := contextInt(raw)
		if err = perr; !ok {
			n = st.def.(int)
		}
		*f = n
	case *bool:
		b, ok, perr := contextBool(raw)
		if err = perr; !ok || err != nil {
			b = st.def.(bool)
		}
		*f = b
	case *[]string:
		*f, err = cors.List(raw)
	default:
		return fmt.Errorf("setting %s: field of type %T", st.key, f) // a mistake in settingsTable
	}
	if err != nil {
		return fmt.Errorf("context %s: %w", st.key, err)
	}
	return nil
}
