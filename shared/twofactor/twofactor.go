package twofactor

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/audit"
	"github.com/example/myprofile/shared/metrics"
	"github.com/example/myprofile/shared/notify"
	"github.com/example/myprofile/shared/password"
	"github.com/example/myprofile/shared/phone"
	"github.com/example/myprofile/shared/ratelimit"
	"github.com/example/myprofile/shared/reauth"
	"github.com/example/myprofile/shared/sessions"
)

// Factor names as they appear in account.TwoFactor.Methods and in a
// sign-in challenge's methods. Backup codes are not a factor of their own:
// they come with the first factor and are offered at sign-in while any remain.
const (
	MethodTOTP       = "totp"
	MethodSMS        = "sms"
	MethodBackupCode = "backup_code"
	MethodWebAuthn   = "webauthn"
)

// Limits of the sign-in challenge and of codes (API.md).
const (
	ChallengeTTL         = 5 * time.Minute
	ChallengeMaxAttempts = 5
	SMSCodeTTL           = 5 * time.Minute
	// SMSMaxSends bounds the SMS one challenge may trigger.
	SMSMaxSends = 3
	// PendingTOTPTTL is how long an unconfirmed authenticator secret waits.
	PendingTOTPTTL = 15 * time.Minute
	// MaxLock caps the escalating lock of a user's second factors: the
	// first lock lasts the limiter's window (LOGIN_WINDOW), each next one
	// twice the last, up to this.
	MaxLock = 24 * time.Hour
)

// Errors of the store.
var (
	// ErrReplay: the TOTP time step is not later than the last accepted one.
	ErrReplay = errors.New("mfa: totp step already used")
	// ErrVoid: the challenge is unknown, expired, used up or already redeemed.
	ErrVoid = errors.New("mfa: challenge not valid")
	// ErrPasskeyTaken: the credential id is registered already (to this or
	// another account).
	ErrPasskeyTaken = errors.New("mfa: passkey credential id registered already")
)

// TOTP is the stored authenticator of a user.
type TOTP struct {
	// SecretEnc is the base32 secret sealed with AES-256-GCM (see Sealer).
	SecretEnc string
	// LastStep is the last accepted RFC 6238 time step (unix/30).
	LastStep  int64
	CreatedAt time.Time
}

// PendingTOTP is a secret waiting for its first code.
type PendingTOTP struct {
	SecretEnc string
	ExpiresAt time.Time
}

// BackupCode is one stored backup code: its public id (the code's first
// characters, the item's key) and the argon2id hash of the whole code.
type BackupCode struct {
	ID   string
	Hash string
}

// Challenge is a pending second step of one sign-in.
type Challenge struct {
	ID        string
	UserID    string
	IP        string
	UserAgent string
	Methods   []string
	Attempts  int
	ExpiresAt time.Time
	Used      bool
	// SMS code of this challenge, HMAC'd (see Service.smsHash).
	SMSHash      string
	SMSExpiresAt time.Time
	SMSSends     int
	// WebAuthnSession is the assertion ceremony's session data (JSON).
	WebAuthnSession string
}

// Passkey is one registered WebAuthn credential.
type Passkey struct {
	ID         string // base64url of the credential id
	Name       string
	CreatedAt  time.Time
	LastUsedAt *time.Time
	// Credential is the go-webauthn credential record (JSON).
	Credential string
	SignCount  uint32
	// Discoverable: a client-side discoverable credential (the
	// authenticator reported credProps rk), usable for passwordless sign-in.
	Discoverable bool
}

// Change is a factor change written atomically with the user record.
type Change struct {
	User          account.User // the new record; User.Version == ExpectVersion+1
	ExpectVersion int64
	PutTOTP       *TOTP // create the authenticator (fails if one exists)
	DeleteTOTP    bool
	// DeletePendingTOTP removes the unconfirmed secret.
	DeletePendingTOTP bool
	// ReplaceBackupCodes, when non-nil, deletes every stored backup code and
	// stores these instead.
	ReplaceBackupCodes []BackupCode
	// DeleteBackupCodes deletes every stored backup code.
	DeleteBackupCodes bool
	// PutPasskey stores a new passkey and claims its credential id across
	// all accounts (ErrPasskeyTaken if it is claimed).
	PutPasskey *Passkey
	// DeletePasskeyID removes a passkey.
	DeletePasskeyID string
}

