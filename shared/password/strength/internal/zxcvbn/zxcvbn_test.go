package zxcvbn

import (
	"testing"

	upstream "github.com/trustelem/zxcvbn"
)

// Runs first (source order): nothing before it has estimated a password,
// so the dictionaries must not be built yet.
func TestDictionariesLoadOnFirstUse(t *testing.T) {
	if DictionariesLoaded() {
		t.Fatal("dictionaries built before the first estimate: they cost every cold start")
	}
	Strength("Correct-Horse-42-battery", nil)
	if !DictionariesLoaded() {
		t.Fatal("dictionaries not built by the first estimate")
	}
}

func TestMatchesUpstream(t *testing.T) {
	inputs := []string{"ada", "lovelace", "ada.lovelace@example.com"}
	for _, pw := range []string{
		"Password123!", "Qwertyuiop1!", "aaaaaaaaaaA1!", "Correct-Horse-42-battery",
		"correct horse battery staple", "Ñandú-Árbol-1ñ", "Lovelace2024!", "Ada.Lovelace-1815",
		"zxcvbnm,./", "1qaz2wsx3edc", "p@ssw0rd", "Tr0ub4dor&3", "19/07/1985", "abcdefghij",
		"Xk9#mQ2$vL7@pR4!", "",
	} {
		got := Strength(pw, inputs)
		want := upstream.PasswordStrength(pw, inputs)
		if got.Score != want.Score || got.Guesses != want.Guesses {
			t.Errorf("Strength(%q) = score %d guesses %g, upstream score %d guesses %g", pw, got.Score, got.Guesses, want.Score, want.Guesses)
		}
	}
}
