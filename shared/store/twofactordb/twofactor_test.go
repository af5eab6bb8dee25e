package twofactordb_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/example/myprofile/infra/localcloud/testenv"
	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/store"
	"github.com/example/myprofile/shared/store/storetest"
	"github.com/example/myprofile/shared/store/twofactordb"
	"github.com/example/myprofile/shared/twofactor"
)

func TestMain(m *testing.M) { testenv.Main(m) }

var now = time.Date(2026, 3, 7, 12, 0, 0, 0, time.UTC)

func newStore(t *testing.T) *twofactordb.Store {
	t.Helper()
	db, table := testenv.DynamoDB(t)
	return twofactordb.New(store.New(db, table))
}

// mustUser signs up a user and returns the stored record.
func mustUser(t *testing.T, s *twofactordb.Store) account.User {
	t.Helper()
	id, _ := storetest.Owner(t, s.Store, now, "")
	u, err := s.GetUser(t.Context(), id)
	if err != nil {
		t.Fatalf("get user: %v", err)
	}
	return u
}

// mustApply applies c to the user's current record, with the version that
// follows, and returns the new record.
func mustApply(t *testing.T, s *twofactordb.Store, u account.User, c twofactor.Change) account.User {
	t.Helper()
	c.User, c.ExpectVersion = u, u.Version
	c.User.Version = u.Version + 1
	if err := s.ApplyChange(t.Context(), c); err != nil {
		t.Fatalf("apply change: %v", err)
	}
	return c.User
}

func backupIDs(t *testing.T, s *twofactordb.Store, uid string, ids ...string) {
	t.Helper()
	n, err := s.CountBackupCodes(t.Context(), uid)
	if err != nil || n != len(ids) {
		t.Fatalf("%d backup codes (%v), want %d", n, err, len(ids))
	}
	for _, id := range ids {
		if b, err := s.GetBackupCode(t.Context(), uid, id); err != nil || b.Hash != "hash-"+id {
			t.Errorf("backup code %s = %+v, %v", id, b, err)
		}
	}
}

func codes(ids ...string) []twofactor.BackupCode {
	var out []twofactor.BackupCode
	for _, id := range ids {
		out = append(out, twofactor.BackupCode{ID: id, Hash: "hash-" + id})
	}
	return out
}

