// Package zxcvbn estimates password strength with the zxcvbn algorithm of
// github.com/trustelem/zxcvbn, whose packages are copied here (MIT licence
// in LICENSE.txt) so that nothing is built at package initialisation:
// matching builds its ranked dictionaries on first use, scoring compiles
// its patterns on first use, adjacency builds the keyboard graphs on first
// use, and frequency holds the word lists as embedded text instead of a Go
// map literal (about 5 ms and 1.5 MB at every start of every program that
// linked it). Only that is changed; upstream's match types are used as
// they are. TestMatchesUpstream keeps the scores equal to upstream's.
package zxcvbn

import (
	"unicode/utf8"

	"github.com/example/myprofile/shared/password/strength/internal/zxcvbn/matching"
	"github.com/example/myprofile/shared/password/strength/internal/zxcvbn/scoring"
)

// maxRunes bounds the part of the password that is estimated: matching is
// superlinear in the length, and a longer password is strong by length.
const maxRunes = 100

// Result is a strength estimate.
type Result struct {
	Guesses float64 // estimated guesses to find the password
	Score   int     // 0 (too guessable) to 4 (very unguessable)
}

// Strength estimates how many guesses find password, given words an
// attacker knows about the user (names, email) as userInputs.
func Strength(password string, userInputs []string) Result {
	if !utf8.ValidString(password) {
		return Result{}
	}
	if r := []rune(password); len(r) > maxRunes {
		password = string(r[:maxRunes])
	}
	seq := scoring.MostGuessableMatchSequence(password, matching.Omnimatch(password, userInputs), false)
	return Result{Guesses: seq.Guesses, Score: score(seq.Guesses)}
}

// score is upstream's guessesToScore (unexported there).
func score(guesses float64) int {
	const delta = 5
	switch {
	case guesses < 1e3+delta:
		return 0 // risky password: "too guessable"
	case guesses < 1e6+delta:
		return 1 // modest protection from throttled online attacks: "very guessable"
	case guesses < 1e8+delta:
		return 2 // modest protection from unthrottled online attacks: "somewhat guessable"
	case guesses < 1e10+delta:
		return 3 // modest protection from offline attacks: "safely unguessable"
	default:
		return 4 // strong protection from offline attacks: "very unguessable"
	}
}

// DictionariesLoaded reports whether the dictionaries have been built.
func DictionariesLoaded() bool { return matching.DictionariesLoaded() }
