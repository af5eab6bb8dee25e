package strength

import (
	_ "embed"
	"strings"
	"sync"
	"unicode"

	"github.com/example/myprofile/shared/password/strength/internal/zxcvbn"
)

//go:generate go run ./internal/genwordlists blocklist.txt internal/zxcvbn/frequency/lists

// BlocklistSize is how many of the most common passwords are refused
// (ASVS 2.1.7).
const BlocklistSize = 10000

// blocklistText is generated from the frequency-ordered password list that
// ships with the zxcvbn port, not typed by hand; TestBlocklistMatchesSource
// keeps it equal to that list.
//
//go:embed blocklist.txt
var blocklistText string

var blocklist = sync.OnceValue(func() map[string]struct{} {
	m := make(map[string]struct{}, BlocklistSize)
	for _, p := range strings.Split(strings.TrimSpace(blocklistText), "\n") {
		m[p] = struct{}{}
	}
	return m
})

// isCommon reports whether the password, ignoring case, is one of the most
// common passwords, also once the digits and symbols people append to meet
// a composition rule are stripped ("Password123!" is "password").
func isCommon(password string) bool {
	list := blocklist()
	lower := strings.ToLower(password)
	if _, ok := list[lower]; ok {
		return true
	}
	stem := strings.TrimRightFunc(lower, func(r rune) bool { return !unicode.IsLetter(r) })
	if stem == "" || stem == lower {
		return false
	}
	_, ok := list[stem]
	return ok
}

// tooGuessable reports whether the zxcvbn estimate of the password, with
// the user's own words as known inputs, is below minScore. The estimator's
// dictionaries are built on its first use, not at start-up.
func tooGuessable(password string, minScore int, userInputs []string) bool {
	return zxcvbn.Strength(password, userInputs).Score < minScore
}