func TestApplyChange(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	u := mustUser(t, s)
	if err := s.PutPendingTOTP(ctx, u.ID, twofactor.PendingTOTP{SecretEnc: "sealed", ExpiresAt: now.Add(10 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	u.TwoFactor = account.TwoFactor{Enabled: true, Methods: []string{"totp"}}
	u = mustApply(t, s, u, twofactor.Change{PutTOTP: &twofactor.TOTP{SecretEnc: "sealed", LastStep: 7, CreatedAt: now}, DeletePendingTOTP: true, ReplaceBackupCodes: codes("a1", "b2", "c3")})
	t.Run("the authenticator, the codes and the user are written together", func(t *testing.T) {
		if got, err := s.GetTOTP(ctx, u.ID); err != nil || got.SecretEnc != "sealed" || got.LastStep != 7 {
			t.Errorf("totp = %+v, %v", got, err)
		}
		if _, err := s.GetPendingTOTP(ctx, u.ID); !errors.Is(err, account.ErrNotFound) {
			t.Errorf("pending secret left: %v", err)
		}
		backupIDs(t, s, u.ID, "a1", "b2", "c3")
		if got, _ := s.GetUser(ctx, u.ID); got.Version != u.Version || !got.TwoFactor.Enabled {
			t.Errorf("user v%d %+v, want v%d enabled", got.Version, got.TwoFactor, u.Version)
		}
	})
	t.Run("a second authenticator is ErrConflict and writes nothing", func(t *testing.T) {
		next := u
		next.Version++
		err := s.ApplyChange(ctx, twofactor.Change{User: next, ExpectVersion: u.Version, PutTOTP: &twofactor.TOTP{SecretEnc: "other"}, ReplaceBackupCodes: codes("zz")})
		if !errors.Is(err, account.ErrConflict) {
			t.Fatalf("err = %v, want ErrConflict", err)
		}
		if got, _ := s.GetTOTP(ctx, u.ID); got.SecretEnc != "sealed" {
			t.Errorf("authenticator replaced: %+v", got)
		}
		backupIDs(t, s, u.ID, "a1", "b2", "c3")
	})
	t.Run("a stale user version is ErrConflict", func(t *testing.T) {
		stale := u
		stale.Version = u.Version
		err := s.ApplyChange(ctx, twofactor.Change{User: stale, ExpectVersion: u.Version - 1, DeleteTOTP: true})
		if !errors.Is(err, account.ErrConflict) {
			t.Fatalf("err = %v, want ErrConflict", err)
		}
		if _, err := s.GetTOTP(ctx, u.ID); err != nil {
			t.Errorf("authenticator deleted by a refused change: %v", err)
		}
	})
	t.Run("replacing the codes keeps only the new set", func(t *testing.T) {
		u = mustApply(t, s, u, twofactor.Change{ReplaceBackupCodes: codes("b2", "d4")})
		backupIDs(t, s, u.ID, "b2", "d4")
		if _, err := s.GetBackupCode(ctx, u.ID, "a1"); !errors.Is(err, account.ErrNotFound) {
			t.Errorf("old code a1: %v, want ErrNotFound", err)
		}
	})
	t.Run("turning off deletes the authenticator and every code", func(t *testing.T) {
		u.TwoFactor = account.TwoFactor{}
		u = mustApply(t, s, u, twofactor.Change{DeleteTOTP: true, DeleteBackupCodes: true})
		if _, err := s.GetTOTP(ctx, u.ID); !errors.Is(err, account.ErrNotFound) {
			t.Errorf("totp: %v, want ErrNotFound", err)
		}
		backupIDs(t, s, u.ID)
	})
}

func TestTOTP(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	u := mustUser(t, s)
	t.Run("pending secret is replaced and read with its expiry", func(t *testing.T) {
		for _, sec := range []string{"first", "second"} {
			if err := s.PutPendingTOTP(ctx, u.ID, twofactor.PendingTOTP{SecretEnc: sec, ExpiresAt: now.Add(-time.Minute)}); err != nil {
				t.Fatal(err)
			}
		}
		p, err := s.GetPendingTOTP(ctx, u.ID)
		if err != nil || p.SecretEnc != "second" || !p.ExpiresAt.Equal(now.Add(-time.Minute)) {
			t.Errorf("pending = %+v, %v; want the second, with its (past) expiry for the caller to check", p, err)
		}
	})
	t.Run("no authenticator", func(t *testing.T) {
		if _, err := s.GetTOTP(ctx, u.ID); !errors.Is(err, account.ErrNotFound) {
			t.Errorf("GetTOTP: %v, want ErrNotFound", err)
		}
		if err := s.AdvanceTOTPStep(ctx, u.ID, 10); !errors.Is(err, account.ErrNotFound) {
			t.Errorf("AdvanceTOTPStep: %v, want ErrNotFound", err)
		}
	})
	mustApply(t, s, u, twofactor.Change{PutTOTP: &twofactor.TOTP{SecretEnc: "sealed", LastStep: 100, CreatedAt: now}})
	for _, tt := range []struct {
		name string
		step int64
		want error
	}{
		{"a later step is accepted", 101, nil},
		{"the same step again is a replay", 101, twofactor.ErrReplay},
		{"an earlier step is a replay", 100, twofactor.ErrReplay},
		{"a step ahead is accepted", 103, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if err := s.AdvanceTOTPStep(ctx, u.ID, tt.step); !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
		})
	}
	if got, _ := s.GetTOTP(ctx, u.ID); got.LastStep != 103 {
		t.Errorf("last step %d, want 103", got.LastStep)
	}
}

func TestConsumeBackupCode(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	u := mustUser(t, s)
	mustApply(t, s, u, twofactor.Change{ReplaceBackupCodes: codes("a1", "b2")})
	if err := s.ConsumeBackupCode(ctx, u.ID, twofactor.BackupCode{ID: "a1", Hash: "wrong"}); !errors.Is(err, account.ErrNotFound) {
		t.Errorf("another hash: %v, want ErrNotFound", err)
	}
	if err := s.ConsumeBackupCode(ctx, u.ID, codes("a1")[0]); err != nil {
		t.Fatalf("consume: %v", err)
	}
	if err := s.ConsumeBackupCode(ctx, u.ID, codes("a1")[0]); !errors.Is(err, account.ErrNotFound) {
		t.Errorf("second use: %v, want ErrNotFound", err)
	}
	backupIDs(t, s, u.ID, "b2")
}

func challenge(uid string, expires time.Time) twofactor.Challenge {
	return twofactor.Challenge{ID: uid + ".c0ffee" + expires.Format("150405"), UserID: uid, IP: "203.0.113.9", UserAgent: "test", Methods: []string{"totp", "sms"}, ExpiresAt: expires}
}

func TestChallenge(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	live := challenge("u1", now.Add(5*time.Minute))
	if err := s.PutChallenge(ctx, live); err != nil {
		t.Fatal(err)
	}
	t.Run("read back, fresh", func(t *testing.T) {
		c, err := s.GetChallenge(ctx, live.ID)
		if err != nil || c.UserID != "u1" || c.Attempts != 0 || c.Used || !slices.Equal(c.Methods, live.Methods) || c.IP != live.IP {
			t.Errorf("challenge = %+v, %v", c, err)
		}
	})
	t.Run("an id is put once", func(t *testing.T) {
		if err := s.PutChallenge(ctx, live); err == nil {
			t.Error("a second put of the same id succeeded")
		}
	})
	t.Run("unknown is ErrNotFound", func(t *testing.T) {
		if _, err := s.GetChallenge(ctx, "u1.unknown"); !errors.Is(err, account.ErrNotFound) {
			t.Errorf("err = %v, want ErrNotFound", err)
		}
	})
	t.Run("attempts are counted up to max", func(t *testing.T) {
		for want := 1; want <= 2; want++ {
			c, err := s.AttemptChallenge(ctx, live.ID, now, 2)
			if err != nil || c.Attempts != want {
				t.Fatalf("attempt %d: %+v, %v", want, c, err)
			}
		}
		if _, err := s.AttemptChallenge(ctx, live.ID, now, 2); !errors.Is(err, twofactor.ErrVoid) {
			t.Errorf("past max: %v, want ErrVoid", err)
		}
	})
	t.Run("sms code sends are limited", func(t *testing.T) {
		for i := 0; i < 2; i++ {
			if err := s.SetChallengeSMS(ctx, live.ID, "sms-hash", now.Add(2*time.Minute), now, 2); err != nil {
				t.Fatalf("send %d: %v", i+1, err)
			}
		}
		if err := s.SetChallengeSMS(ctx, live.ID, "sms-hash", now.Add(2*time.Minute), now, 2); !errors.Is(err, twofactor.ErrVoid) {
			t.Errorf("third send: %v, want ErrVoid", err)
		}
		c, _ := s.GetChallenge(ctx, live.ID)
		if c.SMSHash != "sms-hash" || c.SMSSends != 2 || !c.SMSExpiresAt.Equal(now.Add(2*time.Minute)) {
			t.Errorf("sms state %q %d %s", c.SMSHash, c.SMSSends, c.SMSExpiresAt)
		}
	})
	t.Run("webauthn session on a live challenge", func(t *testing.T) {
		if err := s.SetChallengeWebAuthn(ctx, live.ID, "ceremony", now); err != nil {
			t.Fatal(err)
		}
		if c, _ := s.GetChallenge(ctx, live.ID); c.WebAuthnSession != "ceremony" {
			t.Errorf("webauthn session %q", c.WebAuthnSession)
		}
	})
	t.Run("redeem needs the sms hash, before the sms expiry, once", func(t *testing.T) {
		if err := s.RedeemChallenge(ctx, live.ID, now, "other-hash"); !errors.Is(err, twofactor.ErrVoid) {
			t.Errorf("wrong sms hash: %v, want ErrVoid", err)
		}
		if err := s.RedeemChallenge(ctx, live.ID, now.Add(3*time.Minute), "sms-hash"); !errors.Is(err, twofactor.ErrVoid) {
			t.Errorf("after the sms expiry: %v, want ErrVoid", err)
		}
		if err := s.RedeemChallenge(ctx, live.ID, now, "sms-hash"); err != nil {
			t.Fatalf("redeem: %v", err)
		}
		if err := s.RedeemChallenge(ctx, live.ID, now, ""); !errors.Is(err, twofactor.ErrVoid) {
			t.Errorf("second redeem: %v, want ErrVoid", err)
		}
		if c, _ := s.GetChallenge(ctx, live.ID); !c.Used {
			t.Error("redeemed challenge not marked used")
		}
	})
	t.Run("a used challenge takes no more attempts, sms or webauthn", func(t *testing.T) {
		if _, err := s.AttemptChallenge(ctx, live.ID, now, 10); !errors.Is(err, twofactor.ErrVoid) {
			t.Errorf("attempt: %v", err)
		}
		if err := s.SetChallengeSMS(ctx, live.ID, "h", now.Add(time.Minute), now, 10); !errors.Is(err, twofactor.ErrVoid) {
			t.Errorf("sms: %v", err)
		}
		if err := s.SetChallengeWebAuthn(ctx, live.ID, "x", now); !errors.Is(err, twofactor.ErrVoid) {
			t.Errorf("webauthn: %v", err)
		}
	})
	t.Run("a challenge past its expiry is void though TTL has not removed it", func(t *testing.T) {
		old := challenge("u1", now.Add(-time.Second))
		if err := s.PutChallenge(ctx, old); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AttemptChallenge(ctx, old.ID, now, 10); !errors.Is(err, twofactor.ErrVoid) {
			t.Errorf("attempt: %v, want ErrVoid", err)
		}
		if err := s.SetChallengeSMS(ctx, old.ID, "h", now.Add(time.Minute), now, 10); !errors.Is(err, twofactor.ErrVoid) {
			t.Errorf("sms: %v, want ErrVoid", err)
		}
		if err := s.SetChallengeWebAuthn(ctx, old.ID, "x", now); !errors.Is(err, twofactor.ErrVoid) {
			t.Errorf("webauthn: %v, want ErrVoid", err)
		}
		if err := s.RedeemChallenge(ctx, old.ID, now, ""); !errors.Is(err, twofactor.ErrVoid) {
			t.Errorf("redeem: %v, want ErrVoid", err)
		}
	})
	t.Run("unknown challenges are void", func(t *testing.T) {
		if _, err := s.AttemptChallenge(ctx, "u1.nope", now, 10); !errors.Is(err, twofactor.ErrVoid) {
			t.Errorf("attempt: %v, want ErrVoid", err)
		}
	})
}

func TestWebAuthnRegistration(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	if err := s.PutWebAuthnRegistration(ctx, "u1", "ceremony", now.Add(5*time.Minute)); err != nil {
		t.Fatal(err)
	}
	got, err := s.TakeWebAuthnRegistration(ctx, "u1", now)
	if err != nil || got != "ceremony" {
		t.Fatalf("take = %q, %v", got, err)
	}
	if _, err := s.TakeWebAuthnRegistration(ctx, "u1", now); !errors.Is(err, account.ErrNotFound) {
		t.Errorf("second take: %v, want ErrNotFound", err)
	}
	if err := s.PutWebAuthnRegistration(ctx, "u2", "late", now.Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.TakeWebAuthnRegistration(ctx, "u2", now); !errors.Is(err, account.ErrNotFound) {
		t.Errorf("expired ceremony: %v, want ErrNotFound", err)
	}
}

// A step-up item is taken once, only while live, only by its owner and,
// when a value is matched (an SMS step-up code's HMAC), only with it.
func TestStepUp(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	if err := s.PutStepUp(ctx, "u1", "WEBAUTHN#a", "ceremony", now.Add(5*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.TakeStepUp(ctx, "u2", "WEBAUTHN#a", now, ""); !errors.Is(err, account.ErrNotFound) {
		t.Errorf("another user's take: %v, want ErrNotFound", err)
	}
	got, err := s.TakeStepUp(ctx, "u1", "WEBAUTHN#a", now, "")
	if err != nil || got != "ceremony" {
		t.Fatalf("take = %q, %v", got, err)
	}
	if _, err := s.TakeStepUp(ctx, "u1", "WEBAUTHN#a", now, ""); !errors.Is(err, account.ErrNotFound) {
		t.Errorf("second take: %v, want ErrNotFound", err)
	}
	if err := s.PutStepUp(ctx, "u1", "SMS", "hash-1", now.Add(5*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.PutStepUp(ctx, "u1", "SMS", "hash-2", now.Add(5*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.TakeStepUp(ctx, "u1", "SMS", now, "hash-1"); !errors.Is(err, account.ErrNotFound) {
		t.Errorf("replaced code: %v, want ErrNotFound", err)
	}
	if _, err := s.TakeStepUp(ctx, "u1", "SMS", now, "hash-2"); err != nil {
		t.Errorf("current code: %v, want nil", err)
	}
	if err := s.PutStepUp(ctx, "u1", "SMS", "hash-3", now.Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.TakeStepUp(ctx, "u1", "SMS", now, "hash-3"); !errors.Is(err, account.ErrNotFound) {
		t.Errorf("expired code: %v, want ErrNotFound", err)
	}
}

func TestPasskeys(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	u := mustUser(t, s)
	if ks, err := s.ListPasskeys(ctx, u.ID); err != nil || len(ks) != 0 {
		t.Fatalf("passkeys of a new user: %v, %v", ks, err)
	}
	counted := twofactor.Passkey{ID: "cred-1", Name: "laptop", CreatedAt: now, Credential: "{}", SignCount: 5}
	uncounted := twofactor.Passkey{ID: "cred-2", Name: "phone", CreatedAt: now, Credential: "{}"}
	u = mustApply(t, s, u, twofactor.Change{PutPasskey: &counted})
	u = mustApply(t, s, u, twofactor.Change{PutPasskey: &uncounted})
	t.Run("an id is registered once", func(t *testing.T) {
		next := u
		next.Version++
		if err := s.ApplyChange(ctx, twofactor.Change{User: next, ExpectVersion: u.Version, PutPasskey: &counted}); !errors.Is(err, twofactor.ErrPasskeyTaken) {
			t.Errorf("err = %v, want ErrPasskeyTaken", err)
		}
	})
	t.Run("an id is registered once across accounts", func(t *testing.T) {
		other := mustUser(t, s)
		next := other
		next.Version++
		if err := s.ApplyChange(ctx, twofactor.Change{User: next, ExpectVersion: other.Version, PutPasskey: &counted}); !errors.Is(err, twofactor.ErrPasskeyTaken) {
			t.Errorf("err = %v, want ErrPasskeyTaken", err)
		}
		if ks, _ := s.ListPasskeys(ctx, other.ID); len(ks) != 0 {
			t.Errorf("the refused registration left passkeys: %v", ks)
		}
	})
	t.Run("listed", func(t *testing.T) {
		ks, err := s.ListPasskeys(ctx, u.ID)
		if err != nil || len(ks) != 2 {
			t.Fatalf("passkeys = %v, %v", ks, err)
		}
	})
	for _, tt := range []struct {
		name  string
		key   twofactor.Passkey
		count uint32
		want  error
	}{
		{"a counter that moved forward is accepted", counted, 6, nil},
		{"a counter that did not move is a replay", counted, 6, twofactor.ErrReplay},
		{"a counter that went back is a replay", counted, 2, twofactor.ErrReplay},
		{"an authenticator without a counter stays at 0", uncounted, 0, nil},
		{"an unknown passkey is ErrNotFound", twofactor.Passkey{ID: "nope"}, 1, account.ErrNotFound},
	} {
		t.Run(tt.name, func(t *testing.T) {
			k := tt.key
			k.SignCount = tt.count
			if err := s.UsePasskey(ctx, u.ID, k, now.Add(time.Minute)); !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
		})
	}
	ks, _ := s.ListPasskeys(ctx, u.ID)
	for _, k := range ks {
		if k.ID == "cred-1" && (k.SignCount != 6 || k.LastUsedAt == nil || !k.LastUsedAt.Equal(now.Add(time.Minute))) {
			t.Errorf("cred-1 after use: count %d, last used %v", k.SignCount, k.LastUsedAt)
		}
	}
	mustApply(t, s, u, twofactor.Change{DeletePasskeyID: "cred-1"})
	if ks, _ := s.ListPasskeys(ctx, u.ID); len(ks) != 1 || ks[0].ID != "cred-2" {
		t.Errorf("after delete: %v, want cred-2 only", ks)
	}
}

// The sign-in's TOTP redemption is both writes or neither: a replayed step
// leaves the challenge live, a used challenge leaves the step, and the
// errors say which (ErrReplay, ErrVoid, account.ErrNotFound).
func TestRedeemChallengeTOTP(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	u := mustUser(t, s)
	fresh := func(t *testing.T, minutes int) twofactor.Challenge {
		t.Helper()
		c := challenge(u.ID, now.Add(time.Duration(minutes)*time.Minute))
		if err := s.PutChallenge(ctx, c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	lastStep := func(t *testing.T) int64 {
		t.Helper()
		got, err := s.GetTOTP(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got.LastStep
	}
	t.Run("no authenticator", func(t *testing.T) {
		c := fresh(t, 1)
		if err := s.RedeemChallengeTOTP(ctx, c.ID, now, u.ID, 10); !errors.Is(err, account.ErrNotFound) {
			t.Errorf("err = %v, want ErrNotFound", err)
		}
		if got, _ := s.GetChallenge(ctx, c.ID); got.Used {
			t.Error("challenge used although the step was not recorded")
		}
	})
	mustApply(t, s, u, twofactor.Change{PutTOTP: &twofactor.TOTP{SecretEnc: "sealed", LastStep: 100, CreatedAt: now}})
	c := fresh(t, 2)
	t.Run("a replayed step leaves the challenge live", func(t *testing.T) {
		if err := s.RedeemChallengeTOTP(ctx, c.ID, now, u.ID, 100); !errors.Is(err, twofactor.ErrReplay) {
			t.Errorf("err = %v, want ErrReplay", err)
		}
		if got, _ := s.GetChallenge(ctx, c.ID); got.Used {
			t.Error("challenge used by a replay")
		}
	})
	t.Run("a later step redeems and records", func(t *testing.T) {
		if err := s.RedeemChallengeTOTP(ctx, c.ID, now, u.ID, 101); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.GetChallenge(ctx, c.ID); !got.Used {
			t.Error("challenge not used")
		}
		if got := lastStep(t); got != 101 {
			t.Errorf("last step %d, want 101", got)
		}
	})
	t.Run("a used challenge leaves the step", func(t *testing.T) {
		if err := s.RedeemChallengeTOTP(ctx, c.ID, now, u.ID, 102); !errors.Is(err, twofactor.ErrVoid) {
			t.Errorf("err = %v, want ErrVoid", err)
		}
		if got := lastStep(t); got != 101 {
			t.Errorf("last step %d, want 101 (unchanged)", got)
		}
	})
}
