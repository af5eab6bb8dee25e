package seal_test

import (
	"context"
	"encoding/base64"
	"errors"
	"testing"

	"github.com/example/myprofile/shared/datakey/seal"
)

type static []byte

func (k static) DataKey(context.Context) ([]byte, error) { return k, nil }

type failing struct{}

var errDown = errors.New("secrets manager down")

func (failing) DataKey(context.Context) ([]byte, error) { return nil, errDown }

// fixedKey is bytes 0..31, the key the vectors below were sealed under.
func fixedKey() static {
	k := make(static, 32)
	for i := range k {
		k[i] = byte(i)
	}
	return k
}

func TestSealer(t *testing.T) {
	ctx := context.Background()
	s := seal.Sealer{Keys: fixedKey()}
	tamper := func(t *testing.T, v string) string {
		t.Helper()
		raw, err := base64.StdEncoding.DecodeString(v)
		if err != nil {
			t.Fatal(err)
		}
		raw[len(raw)-1] ^= 1
		return base64.StdEncoding.EncodeToString(raw)
	}
	fresh := func(t *testing.T, binding, pt string) string {
		t.Helper()
		v, err := s.Seal(ctx, binding, pt)
		if err != nil {
			t.Fatalf("seal: %v", err)
		}
		return v
	}

	cases := []struct {
		name    string
		s       seal.Sealer
		binding string
		sealed  func(t *testing.T) string
		want    string
		wantErr error
	}{
		{name: "round trip", s: s, binding: "user-1", sealed: func(t *testing.T) string { return fresh(t, "user-1", "JBSWY3DPEHPK3PXP") }, want: "JBSWY3DPEHPK3PXP"},
		{name: "empty plaintext round trip", s: s, binding: "b", sealed: func(t *testing.T) string { return fresh(t, "b", "") }, want: ""},
		{name: "wrong binding refused", s: s, binding: "user-2", sealed: func(t *testing.T) string { return fresh(t, "user-1", "x") }, wantErr: seal.ErrNotOpen},
		{name: "another key refused", s: seal.Sealer{Keys: make(static, 32)}, binding: "user-1", sealed: func(t *testing.T) string { return fresh(t, "user-1", "x") }, wantErr: seal.ErrNotOpen},
		{name: "tampered ciphertext refused", s: s, binding: "user-1", sealed: func(t *testing.T) string { return tamper(t, fresh(t, "user-1", "x")) }, wantErr: seal.ErrNotOpen},
		{name: "not base64 refused", s: s, binding: "user-1", sealed: func(*testing.T) string { return "not base64!" }, wantErr: seal.ErrMalformed},
		{name: "shorter than a nonce refused", s: s, binding: "user-1", sealed: func(*testing.T) string { return "AAAA" }, wantErr: seal.ErrMalformed},
		{name: "no key source", s: seal.Sealer{}, binding: "u", sealed: func(*testing.T) string { return "AAAA" }, wantErr: seal.ErrNoKey},
		{name: "short key", s: seal.Sealer{Keys: make(static, 16)}, binding: "u", sealed: func(*testing.T) string { return "AAAA" }, wantErr: seal.ErrNoKey},
		{name: "key read error wrapped", s: seal.Sealer{Keys: failing{}}, binding: "u", sealed: func(*testing.T) string { return "AAAA" }, wantErr: errDown},
		// Vectors sealed by the three sealers this package replaced
		// (twofactor.Sealer, sso's seal, connections.DataKeySealer) under
		// fixedKey, before the change: stored values must still open.
		{name: "old twofactor TOTP secret opens", s: s, binding: "user-1",
			sealed: func(*testing.T) string { return "OpOOR1o7gD60p/mT5//HckAcCz4df5xWlq7HvrTVP/Zpk08nzflxSJI5NLY=" }, want: "JBSWY3DPEHPK3PXP"},
		{name: "old sso client secret opens", s: s, binding: "sso-client-secret#org-1",
			sealed: func(*testing.T) string { return "Ix3IhRx4q8CGPsIBgZxWVRau2Rrx1lKqmAJxDsHVJZjxQ/ty8kxjsalOsx79OQ==" }, want: "oidc-client-secret"},
		{name: "old connection credentials open", s: s, binding: "connection:user-1:conn-1",
			sealed: func(*testing.T) string { return "/J002xf2F+KMVLnbYqMIFDytxpVuRuhFg0m0qcQ3pJbhdI5ythmdvf9qvUwkESbhCA==" }, want: `{"access_token":"at"}`},
		{name: "old sso client secret refused for another org", s: s, binding: "sso-client-secret#org-2",
			sealed: func(*testing.T) string { return "Ix3IhRx4q8CGPsIBgZxWVRau2Rrx1lKqmAJxDsHVJZjxQ/ty8kxjsalOsx79OQ==" }, wantErr: seal.ErrNotOpen},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.s.Open(ctx, tc.binding, tc.sealed(t))
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("Open err = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			if got != tc.want {
				t.Fatalf("Open = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestSealNoncesDiffer(t *testing.T) {
	ctx := context.Background()
	s := seal.Sealer{Keys: fixedKey()}
	a, err := s.Seal(ctx, "u", "same")
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Seal(ctx, "u", "same")
	if err != nil {
		t.Fatal(err)
	}
	if a == b {
		t.Fatalf("two seals of the same value are equal (%q): the nonce is not random", a)
	}
}

func TestSealWithoutKey(t *testing.T) {
	if _, err := (seal.Sealer{}).Seal(context.Background(), "u", "x"); !errors.Is(err, seal.ErrNoKey) {
		t.Fatalf("Seal without a key: %v, want ErrNoKey", err)
	}
}
