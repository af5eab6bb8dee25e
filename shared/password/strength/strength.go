package strength

import (
	"context"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/example/myprofile/shared/config"
	"github.com/example/myprofile/shared/metrics"
)

// Policy is the password policy.
type Policy struct {
	MinLength   int  // in characters (runes)
	MaxLength   int  // in characters (runes)
	Composition bool // require lower case, upper case, digit and symbol
	// MinScore is the lowest zxcvbn score (0 to 4) accepted; 0 skips the
	// estimate. 3 is "safely unguessable": about 10^8 to 10^10 guesses.
	MinScore int
	// Breach, when set, also refuses passwords found in a breach corpus
	// (CheckContext only). Nil turns the check off.
	Breach *BreachChecker
}

// DefaultMinScore is the zxcvbn score new passwords must reach.
const DefaultMinScore = 3

// FromConfig is the policy of the stack's configuration: DefaultPolicy
// with the composition rule as PASSWORD_COMPOSITION says and, with
// PASSWORD_BREACH_RANGE_URL set, the breach check against that range API
// (failing open, failures counted on m).
func FromConfig(cfg config.Config, m metrics.Counter) Policy {
	p := DefaultPolicy(cfg.PasswordComposition)
	if cfg.PasswordBreachURL != "" {
		p.Breach = &BreachChecker{Endpoint: cfg.PasswordBreachURL, Metrics: m}
	}
	return p
}

// DefaultPolicy is the policy of API.md.
func DefaultPolicy(composition bool) Policy {
	return Policy{MinLength: 12, MaxLength: 128, Composition: composition, MinScore: DefaultMinScore}
}

// Check returns the reasons the password is refused (nil when it is
// acceptable). email may be empty; email and names (the user's first and
// last names) are words an attacker knows, so a password built on them is
// weaker. The strength estimate runs only when every cheaper rule passes.
func (p Policy) Check(password, email string, names ...string) []string {
	var problems []string
	if !utf8.ValidString(password) {
		return []string{"must be valid UTF-8 text"}
	}
	n := utf8.RuneCountInString(password)
	if n < p.MinLength {
		problems = append(problems, fmt.Sprintf("must be at least %d characters", p.MinLength))
	}
	if n > p.MaxLength {
		problems = append(problems, fmt.Sprintf("must be at most %d characters", p.MaxLength))
	}
	if isCommon(password) {
		problems = append(problems, "is too common; choose one that is harder to guess")
	}
	email = strings.ToLower(strings.TrimSpace(email))
	if local, _, ok := strings.Cut(email, "@"); ok && len(local) >= 3 &&
		strings.Contains(strings.ToLower(password), local) {
		problems = append(problems, "must not contain your email address")
	}
	if p.Composition {
		var lower, upper, digit, symbol bool
		for _, r := range password {
			switch {
			case unicode.IsLower(r):
				lower = true
			case unicode.IsUpper(r):
				upper = true
			case unicode.IsDigit(r):
				digit = true
			case unicode.IsPunct(r) || unicode.IsSymbol(r) || unicode.IsSpace(r):
				symbol = true
			}
		}
		if !lower || !upper || !digit || !symbol {
			problems = append(problems, "must contain a lower-case letter, an upper-case letter, a digit and a symbol")
		}
	}
	if len(problems) == 0 && p.MinScore > 0 && tooGuessable(password, p.MinScore, userInputs(email, names)) {
		problems = append(problems, "is too easy to guess; use a longer phrase of unrelated words")
	}
	return problems
}

// CheckContext is Check and then, when the policy has a Breach checker,
// the breach corpus. The breach check fails open: when the range API
// cannot be reached the password is accepted and the failure counted.
func (p Policy) CheckContext(ctx context.Context, password, email string, names ...string) []string {
	problems := p.Check(password, email, names...)
	if len(problems) > 0 || p.Breach == nil {
		return problems
	}
	if p.Breach.Breached(ctx, password) {
		return []string{"appears in a data breach; choose another"}
	}
	return nil
}

// userInputs are the words of the user's email and names the estimate
// treats as known to an attacker.
func userInputs(email string, names []string) []string {
	var in []string
	add := func(s string) {
		if s = strings.ToLower(strings.TrimSpace(s)); s != "" {
			in = append(in, s)
		}
	}
	if local, domain, ok := strings.Cut(email, "@"); ok {
		add(local)
		add(domain)
		for _, w := range strings.FieldsFunc(local, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
			add(w)
		}
	}
	for _, n := range names {
		add(n)
		for _, w := range strings.Fields(n) {
			add(w)
		}
	}
	return in
}
