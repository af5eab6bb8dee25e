package strength

import (
	"strings"
	"testing"

	"github.com/trustelem/zxcvbn/frequency"
)

func TestPolicy(t *testing.T) {
	p := DefaultPolicy(true)
	tests := []struct {
		name, pw, email string
		ok              bool
	}{
		{"strong", "Correct-Horse-42-battery", "ada@example.com", true},
		{"too short", "Ab1!short", "", false},
		{"too long", strings.Repeat("Ab1!", 33), "", false},
		{"exactly 128 characters", strings.Repeat("Ab1!", 2) + "Kettle-Orbit-Sparrow-Quilt-" + strings.Repeat("x", 93), "", true},
		{"repeated pattern is too guessable", strings.Repeat("Ab1!", 32), "", false},
		{"common word with digits and symbols appended", "Password123!", "", false},
		{"keyboard row with digit and symbol", "Qwertyuiop1!", "", false},
		{"one letter repeated", "aaaaaaaaaaA1!", "", false},
		{"blocklist stem, any case, trailing symbols", "DRAGON!!2024##", "", false},
		{"random enough", "Xk9#mQ2$vL7@pR4!", "", true},
		{"length counts characters not bytes", "Ñandú-Árbol-1ñ", "", true},
		{"no symbol", "CorrectHorse42battery", "", false},
		{"no upper case", "correct-horse-42-battery", "", false},
		{"no digit", "Correct-Horse-battery", "", false},
		{"contains the email local part", "Ada.lovelace-42!X", "ada.lovelace@example.com", false},
		{"common password (case-insensitive)", "Password1234", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			probs := p.Check(tt.pw, tt.email)
			if (len(probs) == 0) != tt.ok {
				t.Errorf("Check(%q) = %v, want ok=%v", tt.pw, probs, tt.ok)
			}
		})
	}
	t.Run("the user's names count as known words", func(t *testing.T) {
		pw := "Lovelace!1234"
		if probs := p.Check(pw, "someone@example.com"); len(probs) != 0 {
			t.Fatalf("without the names: got %v, want accepted", probs)
		}
		if probs := p.Check(pw, "someone@example.com", "Ada", "Lovelace"); len(probs) == 0 {
			t.Errorf("Check(%q) with the user's names Ada Lovelace accepted, want refused", pw)
		}
	})
	t.Run("composition can be switched off", func(t *testing.T) {
		if probs := DefaultPolicy(false).Check("correct horse battery staple", ""); len(probs) != 0 {
			t.Errorf("got %v", probs)
		}
	})
}

func TestBlocklist(t *testing.T) {
	if n := len(blocklist()); n != BlocklistSize {
		t.Fatalf("blocklist has %d entries, want %d", n, BlocklistSize)
	}
	for _, pw := range []string{"password", "123456", "QWERTY"} {
		if !isCommon(pw) {
			t.Errorf("%q should be common", pw)
		}
	}
	if isCommon("Correct-Horse-42-battery") {
		t.Error("a strong password is not common")
	}
}

func TestBlocklistMatchesSource(t *testing.T) {
	want := frequency.FrequencyLists["passwords"][:BlocklistSize]
	got := strings.Split(strings.TrimSpace(blocklistText), "\n")
	if len(got) != len(want) {
		t.Fatalf("blocklist.txt has %d lines, want %d: run go generate ./shared/password/strength", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("line %d is %q, want %q: run go generate ./shared/password/strength", i+1, got[i], want[i])
		}
	}
}

// allocated is the memory f allocates, in bytes.
