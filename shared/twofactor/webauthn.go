package twofactor

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/request"
	"github.com/example/myprofile/shared/sessions"
)

// Passkeys (WebAuthn) with go-webauthn. The ceremonies' session data is
// stored in DynamoDB with a TTL (Lambdas share no memory): the
// registration under the user, the sign-in assertion on the challenge.
// A sign-in must move the credential's sign counter forward (a conditional
// write), so a cloned authenticator or a replayed assertion is refused.

// CeremonyTTL is how long a registration ceremony waits for its finish.
const CeremonyTTL = 5 * time.Minute

// NewWebAuthn configures the relying party.
func NewWebAuthn(rpID, displayName string, origins []string) (*webauthn.WebAuthn, error) {
	w, err := webauthn.New(&webauthn.Config{RPID: rpID, RPDisplayName: displayName, RPOrigins: origins})
	if err != nil {
		return nil, fmt.Errorf("webauthn config: %w", err)
	}
	return w, nil
}

// waUser adapts the user record and their passkeys to go-webauthn.
type waUser struct {
	u     account.User
	creds []webauthn.Credential
}

func (w waUser) WebAuthnID() []byte                         { return []byte(w.u.ID) }
func (w waUser) WebAuthnName() string                       { return w.u.Email }
func (w waUser) WebAuthnDisplayName() string                { return w.u.DisplayName }
func (w waUser) WebAuthnCredentials() []webauthn.Credential { return w.creds }

func (s *Service) waUser(ctx context.Context, u account.User) (waUser, []Passkey, error) {
	keys, err := s.Store.ListPasskeys(ctx, u.ID)
	if err != nil {
		return waUser{}, nil, err
	}
	w := waUser{u: u}
	for _, k := range keys {
		var c webauthn.Credential
		if err := json.Unmarshal([]byte(k.Credential), &c); err != nil {
			return waUser{}, nil, fmt.Errorf("passkey %s: %w", k.ID, err)
		}
		w.creds = append(w.creds, c)
	}
	return w, keys, nil
}

// BeginPasskeyRegistration starts registering a passkey: the creation
// options for navigator.credentials.create(), the user's passkeys
// excluded. The ceremony waits CeremonyTTL for FinishPasskeyRegistration.
func (s *Service) BeginPasskeyRegistration(ctx context.Context, u account.User, password string) (*protocol.CredentialCreation, error) {
	if err := s.Reauth.Check(ctx, u, password, "password"); err != nil {
		return nil, err
	}
	wu, _, err := s.waUser(ctx, u)
	if err != nil {
		return nil, account.Internal(err)
	}
	var exclude []protocol.CredentialDescriptor
	for _, c := range wu.creds {
		exclude = append(exclude, c.Descriptor())
	}
	// Discoverable (resident) credentials preferred, so the passkey also
	// signs in without a password; credProps tells whether it is one.
	creation, sess, err := s.WebAuthn.BeginRegistration(wu, webauthn.WithExclusions(exclude),
		webauthn.WithResidentKeyRequirement(protocol.ResidentKeyRequirementPreferred),
		webauthn.WithExtensions(webauthn.WithExtensionCredProps()))
	if err != nil {
		return nil, account.Internal(fmt.Errorf("webauthn begin registration: %w", err))
	}
	data, err := json.Marshal(sess)
	if err != nil {
		return nil, account.Internal(err)
	}
	if err := s.Store.PutWebAuthnRegistration(ctx, u.ID, string(data), s.Now().UTC().Add(CeremonyTTL)); err != nil {
		return nil, account.Internal(err)
	}
	return creation, nil
}

