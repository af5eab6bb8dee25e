package verification_test

import (
	"errors"
	"testing"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/verification"
)

// A pending change stored before the codes were keyed with the data key
// (salted HMAC, no "keyed" mark) is void: its code is answered as expired,
// never checked, and the change is deleted so a new request starts clean.
func TestChangeFromBeforeKeyedHashesIsVoid(t *testing.T) {
	f := newFixture(t)
	u := f.mustUser(t)
	code := f.mustPhoneCode(t, u, "+34600111222")
	store := f.svc.Store
	c, err := store.GetChange(t.Context(), u.ID, verification.KindPhone)
	if err != nil {
		t.Fatal(err)
	}
	c.Keyed = false // as an item written by the previous version reads
	if err := store.PutChange(t.Context(), c); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.ConfirmPhoneChange(t.Context(), u, code)
	wantErr(t, err, verification.ErrCodeExpired, account.CodeCodeExpired)
	if _, err := store.GetChange(t.Context(), u.ID, verification.KindPhone); !errors.Is(err, verification.ErrNoPending) {
		t.Errorf("the void change is still there: %v", err)
	}
}

// A code stored under one server key does not confirm under another: the
// hash is useless without the key.
func TestCodeNeedsTheServerKey(t *testing.T) {
	f := newFixture(t)
	u := f.mustUser(t)
	code := f.mustPhoneCode(t, u, "+34600111223")
	other := *f.svc
	other.Codes = testCodes("x")
	_, err := other.ConfirmPhoneChange(t.Context(), u, code)
	wantErr(t, err, verification.ErrCodeInvalid, account.CodeCodeInvalid)
	if _, err := f.svc.ConfirmPhoneChange(t.Context(), u, code); err != nil {
		t.Fatalf("the right key refused the code: %v", err)
	}
}
