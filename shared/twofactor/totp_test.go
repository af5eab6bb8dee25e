package twofactor_test

import (
	"encoding/base32"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/example/myprofile/infra/localcloud/testenv"
	"github.com/example/myprofile/shared/twofactor"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// RFC 6238 Appendix B, SHA-1 rows: the 20-byte ASCII seed
// "12345678901234567890" with 8-digit codes.
var rfc6238 = []struct {
	unix int64
	code string
}{
	{59, "94287082"},
	{1111111109, "07081804"},
	{1111111111, "14050471"},
	{1234567890, "89005924"},
	{2000000000, "69279037"},
	{20000000000, "65353130"},
}

func TestTOTPMatchRFC6238Vectors(t *testing.T) {
	secret := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString([]byte("12345678901234567890"))
	p := twofactor.TOTPParams{Period: 30, Digits: otp.DigitsEight, Skew: 1}
	for _, v := range rfc6238 {
		at := time.Unix(v.unix, 0).UTC()
		want := v.unix / 30
		t.Run("code at "+at.Format(time.RFC3339)+" is accepted once", func(t *testing.T) {
			step, ok, replay, err := p.Match(secret, v.code, at, -1)
			if err != nil || !ok || replay || step != want {
				t.Fatalf("Match = step %d ok %v replay %v err %v, want step %d ok", step, ok, replay, err, want)
			}
			step, ok, replay, _ = p.Match(secret, v.code, at, want)
			if ok || !replay {
				t.Fatalf("replay of step %d: ok %v replay %v, want refused as replay", step, ok, replay)
			}
		})
		t.Run("one step of skew is accepted at "+at.Format(time.RFC3339), func(t *testing.T) {
			for _, d := range []time.Duration{-30 * time.Second, 30 * time.Second} {
				if v.unix+int64(d/time.Second) < 0 {
					continue
				}
				step, ok, _, err := p.Match(secret, v.code, at.Add(d), -1)
				if err != nil || !ok || step != want {
					t.Errorf("at %+v: step %d ok %v err %v, want step %d", d, step, ok, err, want)
				}
			}
		})
		t.Run("two steps of skew are refused at "+at.Format(time.RFC3339), func(t *testing.T) {
			for _, d := range []time.Duration{-60 * time.Second, 60 * time.Second} {
				shifted := at.Add(d)
				if shifted.Unix() < 30 { // the clock cannot go before step 0
					continue
				}
				if p.Step(shifted)-want != 2 && want-p.Step(shifted) != 2 {
					t.Fatalf("test setup: %v is not two steps away", d)
				}
				if _, ok, _, _ := p.Match(secret, v.code, shifted, -1); ok {
					t.Errorf("at %+v: accepted, want refused", d)
				}
			}
		})
	}
	t.Run("wrong length and non-digits are refused", func(t *testing.T) {
		at := time.Unix(59, 0)
		for _, c := range []string{"9428708", "942870822", "9428708a", ""} {
			if _, ok, _, _ := p.Match(secret, c, at, -1); ok {
				t.Errorf("%q accepted", c)
			}
		}
	})
}

func TestSealer(t *testing.T) {
	key := make([]byte, 32)
	for i := range key {
		key[i] = byte(i)
	}
	ctx := t.Context()
	s := twofactor.Sealer{Keys: twofactor.StaticKey(key)}
	sealed, err := s.Seal(ctx, "user-a", "JBSWY3DPEHPK3PXP")
	if err != nil {
		t.Fatal(err)
	}
	t.Run("opens for the same user", func(t *testing.T) {
		got, err := s.Open(ctx, "user-a", sealed)
		if err != nil || got != "JBSWY3DPEHPK3PXP" {
			t.Fatalf("Open = %q, %v", got, err)
		}
	})
	t.Run("does not open for another user", func(t *testing.T) {
		if _, err := s.Open(ctx, "user-b", sealed); err == nil {
			t.Fatal("opened under another user id")
		}
	})
	t.Run("does not open with another key", func(t *testing.T) {
		other := twofactor.Sealer{Keys: twofactor.StaticKey(make([]byte, 32))}
		if _, err := other.Open(ctx, "user-a", sealed); err == nil {
			t.Fatal("opened with another key")
		}
	})
	t.Run("no key is an error", func(t *testing.T) {
		if _, err := (twofactor.Sealer{}).Seal(ctx, "u", "x"); !errors.Is(err, twofactor.ErrNoKey) {
			t.Fatalf("sealed without a key: %v", err)
		}
		if _, err := (twofactor.Sealer{Keys: twofactor.StaticKey(make([]byte, 16))}).MAC(ctx, "x"); !errors.Is(err, twofactor.ErrNoKey) {
			t.Fatalf("a MAC under a 16-byte key: %v", err)
		}
	})
}

// Whatever a caller sends as a code, Match answers without panicking and
// accepts only the code of a step within the skew; the live code of any
// instant is accepted. The seeds are RFC 6238's SHA-1 vectors (last six
// digits), sent in their own step and the steps either side, so the fuzzer
// starts from accepted codes.
func FuzzTOTPMatch(f *testing.F) {
	secret := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString([]byte("12345678901234567890"))
	vectors := []struct {
		unix int64
		code string
	}{{59, "287082"}, {1111111109, "081804"}, {1111111111, "050471"}, {1234567890, "005924"}, {2000000000, "279037"}, {20000000000, "353130"}}
	for _, v := range vectors {
		for _, d := range []int64{-30, 0, 30} {
			f.Add(v.code, v.unix+d)
		}
	}
	for _, s := range []string{"", "abcdef", " 287082 ", "２８７０８２", "99999999999"} {
		f.Add(s, int64(59))
	}
	f.Fuzz(func(t *testing.T, code string, unix int64) {
		if unix < 0 || unix > 1<<40 {
			return
		}
		at := time.Unix(unix, 0)
		cur := twofactor.Standard.Step(at)
		step, ok, _, err := twofactor.Standard.Match(secret, code, at, -1)
		if err != nil {
			t.Fatalf("Match(%q) error: %v", code, err)
		}
		if ok {
			if step < cur-1 || step > cur+1 {
				t.Fatalf("Match(%q) accepted step %d outside the skew of %d", code, step, cur)
			}
			if want := mustGenerate(t, secret, time.Unix(step*30, 0)); strings.TrimSpace(code) != want {
				t.Fatalf("Match(%q) accepted step %d, whose code is %s", code, step, want)
			}
		}
		for _, v := range vectors {
			if v.code == strings.TrimSpace(code) && v.unix/30 == cur && (!ok || step != cur) {
				t.Fatalf("RFC 6238 code %s at %d refused (step %d, ok %v)", v.code, unix, step, ok)
			}
		}
		live := mustGenerate(t, secret, at)
		if step, ok, _, err := twofactor.Standard.Match(secret, live, at, -1); err != nil || !ok || step != cur {
			t.Fatalf("the live code %s at %d: step %d ok %v err %v, want step %d", live, unix, step, ok, err, cur)
		}
		if _, ok, replay, _ := twofactor.Standard.Match(secret, live, at, cur+1); ok || !replay {
			t.Fatalf("the live code %s after its step was used: ok %v replay %v, want a refused replay", live, ok, replay)
		}
	})
}

func mustGenerate(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, at.UTC(), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}
