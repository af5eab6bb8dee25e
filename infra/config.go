package main

import (
	"fmt"
	"net/mail"
	"regexp"
	"strconv"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
)

// Context keys (cdk.json "context" or `cdk synth -c key=value`). A field set
// in StackProps wins over the context value, which wins over the default.
const (
	CtxStage               = "stage"               // deployment stage; "dev" relaxes deletion protection
	CtxAssetDir            = "assetDir"            // where build/<name>/bootstrap lives
	CtxSenderEmail         = "senderEmail"         // SES sender address
	CtxSESConfigurationSet = "sesConfigurationSet" // optional SES configuration set
	CtxLogRetentionDays    = "logRetentionDays"    // CloudWatch Logs retention of every function
	CtxLogLevel            = "logLevel"            // LOG_LEVEL of every function
	CtxEventBusName        = "eventBusName"        // bus the event rules listen on; "" or "default": the account's default bus
	CtxSchedulePrefix      = "schedule."           // schedule.<function name> overrides the catalog schedule
	CtxMFADataKeySecret    = "mfaDataKeySecret"    // Secrets Manager name or ARN of MFA_DATA_KEY; "none": not supplied
)

// Defaults for unset props and context.
const (
	DefaultStage            = "dev"
	DefaultAssetDir         = "build"
	DefaultSenderEmail      = "no-reply@example.com"
	DefaultLogRetentionDays = 30
	DefaultLogLevel         = "info"
	DefaultMemoryMB         = 256
	DefaultTimeoutSec       = 10
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
