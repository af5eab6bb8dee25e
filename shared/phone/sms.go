package phone

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nyaruka/phonenumbers"

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
)

// CheckSMS reports whether codes may be texted to e164: it must be a valid
// number whose type is mobile or fixed-line-or-mobile (the type
// libphonenumber gives; countries such as the US do not tell landlines from
// mobiles) in a country (not a non-geographic code such as satellite
// +881) and, when countries (ISO 3166-1 alpha-2) is not empty, of one of
// them. ErrInvalid, ErrNotMobile or ErrCountryNotServed otherwise.
func CheckSMS(e164 string, countries []string) error {
	if !strings.HasPrefix(e164, "+") {
		return ErrInvalid
	}
	n, err := phonenumbers.Parse(e164, "ZZ")
	if err != nil || !phonenumbers.IsValidNumber(n) {
		return ErrInvalid
	}
	switch phonenumbers.GetNumberType(n) {
	case phonenumbers.MOBILE, phonenumbers.FIXED_LINE_OR_MOBILE:
	default:
		return ErrNotMobile
	}
	region := phonenumbers.GetRegionCodeForNumber(n)
	if region == "001" {
		// Non-geographic codes: satellite (+881, +8816 is typed mobile),
		// international networks and services, the usual toll-fraud ranges.
		return ErrNotMobile
	}
	if len(countries) > 0 && !slices.ContainsFunc(countries, func(c string) bool {
		return strings.EqualFold(strings.TrimSpace(c), region)
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
// to e164. The error is one of CheckSMS's, a *ratelimit.Limited (errors.As;
// nothing was counted then) or an internal one. release gives the message
// back when it could not be sent after all.
func (g SMSGuard) Take(ctx context.Context, userID, ip, e164 string) (release func(context.Context), err error) {
	if err := CheckSMS(e164, g.Countries); err != nil {
		return func(context.Context) {}, err
	}
	// Keys differ per window: an hour's and a day's counters of one key
	// would share the item of the window starting at midnight.
	release, err = ratelimit.TakeAll(ctx,
		ratelimit.Quota{Name: "sms per client IP", Limiter: g.PerIP, Key: "sms-ip#" + ip},
		ratelimit.Quota{Name: "sms per account (hour)", Limiter: g.PerAccountHour, Key: "sms-user-h#" + userID},
		ratelimit.Quota{Name: "sms per account (day)", Limiter: g.PerAccountDay, Key: "sms-user-d#" + userID},
		ratelimit.Quota{Name: "sms per number (day)", Limiter: g.PerNumberDay, Key: "sms-to-d#" + e164},
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