// FinishPasskeyRegistration verifies the authenticator's response
// (credential, the PublicKeyCredential JSON) to the pending ceremony and
// stores the passkey under name. It returns the passkey and the backup
// codes that come with it (the first factor, or none left), else nil.
// A response that does not verify is ErrCodeInvalid; code_expired when no
// ceremony is pending.
func (s *Service) FinishPasskeyRegistration(ctx context.Context, p sessions.Principal, name string, credential []byte, revokeOthers bool) (Passkey, []string, error) {
	name = strings.TrimSpace(name)
	var v account.Validation
	if name == "" || utf8.RuneCountInString(name) > 64 {
		v.Add("name", "must be 1 to 64 characters")
	}
	if len(credential) == 0 {
		v.Add("credential", "must be the PublicKeyCredential from navigator.credentials.create()")
	}
	if err := v.Err(); err != nil {
		return Passkey{}, nil, err
	}
	now := s.Now().UTC()
	data, err := s.Store.TakeWebAuthnRegistration(ctx, p.User.ID, now)
	if errors.Is(err, account.ErrNotFound) {
		return Passkey{}, nil, account.Errorf(account.CodeCodeExpired, "There is no passkey registration in progress, or it expired; start again.")
	}
	if err != nil {
		return Passkey{}, nil, account.Internal(err)
	}
	var sess webauthn.SessionData
	if err := json.Unmarshal([]byte(data), &sess); err != nil {
		return Passkey{}, nil, account.Internal(err)
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(credential)
	if err != nil {
		return Passkey{}, nil, account.Invalid("credential", "is not a valid WebAuthn registration response")
	}
	wu, _, err := s.waUser(ctx, p.User)
	if err != nil {
		return Passkey{}, nil, account.Internal(err)
	}
	cred, err := s.WebAuthn.CreateCredential(wu, sess, parsed)
	if err != nil {
		s.Log.InfoContext(ctx, "passkey registration refused", "userId", p.User.ID, "error", err)
		return Passkey{}, nil, refusal(ErrCodeInvalid, account.Errorf(account.CodeCodeInvalid, "The passkey response did not verify; start again."))
	}
	raw, err := json.Marshal(cred)
	if err != nil {
		return Passkey{}, nil, account.Internal(err)
	}
	key := Passkey{ID: base64.RawURLEncoding.EncodeToString(cred.ID), Name: name, CreatedAt: now, Credential: string(raw), SignCount: cred.Authenticator.SignCount,
		Discoverable: cred.Extensions.RK != nil && *cred.Extensions.RK}
	var codes []string
	u, err := s.update(ctx, p.User, func(u account.User) (Change, error) {
		c := Change{User: withMethod(u, MethodWebAuthn, true, now), ExpectVersion: u.Version, PutPasskey: &key}
		var err error
		if codes, c.ReplaceBackupCodes, err = s.backupCodesWith(ctx, u, nil); err != nil {
			return Change{}, err
		}
		return c, nil
	})
	if err != nil {
		return Passkey{}, nil, err
	}
	if err := s.afterChange(ctx, p, u, noticeEnabled, MethodWebAuthn, revokeOthers); err != nil {
		return Passkey{}, nil, err
	}
	return key, codes, nil
}

// DeletePasskey removes one of the user's passkeys; 404 not_found when
// there is no such passkey. Removing the last passkey turns the factor
// off, and removing the last factor turns 2FA off. It needs the password
// and a current second factor f (stepup.go).
func (s *Service) DeletePasskey(ctx context.Context, p sessions.Principal, id, password string, f account.StepUp, revokeOthers bool) error {
	if err := s.stepUp(ctx, p.User, password, f); err != nil {
		return err
	}
	now := s.Now().UTC()
	u, err := s.update(ctx, p.User, func(u account.User) (Change, error) {
		// Listed on every attempt: when two deletions race, the one that
		// retries sees the other's result and turns the factor off if it
		// removes the last passkey (the version condition orders them).
		keys, err := s.Store.ListPasskeys(ctx, u.ID)
		if err != nil {
			return Change{}, err
		}
		if !slices.ContainsFunc(keys, func(k Passkey) bool { return k.ID == id }) {
			return Change{}, account.Errorf(account.CodeNotFound, "No such passkey.")
		}
		nu := u
		nu.Version++
		nu.UpdatedAt = now
		if len(keys) == 1 { // the last passkey: the factor goes
			nu = withMethod(u, MethodWebAuthn, false, now)
		}
		return Change{User: nu, ExpectVersion: u.Version, DeletePasskeyID: id, DeleteBackupCodes: !nu.TwoFactor.Enabled}, nil
	})
	if err != nil {
		return err
	}
	return s.afterChange(ctx, p, u, noticeDisabled, MethodWebAuthn, revokeOthers)
}

// BeginPasskeyLogin starts the passkey assertion of a sign-in challenge
// made for the client src: the request options for
// navigator.credentials.get(). It counts no attempt. ErrRefused when the
// challenge is not live, bound elsewhere, or the user has no passkey.
func (s *Service) BeginPasskeyLogin(ctx context.Context, src request.Source, challengeID string) (*protocol.CredentialAssertion, error) {
	now := s.Now().UTC()
	c, err := s.liveChallenge(ctx, src, challengeID, MethodWebAuthn, now)
	if err != nil {
		return nil, err
	}
	u, err := s.Users.GetUser(ctx, c.UserID)
	if err != nil {
		return nil, account.Internal(err)
	}
	wu, _, err := s.waUser(ctx, u)
	if err != nil {
		return nil, account.Internal(err)
	}
	if len(wu.creds) == 0 {
		return nil, errMFA()
	}
	assertion, sess, err := s.WebAuthn.BeginLogin(wu)
	if err != nil {
		return nil, account.Internal(fmt.Errorf("webauthn begin login: %w", err))
	}
	data, err := json.Marshal(sess)
	if err != nil {
		return nil, account.Internal(err)
	}
	if err := s.Store.SetChallengeWebAuthn(ctx, c.ID, string(data), now); errors.Is(err, ErrVoid) {
		return nil, errMFA()
	} else if err != nil {
		return nil, account.Internal(err)
	}
	return assertion, nil
}

// FinishPasskeyLogin answers a sign-in challenge with a passkey assertion
// (credential, the PublicKeyCredential JSON) and returns the id of the
// user to sign in. The attempt is counted first, as VerifyCode does; every
// refusal is ErrRefused.
func (s *Service) FinishPasskeyLogin(ctx context.Context, src request.Source, challengeID string, credential []byte) (_ string, err error) {
	var v account.Validation
	if !validChallengeID(challengeID) {
		v.Add("challengeId", "must be the challengeId returned by POST /v1/auth/login")
	}
	if len(credential) == 0 {
		v.Add("credential", "must be the PublicKeyCredential from navigator.credentials.get()")
	}
	if err := v.Err(); err != nil {
		return "", err
	}
	now := s.Now().UTC()
	c, u, struck, done, err := s.attempt(ctx, src, challengeID, MethodWebAuthn, now)
	if err != nil {
		return "", err
	}
	settled := false
	defer func() {
		if !settled {
			done(err)
		}
	}()
	if c.WebAuthnSession == "" {
		return "", s.refuse(ctx, u.ID, "no webauthn ceremony begun")
	}
	if !hasMethod(u, MethodWebAuthn) {
		return "", s.refuse(ctx, u.ID, "webauthn no longer enabled")
	}
	var sess webauthn.SessionData
	if err := json.Unmarshal([]byte(c.WebAuthnSession), &sess); err != nil {
		return "", account.Internal(err)
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(credential)
	if err != nil {
		return "", s.refuse(ctx, u.ID, "unparsable assertion")
	}
	wu, keys, err := s.waUser(ctx, u)
	if err != nil {
		return "", account.Internal(err)
	}
	cred, err := s.WebAuthn.ValidateLogin(wu, sess, parsed)
	if err != nil {
		return "", s.refuse(ctx, u.ID, "assertion did not verify: "+err.Error())
	}
	if cred.Authenticator.CloneWarning {
		return "", s.refuse(ctx, u.ID, "sign counter did not advance")
	}
	id := base64.RawURLEncoding.EncodeToString(cred.ID)
	i := slices.IndexFunc(keys, func(k Passkey) bool { return k.ID == id })
	if i < 0 {
		return "", s.refuse(ctx, u.ID, "passkey gone")
	}
	raw, err := json.Marshal(cred)
	if err != nil {
		return "", account.Internal(err)
	}
	k := keys[i]
	k.Credential, k.SignCount = string(raw), cred.Authenticator.SignCount
	err = s.Store.UsePasskey(ctx, u.ID, k, now)
	if errors.Is(err, ErrReplay) || errors.Is(err, account.ErrNotFound) {
		return "", s.refuse(ctx, u.ID, "sign counter did not advance (concurrent use)")
	}
	if err != nil {
		return "", account.Internal(err)
	}
	settled = true
	if err := s.redeem(ctx, c, u, struck, func() error { return s.Store.RedeemChallenge(ctx, c.ID, now, "") }); err != nil {
		return "", err
	}
	s.Log.InfoContext(ctx, "second factor accepted", "userId", u.ID, "method", MethodWebAuthn)
	return u.ID, nil
}
