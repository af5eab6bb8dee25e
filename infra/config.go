package main

import (
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
)

// Context keys (cdk.json "context" or `cdk synth -c key=value`). A field set
// in StackProps wins over the context value, which wins over the default.
// Secrets are never context values: the MFA data key is named here only by
// its Secrets Manager secret, which the functions read at first use.
const (
	CtxStage               = "stage"                // deployment stage; "dev" relaxes deletion protection
	CtxTableNamePrefix     = "tableNamePrefix"      // table name <prefix>-<stage>; "": CloudFormation names the table
	CtxAssetDir            = "assetDir"             // where build/<name>/bootstrap lives
	CtxAppName             = "appName"              // APP_NAME: product name in emails and the TOTP issuer
	CtxSenderEmail         = "senderEmail"          // SES sender address (SENDER_EMAIL), display name allowed
	CtxSESConfigurationSet = "sesConfigurationSet"  // optional SES configuration set (SES_CONFIGURATION_SET)
	CtxSMSSenderID         = "smsSenderId"          // optional SNS SMS sender ID (SMS_SENDER_ID), where the country allows one
	CtxWebAuthnRPID        = "webauthnRpId"         // WebAuthn relying party ID (WEBAUTHN_RP_ID), e.g. example.com
	CtxWebAuthnOrigins     = "webauthnOrigins"      // comma-separated origins passkeys may be used from (WEBAUTHN_ORIGINS)
	CtxSignupEnabled       = "signupEnabled"        // SIGNUP_ENABLED: false closes POST /v1/auth/signup
	CtxSessionIdleTTL      = "sessionIdleTtl"       // SESSION_IDLE_TTL, a Go duration
	CtxPasswordComposition = "passwordComposition"  // PASSWORD_COMPOSITION: false drops the lower/upper/digit/symbol rule
	CtxLoginMaxFailures    = "loginMaxFailures"     // LOGIN_MAX_FAILURES: failed sign-ins per account and per IP in a window
	CtxLoginWindow         = "loginWindow"          // LOGIN_WINDOW: that window, a Go duration
	CtxDailySummaryRate    = "dailySummarySendRate" // DAILY_SUMMARY_SEND_RATE: daily summary emails a second, at most (under the SES send rate)
	CtxSessionAbsoluteTTL  = "sessionAbsoluteTtl"   // SESSION_ABSOLUTE_TTL, a Go duration
	CtxLogRetentionDays    = "logRetentionDays"     // CloudWatch Logs retention of every function and of the API access log
	CtxLogLevel            = "logLevel"             // LOG_LEVEL of every function
	CtxEventBusName        = "eventBusName"         // bus the event rules listen on; "" or "default": the account's default bus
	CtxSchedulePrefix      = "schedule."            // schedule.<function name> overrides the catalog schedule
	CtxMFADataKeySecret    = "mfaDataKeySecret"     // Secrets Manager name or ARN of the MFA data key; "none": not supplied
	CtxMFADataKeyKMSKey    = "mfaDataKeyKmsKey"     // ARN of the customer managed KMS key that encrypts a named data key secret, if any
	CtxCORSOrigins         = "corsOrigins"          // comma-separated browser origins allowed by the API and the uploads bucket
	CtxThrottleRate        = "throttleRateLimit"    // API default route throttling: steady requests per second
	CtxThrottleBurst       = "throttleBurstLimit"   // API default route throttling: burst
	CtxAlarmTopicArn       = "alarmTopicArn"        // SNS topic the alarms notify; "": the stack creates one
	CtxAlarmEmail          = "alarmEmail"           // optional address subscribed to the created alarm topic
	CtxMetricsNamespace    = "metricsNamespace"     // CloudWatch namespace of the business metrics (METRICS_NAMESPACE)
	CtxQueueConcurrency    = "queueMaxConcurrency"  // most concurrent invocations of each work-queue consumer (QUEUE_MAX_CONCURRENCY)
	CtxSMSDailyBudget      = "smsDailyBudget"       // SMS_DAILY_BUDGET: text messages with codes a UTC day, everyone together; alarm at 80 %
	CtxSMSCountries        = "smsCountries"         // SMS_COUNTRIES: optional allow-list of destination countries (ISO 3166-1 alpha-2), e.g. ES,PT
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
	DefaultLoginWindow         = "15m"   // as shared/config
	DefaultDailySummaryRate    = 14      // as shared/config: the SES production send rate
	DefaultThrottleRate        = 100     // requests per second, steady
	DefaultThrottleBurst       = 200
	DefaultMetricsNamespace    = "MyProfile"
	DefaultQueueConcurrency    = 2    // the least an SQS event source mapping accepts
	DefaultSMSDailyBudget      = 1000 // as shared/config
	DefaultMemoryMB            = 256
	DefaultTimeoutSec          = 10
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

// contextList reads a list context value: a JSON array from cdk.json or a
// comma-separated string from -c. Empty entries are dropped.
func contextList(v any) ([]string, error) {
	var raw []string
	switch x := v.(type) {
	case nil:
	case string:
		raw = strings.Split(x, ",")
	case []any:
		for _, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("%v (%T) is not a string", e, e)
			}
			raw = append(raw, s)
		}
	default:
		return nil, fmt.Errorf("%v (%T) is not a list or a comma-separated string", v, v)
	}
	var out []string
	for _, s := range raw {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out, nil
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
