package twofactor

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/request"
)

// Passwordless sign-in with a discoverable passkey (WebAuthn Level 3
// "client-side discoverable credentials"): the browser offers the user's
// passkeys for this site, the assertion's user handle names the account.
// User verification is required, so the passkey is both factors (NIST
// SP 800-63B AAL2: a multi-factor cryptographic authenticator) and no
// second step follows.

// PasskeyLoginStore keeps passwordless sign-in ceremonies and reads what
// their finish needs.
type PasskeyLoginStore interface {
	// PutPasskeyLogin stores a ceremony's session data (JSON) under id
	// until expires.
	PutPasskeyLogin(ctx context.Context, id, data string, expires time.Time) error
	// TakePasskeyLogin deletes and returns it (single use);
	// account.ErrNotFound if there is none or it expired at now.
	TakePasskeyLogin(ctx context.Context, id string, now time.Time) (string, error)
	// GetPasskeyWithUser reads one passkey of the user and the user record
	// in one strongly consistent request; account.ErrNotFound if either is
	// missing.
	GetPasskeyWithUser(ctx context.Context, userID, passkeyID string) (Passkey, account.User, error)
}

// ErrPasskeyRefused: the passwordless assertion did not sign anyone in
// (unknown or expired ceremony, unknown passkey, bad signature, no user
// verification, counter not advanced). The answer is 401
// invalid_credentials; the log says which.
var ErrPasskeyRefused = errors.New("mfa: passkey sign-in refused")

// PasskeySignIn is the start of a passwordless sign-in: the ceremony's id
// and the request options for navigator.credentials.get().
type PasskeySignIn struct {
	ChallengeID string                                     `json:"challengeId"`
	PublicKey   protocol.PublicKeyCredentialRequestOptions `json:"publicKey"`
}

// BeginPasskeySignIn starts a passwordless sign-in: no allowed credentials
// (the authenticator offers its discoverable ones), user verification
// required. The ceremony waits CeremonyTTL for FinishPasskeySignIn.
func (s *Service) BeginPasskeySignIn(ctx context.Context) (PasskeySignIn, error) {
	if s.PasskeyLogins == nil {
		return PasskeySignIn{}, account.Internal(errors.New("passwordless sign-in not wired"))
	}
	assertion, sess, err := s.WebAuthn.BeginDiscoverableLogin(webauthn.WithUserVerification(protocol.VerificationRequired))
	if err != nil {
		return PasskeySignIn{}, account.Internal(fmt.Errorf("webauthn begin discoverable login: %w", err))
	}
	data, err := json.Marshal(sess)
	if err != nil {
		return PasskeySignIn{}, account.Internal(err)
	}
	id, err := randomHex(16)
	if err != nil {
		return PasskeySignIn{}, account.Internal(err)
	}
	if err := s.PasskeyLogins.PutPasskeyLogin(ctx, id, string(data), s.Now().UTC().Add(CeremonyTTL)); err != nil {
		return PasskeySignIn{}, account.Internal(err)
	}
	return PasskeySignIn{ChallengeID: id, PublicKey: assertion.Response}, nil
}

// FinishPasskeySignIn verifies a passwordless assertion (credential, the
// PublicKeyCredential JSON from navigator.credentials.get()) against the
// ceremony challengeID and returns the id of the user to sign in. The
// ceremony is used once. Every refusal is ErrPasskeyRefused.
func (s *Service) FinishPasskeySignIn(ctx context.Context, challengeID string, credential []byte) (string, error) {
	var v account.Validation
	if b, err := hex.DecodeString(challengeID); err != nil || len(b) != 16 {
		v.Add("challengeId", "must be the challengeId returned by POST /v1/auth/passkey/begin")
	}
	if len(credential) == 0 {
		v.Add("credential", "must be the PublicKeyCredential from navigator.credentials.get()")
	}
	if err := v.Err(); err != nil {
		return "", err
	}
	if s.PasskeyLogins == nil {
		return "", account.Internal(errors.New("passwordless sign-in not wired"))
	}
	now := s.Now().UTC()
	parsed, err := protocol.ParseCredentialRequestResponseBytes(credential)
	if err != nil {
		return "", s.refusePasskey(ctx, "", "unparsable assertion")
	}
	data, err := s.PasskeyLogins.TakePasskeyLogin(ctx, challengeID, now)
	if errors.Is(err, account.ErrNotFound) {
		return "", s.refusePasskey(ctx, "", "no such ceremony, used or expired")
	}
	if err != nil {
		return "", account.Internal(err)
	}
	var sess webauthn.SessionData
	if err := json.Unmarshal([]byte(data), &sess); err != nil {
		return "", account.Internal(err)
	}
	var (
		key    Passkey
		user   account.User
		lookup error
	)
	handler := func(rawID, userHandle []byte) (webauthn.User, error) {
		uid := string(userHandle)
		if !validUserID(uid) {
			lookup = ErrPasskeyRefused
			return nil, errors.New("malformed user handle")
		}
		key, user, lookup = s.PasskeyLogins.GetPasskeyWithUser(ctx, uid, base64.RawURLEncoding.EncodeToString(rawID))
		if lookup != nil {
			return nil, lookup
		}
		var c webauthn.Credential
		if err := json.Unmarshal([]byte(key.Credential), &c); err != nil {
			lookup = fmt.Errorf("passkey %s: %w", key.ID, err)
			return nil, lookup
		}
		return waUser{u: user, creds: []webauthn.Credential{c}}, nil
	}
	_, cred, err := s.WebAuthn.ValidatePasskeyLogin(handler, sess, parsed)
	if lookup != nil && !errors.Is(lookup, account.ErrNotFound) && !errors.Is(lookup, ErrPasskeyRefused) {
		return "", account.Internal(lookup)
	}
	if err != nil {
		return "", s.refusePasskey(ctx, user.ID, "assertion did not verify: "+err.Error())
	}
	if cred.Authenticator.CloneWarning {
		return "", s.refusePasskey(ctx, user.ID, "sign counter did not advance")
	}
	if !hasMethod(user, MethodWebAuthn) {
		return "", s.refusePasskey(ctx, user.ID, "passkeys turned off")
	}
	raw, err := json.Marshal(cred)
	if err != nil {
		return "", account.Internal(err)
	}
	key.Credential, key.SignCount = string(raw), cred.Authenticator.SignCount
	err = s.Store.UsePasskey(ctx, user.ID, key, now)
	if errors.Is(err, ErrReplay) || errors.Is(err, account.ErrNotFound) {
		return "", s.refusePasskey(ctx, user.ID, "sign counter did not advance (concurrent use)")
	}
	if err != nil {
		return "", account.Internal(err)
	}
	request.SetUserID(ctx, user.ID)
	s.Log.InfoContext(ctx, "passkey sign-in accepted", "userId", user.ID)
	return user.ID, nil
}

// validUserID checks the shape of a user id taken from a user handle
// before it goes into a key.
func validUserID(uid string) bool {
	if len(uid) == 0 || len(uid) > 64 {
		return false
	}
	for _, r := range uid {
		if !(r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z') {
			return false
		}
	}
	return true
}

func (s *Service) refusePasskey(ctx context.Context, uid, why string) error {
	s.Log.InfoContext(ctx, "passkey sign-in refused", "userId", uid, "reason", why)
	return &account.Error{Code: account.CodeInvalidCreds, Detail: "The passkey was not accepted; start again.", Cause: ErrPasskeyRefused}
}
