package twofactor

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/httpapi"
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

// PasskeyJSON is the API shape of a passkey.
type PasskeyJSON struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	CreatedAt  time.Time  `json:"createdAt"`
	LastUsedAt *time.Time `json:"lastUsedAt"`
}

func passkeyJSON(k Passkey) PasskeyJSON {
	return PasskeyJSON{ID: k.ID, Name: k.Name, CreatedAt: k.CreatedAt.UTC(), LastUsedAt: k.LastUsedAt}
}

func (s *Service) registerBegin(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p, _, err := s.reauth(r)
	if err != nil {
		return err
	}
	wu, _, err := s.waUser(ctx, p.User)
	if err != nil {
		return account.Internal(err)
	}
	var exclude []protocol.CredentialDescriptor
	for _, c := range wu.creds {
		exclude = append(exclude, c.Descriptor())
	}
	creation, sess, err := s.WebAuthn.BeginRegistration(wu, webauthn.WithExclusions(exclude))
	if err != nil {
		return account.Internal(fmt.Errorf("webauthn begin registration: %w", err))
	}
	data, err := json.Marshal(sess)
	if err != nil {
		return account.Internal(err)
	}
	if err := s.Store.PutWebAuthnRegistration(ctx, p.User.ID, string(data), s.Now().UTC().Add(CeremonyTTL)); err != nil {
		return account.Internal(err)
	}
	httpapi.WriteJSON(w, http.StatusOK, creation)
	return nil
}

type registerFinishRequest struct {
	Name                string          `json:"name"`
	Credential          json.RawMessage `json:"credential"`
	RevokeOtherSessions bool            `json:"revokeOtherSessions"`
}

