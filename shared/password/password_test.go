package password

import (
	"errors"
	"runtime"
	"strings"
	"testing"

	"github.com/trustelem/zxcvbn/frequency"
)

var fast = Params{MemoryKiB: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

func TestHashVerify(t *testing.T) {
	h := NewHasher(fast)
	long := strings.Repeat("Ab1!", 40) // 160 bytes: nothing may be truncated
	enc, err := h.Hash(long)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=1024,t=1,p=1$") {
		t.Fatalf("not PHC argon2id: %s", enc)
	}
	if err := h.Verify(long, enc); err != nil {
		t.Errorf("right password refused: %v", err)
	}
	if err := h.Verify(long[:len(long)-1]+"?", enc); !errors.Is(err, ErrMismatch) {
		t.Errorf("changed last character accepted: %v", err)
	}
	enc2, _ := h.Hash(long)
	if enc == enc2 {
		t.Error("two hashes of one password are equal: salt missing")
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=1,t=1,p=1$AA$AA", "$argon2id$v=19$m=0,t=1,p=1$AAAA$AAAAAAAAAAAAAAAAAAAAAAAA", "$argon2id$v=19$m=1024,t=1,p=1$!!$AA"} {
		if err := h.Verify("x", bad); err == nil || errors.Is(err, ErrMismatch) {
			t.Errorf("malformed hash %q: got %v, want a format error", bad, err)
		}
	}
	if !NewHasher(DefaultParams).NeedsRehash(enc) {
		t.Error("a weaker hash should need a rehash")
	}
}

func TestDefaultParamsMeetOWASP(t *testing.T) {
	if DefaultParams.MemoryKiB < 19*1024 || DefaultParams.Time < 2 || DefaultParams.Threads < 1 {
		t.Errorf("got %+v, want at least m=19MiB t=2 p=1", DefaultParams)
	}
}

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

func BenchmarkHashDefault(b *testing.B) {
	h := NewHasher(DefaultParams)
	for b.Loop() {
		if _, err := h.Hash("Correct-Horse-42-battery"); err != nil {
			b.Fatal(err)
		}
	}
}

func TestBlocklistMatchesSource(t *testing.T) {
	want := frequency.FrequencyLists["passwords"][:BlocklistSize]
	got := strings.Split(strings.TrimSpace(blocklistText), "\n")
	if len(got) != len(want) {
		t.Fatalf("blocklist.txt has %d lines, want %d: run go generate ./shared/password", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("line %d is %q, want %q: run go generate ./shared/password", i+1, got[i], want[i])
		}
	}
}

// allocated is the memory f allocates, in bytes.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// An unknown account costs a hash at the hasher's own cost (argon2id's
// memory is the visible part of it), while making a hasher costs none: a
// function that never checks a password pays nothing when it starts.
func TestDummyVerificationCostsAHash(t *testing.T) {
	p := Params{MemoryKiB: 8 * 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}
	var h *Hasher
	if n := allocated(func() { h = NewHasher(p) }); n > 1<<20 {
		t.Errorf("NewHasher allocated %d bytes, want no hash", n)
	}
	if n := allocated(func() { h.VerifyDummy("whatever password") }); n < 8<<20 {
		t.Errorf("VerifyDummy allocated %d bytes, want at least the 8 MiB of one argon2id hash", n)
	}
	hash, err := h.Hash("whatever password")
	if err != nil {
		t.Fatal(err)
	}
	if n := allocated(func() { _ = h.Verify("another password", hash) }); n < 8<<20 {
		t.Errorf("Verify allocated %d bytes", n)
	}
}