// Lock is the escalating lock of a user's second factors: each window of
// the per-user limit that wrong second factors exhaust is a strike, and
// locks the factors for twice as long as the last one (see lockFor).
type Lock struct {
	// Strikes counts the windows exhausted since the last successful
	// sign-in (0: no lock item).
	Strikes int
	// Window is the start of the limiter window of the last strike: one
	// window is struck at most once.
	Window time.Time
	// Until: no second factor is checked before this time.
	Until time.Time
}

// Store is the storage 2FA needs.
type Store interface {
	// ApplyChange writes c in one transaction. account.ErrConflict if the
	// user record changed since it was read (or PutTOTP found one already).
	ApplyChange(ctx context.Context, c Change) error
	// PutPendingTOTP stores (replaces) the user's unconfirmed secret.
	PutPendingTOTP(ctx context.Context, userID string, p PendingTOTP) error
	// GetPendingTOTP returns it; account.ErrNotFound if none (or expired by TTL).
	GetPendingTOTP(ctx context.Context, userID string) (PendingTOTP, error)
	// GetTOTP returns the user's authenticator; account.ErrNotFound if none.
	GetTOTP(ctx context.Context, userID string) (TOTP, error)
	// AdvanceTOTPStep sets LastStep to step if the stored one is earlier
	// (one conditional write: of concurrent callers with one step, exactly
	// one wins). ErrReplay otherwise; account.ErrNotFound if no authenticator.
	AdvanceTOTPStep(ctx context.Context, userID string, step int64) error
	// GetBackupCode returns one backup code by id; account.ErrNotFound if none.
	GetBackupCode(ctx context.Context, userID, id string) (BackupCode, error)
	// ConsumeBackupCode deletes the code if it still has this hash;
	// account.ErrNotFound if another request consumed it first.
	ConsumeBackupCode(ctx context.Context, userID string, c BackupCode) error
	// CountBackupCodes returns how many backup codes remain.
	CountBackupCodes(ctx context.Context, userID string) (int, error)
	// PutWebAuthnRegistration stores (replaces) the user's pending
	// registration ceremony (session data JSON) until expires.
	PutWebAuthnRegistration(ctx context.Context, userID, data string, expires time.Time) error
	// TakeWebAuthnRegistration deletes and returns it (single use);
	// account.ErrNotFound if there is none or it expired at now.
	TakeWebAuthnRegistration(ctx context.Context, userID string, now time.Time) (string, error)
	// PutStepUp stores the user's step-up item id (a passkey ceremony's
	// session data, an SMS step-up code's HMAC) until expires, replacing
	// one with the same id.
	PutStepUp(ctx context.Context, userID, id, data string, expires time.Time) error
	// TakeStepUp deletes the user's step-up item id and returns its data
	// if it has not expired at now and, when match is not "", its data is
	// match: one conditional delete, so it works once even under
	// concurrent requests. account.ErrNotFound otherwise.
	TakeStepUp(ctx context.Context, userID, id string, now time.Time, match string) (string, error)
	// ListPasskeys returns the user's passkeys.
	ListPasskeys(ctx context.Context, userID string) ([]Passkey, error)
	// UsePasskey records a sign-in with the passkey: the new credential
	// record, sign counter and time, if the stored counter is lower (or both
	// are zero: authenticators without a counter). ErrReplay otherwise;
	// account.ErrNotFound if the passkey is gone.
	UsePasskey(ctx context.Context, userID string, p Passkey, at time.Time) error
	// SetChallengeWebAuthn stores the assertion session data on a live
	// challenge; ErrVoid if it is not live.
	SetChallengeWebAuthn(ctx context.Context, id, data string, now time.Time) error
	// PutChallenge stores a new sign-in challenge.
	PutChallenge(ctx context.Context, c Challenge) error
	// GetChallenge reads a challenge (as stored, live or not);
	// account.ErrNotFound if none.
	GetChallenge(ctx context.Context, id string) (Challenge, error)
	// AttemptChallenge counts one attempt on a live challenge and returns it
	// as it is after the count: the attempt is counted before any check.
	// ErrVoid if it is unknown, used, expired at now, or has max attempts.
	AttemptChallenge(ctx context.Context, id string, now time.Time, max int) (Challenge, error)
	// SetChallengeSMS stores the hash of a new SMS code on a live challenge
	// and counts the send; ErrVoid if the challenge is not live or has had
	// maxSends codes already.
	SetChallengeSMS(ctx context.Context, id, hash string, expires, now time.Time, maxSends int) error
	// RedeemChallenge marks a live challenge used; ErrVoid if it was used or
	// is not live. smsHash, if not empty, must equal the stored SMS hash
	// (and the SMS code must not have expired).
	RedeemChallenge(ctx context.Context, id string, now time.Time, smsHash string) error
	// RedeemChallengeTOTP redeems the challenge (no SMS code) and advances
	// the user's TOTP step in one transaction, both or neither: ErrVoid as
	// RedeemChallenge, ErrReplay or account.ErrNotFound as AdvanceTOTPStep.
	RedeemChallengeTOTP(ctx context.Context, id string, now time.Time, userID string, step int64) error
	// GetLock returns the user's second-factor lock; the zero Lock if none.
	GetLock(ctx context.Context, userID string) (Lock, error)
	// PutLock stores l if the stored lock still has prevStrikes strikes
	// (none stored for 0); account.ErrConflict otherwise. Of concurrent
	// strikes of one lock, one wins.
	PutLock(ctx context.Context, userID string, l Lock, prevStrikes int) error
	// DeleteLock removes the user's lock (none is fine).
	DeleteLock(ctx context.Context, userID string) error
}