func (s *Service) registerFinish(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p, _ := sessions.FromContext(ctx)
	var req registerFinishRequest
	if err := httpapi.Decode(r, &req); err != nil {
		return err
	}
	name := strings.TrimSpace(req.Name)
	var v account.Validation
	if name == "" || utf8.RuneCountInString(name) > 64 {
		v.Add("name", "must be 1 to 64 characters")
	}
	if len(req.Credential) == 0 {
		v.Add("credential", "must be the PublicKeyCredential from navigator.credentials.create()")
	}
	if err := v.Err(); err != nil {
		return err
	}
	now := s.Now().UTC()
	data, err := s.Store.TakeWebAuthnRegistration(ctx, p.User.ID, now)
	if errors.Is(err, account.ErrNotFound) {
		return account.Errorf(account.CodeCodeExpired, "There is no passkey registration in progress, or it expired; start again.")
	}
	if err != nil {
		return account.Internal(err)
	}
	var sess webauthn.SessionData
	if err := json.Unmarshal([]byte(data), &sess); err != nil {
		return account.Internal(err)
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(req.Credential)
	if err != nil {
		return account.Invalid("credential", "is not a valid WebAuthn registration response")
	}
	wu, _, err := s.waUser(ctx, p.User)
	if err != nil {
		return account.Internal(err)
	}
	cred, err := s.WebAuthn.CreateCredential(wu, sess, parsed)
	if err != nil {
		s.Log.InfoContext(ctx, "passkey registration refused", "userId", p.User.ID, "error", err)
		return account.Errorf(account.CodeCodeInvalid, "The passkey response did not verify; start again.")
	}
	raw, err := json.Marshal(cred)
	if err != nil {
		return account.Internal(err)
	}
	key := Passkey{ID: base64.RawURLEncoding.EncodeToString(cred.ID), Name: name, CreatedAt: now, Credential: string(raw), SignCount: cred.Authenticator.SignCount}
	var codes []string
	u, err := s.update(ctx, p.User, func(u account.User) (Change, error) {
		c := Change{User: withMethod(u, MethodWebAuthn, true, now), ExpectVersion: u.Version, PutPasskey: &key}
		n, err := s.Store.CountBackupCodes(ctx, u.ID)
		if err != nil {
			return Change{}, err
		}
		codes = nil
		if !u.TwoFactor.Enabled || n == 0 {
			if codes, err = newBackupCodes(); err != nil {
				return Change{}, err
			}
			if c.ReplaceBackupCodes, err = s.hashBackupCodes(codes); err != nil {
				return Change{}, err
			}
		}
		return c, nil
	})
	if err != nil {
		return err
	}
	if err := s.afterChange(r, u, noticeEnabled, MethodWebAuthn, req.RevokeOtherSessions); err != nil {
		return err
	}
	body := map[string]any{"id": key.ID, "name": key.Name, "createdAt": key.CreatedAt, "lastUsedAt": nil}
	if codes != nil {
		body["backupCodes"] = codes
	}
	httpapi.WriteJSON(w, http.StatusCreated, body)
	return nil
}

func (s *Service) deletePasskey(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := r.PathValue("id")
	p, req, err := s.reauth(r)
	if err != nil {
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
	if err := s.afterChange(r, u, noticeDisabled, MethodWebAuthn, req.RevokeOtherSessions); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Service) loginWebAuthnBegin(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	now := s.Now().UTC()
	c, err := s.liveChallenge(r, MethodWebAuthn, now)
	if err != nil {
		return err
	}
	u, err := s.Users.GetUser(ctx, c.UserID)
	if err != nil {
		return account.Internal(err)
	}
	wu, _, err := s.waUser(ctx, u)
	if err != nil {
		return account.Internal(err)
	}
	if len(wu.creds) == 0 {
		return errMFA()
	}
	assertion, sess, err := s.WebAuthn.BeginLogin(wu)
	if err != nil {
		return account.Internal(fmt.Errorf("webauthn begin login: %w", err))
	}
	data, err := json.Marshal(sess)
	if err != nil {
		return account.Internal(err)
	}
	if err := s.Store.SetChallengeWebAuthn(ctx, c.ID, string(data), now); errors.Is(err, ErrVoid) {
		return errMFA()
	} else if err != nil {
		return account.Internal(err)
	}
	httpapi.WriteJSON(w, http.StatusOK, assertion)
	return nil
}

type webauthnFinishRequest struct {
	ChallengeID string          `json:"challengeId"`
	Credential  json.RawMessage `json:"credential"`
}

func (s *Service) loginWebAuthnFinish(w http.ResponseWriter, r *http.Request, issue IssueFunc) (err error) {
	ctx := r.Context()
	var req webauthnFinishRequest
	if err := httpapi.Decode(r, &req); err != nil {
		return err
	}
	var v account.Validation
	if !validChallengeID(req.ChallengeID) {
		v.Add("challengeId", "must be the challengeId returned by POST /v1/auth/login")
	}
	if len(req.Credential) == 0 {
		v.Add("credential", "must be the PublicKeyCredential from navigator.credentials.get()")
	}
	if err := v.Err(); err != nil {
		return err
	}
	now := s.Now().UTC()
	c, u, done, err := s.attempt(r, req.ChallengeID, MethodWebAuthn, now)
	if err != nil {
		return err
	}
	defer func() { done(err) }()
	if c.WebAuthnSession == "" {
		return s.refuse(ctx, u.ID, "no webauthn ceremony begun")
	}
	if !hasMethod(u, MethodWebAuthn) {
		return s.refuse(ctx, u.ID, "webauthn no longer enabled")
	}
	var sess webauthn.SessionData
	if err := json.Unmarshal([]byte(c.WebAuthnSession), &sess); err != nil {
		return account.Internal(err)
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(req.Credential)
	if err != nil {
		return s.refuse(ctx, u.ID, "unparsable assertion")
	}
	wu, keys, err := s.waUser(ctx, u)
	if err != nil {
		return account.Internal(err)
	}
	cred, err := s.WebAuthn.ValidateLogin(wu, sess, parsed)
	if err != nil {
		return s.refuse(ctx, u.ID, "assertion did not verify: "+err.Error())
	}
	if cred.Authenticator.CloneWarning {
		return s.refuse(ctx, u.ID, "sign counter did not advance")
	}
	id := base64.RawURLEncoding.EncodeToString(cred.ID)
	i := slices.IndexFunc(keys, func(k Passkey) bool { return k.ID == id })
	if i < 0 {
		return s.refuse(ctx, u.ID, "passkey gone")
	}
	raw, err := json.Marshal(cred)
	if err != nil {
		return account.Internal(err)
	}
	k := keys[i]
	k.Credential, k.SignCount = string(raw), cred.Authenticator.SignCount
	err = s.Store.UsePasskey(ctx, u.ID, k, now)
	if errors.Is(err, ErrReplay) || errors.Is(err, account.ErrNotFound) {
		return s.refuse(ctx, u.ID, "sign counter did not advance (concurrent use)")
	}
	if err != nil {
		return account.Internal(err)
	}
	err = s.Store.RedeemChallenge(ctx, c.ID, now, "")
	if errors.Is(err, ErrVoid) {
		return s.refuse(ctx, u.ID, "challenge redeemed already")
	}
	if err != nil {
		return account.Internal(err)
	}
	s.Log.InfoContext(ctx, "second factor accepted", "userId", u.ID, "method", MethodWebAuthn)
	return issue(w, r, u.ID)
}
