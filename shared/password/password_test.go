package password

import (
	"errors"
	"runtime"
	"strings"
	"testing"
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

func BenchmarkHashDefault(b *testing.B) {
	h := NewHasher(DefaultParams)
	for b.Loop() {
		if _, err := h.Hash("Correct-Horse-42-battery"); err != nil {
			b.Fatal(err)
		}
	}
}

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