// UserStore writes the user record (the 2FA summary on it).
type UserStore interface {
	// GetUser reads a user; account.ErrNotFound if absent.
	GetUser(ctx context.Context, userID string) (account.User, error)
}

// Service serves the 2FA routes and the sign-in second step.
type Service struct {
	Store    Store
	Users    UserStore
	Sessions *sessions.Service
	Reauth   reauth.Checker
	// Hasher hashes backup codes (argon2id).
	Hasher *password.Hasher
	Mailer notify.Mailer
	Texter notify.Texter
	Sealer Sealer
	// Failures counts wrong second factors per user across challenges.
	// Each window it runs out in locks the factors (Lock), for
	// Failures.Window the first time and twice as long each next time.
	Failures ratelimit.Limiter
	// SMS admits sign-in text messages (mobile numbers only, limits per
	// client IP, account, number and a daily budget, shared with the phone
	// change), against SMS toll fraud.
	SMS    phone.SMSGuard
	Issuer string // TOTP issuer (the product name)
	// WebAuthn is the relying party of passkeys (NewWebAuthn).
	WebAuthn *webauthn.WebAuthn
	Now      func() time.Time
	Log      *slog.Logger
	// Audit records factor changes (optional).
	Audit audit.Sink
	// Metrics counts enrolments, codes sent and refused second factors (optional).
	Metrics metrics.Counter
	// PasskeyLogins stores passwordless sign-in ceremonies (nil: no
	// passwordless sign-in).
	PasskeyLogins PasskeyLoginStore
}

func hasMethod(u account.User, m string) bool {
	for _, x := range u.TwoFactor.Methods {
		if x == m {
			return true
		}
	}
	return false
}

// withMethod returns the record with m added (true) or removed (false),
// the summary kept consistent: enabled iff any factor remains.
func withMethod(u account.User, m string, on bool, now time.Time) account.User {
	var ms []string
	for _, x := range u.TwoFactor.Methods {
		if x != m {
			ms = append(ms, x)
		}
	}
	if on {
		ms = append(ms, m)
	}
	if ms == nil {
		ms = []string{}
	}
	u.TwoFactor = account.TwoFactor{Enabled: len(ms) > 0, Methods: ms}
	u.Version++
	u.UpdatedAt = now
	return u
}
