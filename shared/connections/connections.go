// Package connections is the connected accounts capability: Zoom, Google and
// Microsoft over OAuth 2.0 + PKCE, iCloud calendars over CalDAV; sealed
// tokens, calendar lists, mail-sync state and its events, token refresh
// (see docs/connections.md).
package connections

import (
	"context"
	"time"

	"github.com/example/myprofile/shared/account"
)

// Providers.
const (
	Zoom      = "zoom"
	Google    = "google"
	Microsoft = "microsoft"
	ICloud    = "icloud"
)

// Purposes a connection is made for.
const (
	PurposeCalendar = "calendar"
	PurposeMail     = "mail"
	PurposeMeetings = "meetings"
)

// Statuses of a connection.
const (
	StatusActive         = "active"
	StatusNeedsReconnect = "needs_reconnect"
)

// StateTTL is how long a started OAuth flow can be completed.
const StateTTL = 10 * time.Minute

// Connection is one connected account of a user. Credentials stay sealed
// in Sealed: they are never logged nor returned.
type Connection struct {
	ID          string
	UserID      string
	Provider    string
	Account     string
	Scopes      []string
	Purposes    []string
	Status      string
	ConnectedAt time.Time
	MailSync    bool
	// MeetingURL is the Zoom user's personal meeting link.
	MeetingURL string
	// Calendars are the connection's calendars as last read.
	Calendars []Calendar
	// Sealed is the Credentials, sealed under the data key.
	Sealed string
	// Expiry is when the access token expires (zero: it does not).
	Expiry time.Time
	// NextRefresh puts the connection in the refresh index (zero: out).
	NextRefresh time.Time
	// NoticeSent: the reconnect mail went out for the current failure.
	NoticeSent bool
	Version    int64
}

// Credentials are what Sealed holds.
type Credentials struct {
	AccessToken  string    `json:"a,omitempty"`
	RefreshToken string    `json:"r,omitempty"`
	TokenType    string    `json:"t,omitempty"`
	Expiry       time.Time `json:"e,omitzero"`
	AppleID      string    `json:"u,omitempty"`
	AppPassword  string    `json:"p,omitempty"`
}

// Calendar is one calendar of a connection. Its ID is the connection's id
// and the provider's calendar id joined by ":", unique across providers.
type Calendar struct {
	ID           string `json:"id" dynamodbav:"id"`
	ConnectionID string `json:"connectionId" dynamodbav:"connectionId"`
	Name         string `json:"name" dynamodbav:"name"`
	Primary      bool   `json:"primary" dynamodbav:"primary"`
	ReadOnly     bool   `json:"readOnly" dynamodbav:"readOnly"`
}

// PendingState is a started OAuth flow, kept StateTTL, used once, bound to
// the user who started it.
type PendingState struct {
	// Hash is the SHA-256 of the state (the state itself is not stored).
	Hash     string
	UserID   string
	Provider string
	Purpose  string
	// Verifier is the PKCE code verifier, sealed.
	Verifier  string
	ExpiresAt time.Time
}

// Due names a connection whose token is to be refreshed.
type Due struct {
	UserID, ID string
}

// Store is the storage of connections.
type Store interface {
	// PutState stores a started flow (TTL ExpiresAt).
	PutState(ctx context.Context, s PendingState) error
	// TakeState deletes and returns the flow of a state hash if it belongs
	// to userID and provider; account.ErrNotFound otherwise (absent, used,
	// or another user's: then it is left in place).
	TakeState(ctx context.Context, hash, userID, provider string) (PendingState, error)
	// CreateConnection stores a new connection.
	CreateConnection(ctx context.Context, c Connection) error
	// GetConnection reads one (consistent); account.ErrNotFound if absent.
	GetConnection(ctx context.Context, userID, id string) (Connection, error)
	// ListConnections reads a user's connections (consistent), oldest first.
	ListConnections(ctx context.Context, userID string) ([]Connection, error)
	// SaveConnection writes c if the stored version is expectVersion;
	// account.ErrConflict if it changed, account.ErrNotFound if deleted.
	SaveConnection(ctx context.Context, c Connection, expectVersion int64) error
	// DeleteConnection deletes one (absent is not an error).
	DeleteConnection(ctx context.Context, userID, id string) error
	// DueRefreshes lists up to limit connections of one index shard whose
	// NextRefresh is before t (a sparse index query, never a scan).
	DueRefreshes(ctx context.Context, shard int, before time.Time, limit int) ([]Due, error)
}

// Shards is the number of partitions of the refresh index.
const Shards = 4

// Users reads and writes user records (the calendar choice).
type Users interface {
	GetUser(ctx context.Context, userID string) (account.User, error)
	SaveUser(ctx context.Context, u account.User, expectVersion int64) error
}

// Sealer encrypts credentials under the stack's data key (envelope
// encryption, as the 2FA secrets): twofactor.Sealer.
type Sealer interface {
	Seal(ctx context.Context, aad, plaintext string) (string, error)
	Open(ctx context.Context, aad, sealed string) (string, error)
}

// ClientSource gives a provider's OAuth client id and secret (Secrets
// Manager in the stack, environment variables locally).
type ClientSource interface {
	Client(ctx context.Context, provider string) (id, secret string, err error)
}
