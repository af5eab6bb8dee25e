package phone

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/config"
	"github.com/example/myprofile/shared/ratelimit"
)

// Refusals of a destination for a text message carrying a code.
var (
	// ErrNotMobile: the number is not a mobile one (landline, premium
	// rate, satellite, VoIP, pager, ...): a code sent there is at best lost
	// and at worst paid to whoever runs the number (SMS toll fraud).
	ErrNotMobile = errors.New("phone: not a mobile number")
	// ErrCountryNotServed: the number's country is not in the allow-list.
	ErrCountryNotServed = errors.New("phone: country not served")
	// ErrTypeUnknown: the phone was verified before its type and country
	// were stored with it, and no parser runs where codes are sent: it
	// must be verified again (the phone change stores them). Refused
	// rather than trusted, because numbers verified then were never
	// checked against toll fraud.
	ErrTypeUnknown = errors.New("phone: type of the verified phone not known")
)

// CheckSMS reports whether codes may be texted to n, a number as stored
// with a verified phone (Stored) or as libphone parsed it: its type must
// be mobile or fixed-line-or-mobile (countries such as the US do not tell
// landlines from mobiles), its region a country (not a non-geographic code
// such as satellite +881) and, when countries (ISO 3166-1 alpha-2) is not
// empty, one of them. ErrInvalid, ErrTypeUnknown (a phone verified before
// its type was stored with it), ErrNotMobile or ErrCountryNotServed
// otherwise. It reads only the stored values: no parser.
func CheckSMS(n Number, countries []string) error {
	if !strings.HasPrefix(n.E164, "+") {
		return ErrInvalid
	}
	switch n.Type {
	case TypeMobile, TypeFixedLineOrMobile:
	case "":
		return ErrTypeUnknown
	default:
		return ErrNotMobile
	}
	if n.Region == "" {
		return ErrTypeUnknown
	}
	if n.Region == NonGeographic {
		// Non-geographic codes: satellite (+881, +8816 is typed mobile),
		// international networks and services, the usual toll-fraud ranges.
		return ErrNotMobile
	}
	if len(countries) > 0 && !slices.ContainsFunc(countries, func(c string) bool {
		return strings.EqualFold(strings.TrimSpace(c), n.Region)
	}) {
		return ErrCountryNotServed
	}
	return nil
}

// SMSGuard is the one gate every text message carrying a code goes
// through (sign-in codes, phone change), against SMS toll fraud: the
// destination must pass CheckSMS, then one message is taken from each
// limit. Limits whose Max is below 1 are off.
type SMSGuard struct {
	// Countries is the optional allow-list of destination countries
	// (SMS_COUNTRIES); empty allows every country.
	Countries []string
	// PerIP: messages per client IP (key "sms-ip#<ip>"; 10 an hour).
	PerIP ratelimit.Limiter
	// PerAccountHour and PerAccountDay: messages per account
	// (SMS_PER_ACCOUNT_HOUR, 5; SMS_PER_ACCOUNT_DAY, 10).
	PerAccountHour ratelimit.Limiter
	PerAccountDay  ratelimit.Limiter
	// PerNumberDay: messages per destination number across accounts
	// (SMS_PER_NUMBER_DAY, 5 a day).
	PerNumberDay ratelimit.Limiter
	// Budget: messages with codes in a UTC day, everyone together
	// (SMS_DAILY_BUDGET, 1000); the stack alarms at 80 %.
	Budget ratelimit.Limiter
}

// NewSMSGuard builds the guard the configuration c describes (SMS_*),
// counting in st with the clock now.
func NewSMSGuard(st ratelimit.Store, now func() time.Time, c config.Config) SMSGuard {
	l := func(w time.Duration, max int) ratelimit.Limiter {
		return ratelimit.Limiter{Store: st, Now: now, Window: w, Max: max}
	}
	day := 24 * time.Hour
	return SMSGuard{
		Countries:      c.SMSCountries,
		PerIP:          l(time.Hour, 10),
		PerAccountHour: l(time.Hour, c.SMSPerAccountHour),
		PerAccountDay:  l(day, c.SMSPerAccountDay),
		PerNumberDay:   l(day, c.SMSPerNumberDay),
		Budget:         l(day, c.SMSDailyBudget),
	}
}

// Take admits one text message with a code from user userID on client ip
// to n (a stored or parsed number, see CheckSMS). The error is one of CheckSMS's, a *ratelimit.Limited (errors.As;
// nothing was counted then) or an internal one. release gives the message
// back when it could not be sent after all.
func (g SMSGuard) Take(ctx context.Context, userID, ip string, n Number) (release func(context.Context), err error) {
	if err := CheckSMS(n, g.Countries); err != nil {
		return func(context.Context) {}, err
	}
	// Keys differ per window: an hour's and a day's counters of one key
	// would share the item of the window starting at midnight.
	release, err = ratelimit.TakeAll(ctx,
		ratelimit.Quota{Name: "sms per client IP", Limiter: g.PerIP, Key: "sms-ip#" + ip},
		ratelimit.Quota{Name: "sms per account (hour)", Limiter: g.PerAccountHour, Key: "sms-user-h#" + userID},
		ratelimit.Quota{Name: "sms per account (day)", Limiter: g.PerAccountDay, Key: "sms-user-d#" + userID},
		ratelimit.Quota{Name: "sms per number (day)", Limiter: g.PerNumberDay, Key: "sms-to-d#" + n.E164},
		ratelimit.Quota{Name: "sms daily budget", Limiter: g.Budget, Key: "sms-budget-d"},
	)
	if err != nil {
		return release, fmt.Errorf("sms guard: %w", err)
	}
	return release, nil
}

// SMSProblem is the public answer to a refusal of SMSGuard.Take, naming
// field for a destination refused: 400 validation_failed for ErrInvalid,
// ErrNotMobile or ErrCountryNotServed, 429 rate_limited with Retry-After
// for a limit, else 500. The refusal stays its cause (errors.Is). Services
// wrap it with their own sentinel.
func SMSProblem(err error, field string) *account.Error {
	var l *ratelimit.Limited
	switch {
	case errors.Is(err, ErrInvalid), errors.Is(err, ErrNotMobile):
		e := account.Invalid(field, "must be a mobile number: codes are not sent to landlines, premium-rate, satellite or other special numbers")
		e.Cause = err
		return e
	case errors.Is(err, ErrTypeUnknown):
		e := account.Invalid(field, "was verified before numbers were checked for text messages: verify it again (POST /v1/me/phone-change with the same number) to receive codes by text; until then sign in with another second factor or a backup code")
		e.Cause = err
		return e
	case errors.Is(err, ErrCountryNotServed):
		e := account.Invalid(field, "must be a number of a country we send text messages to")
		e.Cause = err
		return e
	case errors.As(err, &l):
		return &account.Error{Code: account.CodeRateLimited, Detail: "Too many text messages; try again later.", RetryAfter: l.RetryAfter, Cause: err}
	default:
		return account.Internal(err)
	}
}
