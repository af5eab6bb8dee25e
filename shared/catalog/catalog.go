package catalog

// Kind says how a function is invoked.
type Kind string

const (
	// HTTP functions serve API Gateway HTTP API routes.
	HTTP Kind = "http"
	// Schedule functions run on an EventBridge schedule.
	Schedule Kind = "schedule"
	// Event functions consume EventBridge events from the platform's bus.
	Event Kind = "event"
	// Queue functions consume an SQS queue fed by another function.
	Queue Kind = "queue"
	// Storage functions consume S3 object-created notifications.
	Storage Kind = "storage"
)

// Needs lists the external capabilities a function's code uses; the stack
// grants exactly these and nothing else.
type Needs struct {
	// Actions are the DynamoDB actions the function calls on the table
	// (IAM names from TableActions, e.g. "dynamodb:GetItem"); the stack
	// grants exactly these on the table. A transaction needs the action of
	// each item it holds (TransactWriteItems: PutItem, UpdateItem,
	// DeleteItem, ConditionCheckItem; TransactGetItems: GetItem). The
	// end-to-end tests check every call against this list, and that every
	// action listed is called (docs/security.md, "Least privilege").
	Actions []string
	// Indexes the function queries (names from store.Indexes): the stack
	// grants dynamodb:Query on each.
	Indexes []string
	Email   bool // ses:SendEmail on the sender identity
	SMS     bool // sns:Publish for SMS (no topic)
	Secrets bool // decrypt the 2FA data key
	Uploads bool // read/write the avatar bucket
	Queue   string
	// Events: the function publishes domain events (events:PutEvents on
	// the bus only; EVENT_BUS_NAME set). Which: EventTypes.
	Events bool
}

// TableActions returns the DynamoDB actions Needs.Actions may name: the
// item actions the store's client calls (store.DB).
func TableActions() []string {
	return []string{
		"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query",
		"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
		"dynamodb:BatchWriteItem", "dynamodb:ConditionCheckItem",
	}
}

// readActions change nothing.
var readActions = map[string]bool{"dynamodb:GetItem": true, "dynamodb:BatchGetItem": true, "dynamodb:Query": true}

// TableAccess summarizes the table grants: "" (none), "read" (only
// actions that change nothing) or "write".
func (n Needs) TableAccess() string {
	access := ""
	if len(n.Indexes) > 0 {
		access = "read"
	}
	for _, a := range n.Actions {
		if !readActions[a] {
			return "write"
		}
		access = "read"
	}
	return access
}

// Function is one Lambda.
type Function struct {
	Name string // folder under functions/, also the Lambda's logical name
	// Capabilities are the packages under shared/ whose rules this function
	// runs, its own first. A capability served by another function's routes
	// is listed there: the organization and staff routes (shared/org) run
	// in profile-edit, accepting an invitation in auth. The wiring package is
	// shared/app/<name>wire, named after the function, or after the
	// capability where several functions share it (daily-summary and
	// daily-summary-worker: dailysummarywire; low-credit and balances:
	// billingwire; verification and phone: verificationwire, which
	// phonewire completes with the phone parser).
	Capabilities []string
	Description  string   // one line
	Kind         Kind     // how it is invoked
	Routes       []string // "METHOD /path" in net/http ServeMux pattern syntax
	// Schedule is an EventBridge rate or cron expression (Kind == Schedule).
	// The stack lets a context value override it (see infra).
	Schedule string
	// Publishes lists the detail types of the domain events the function
	// publishes (shared/events; docs/events.md); Needs.Events grants it.
	Publishes []string
	// Detail types of EventBridge events consumed (Kind == Event).
	EventSource string
	DetailTypes []string
	// A Queue function consumes the queue named by its Needs.Queue.
	MemoryMB   int // 0: default 256
	TimeoutSec int // 0: default 10
	Needs      Needs
}

// EventSource is the EventBridge source the platform uses for events this
// stack consumes.
const (
	ActivitySource = "platform.activities"
	BillingSource  = "platform.billing"
)

// Functions is the whole list. Keep it sorted by name.
var functions = []Function{
	{
		Name:         "activities",
		Capabilities: []string{"dailysummary"},
		Description:  "Keeps the table's copy of users' tasks and appointments current from platform events",
		Kind:         Event,
		EventSource:  ActivitySource,
		DetailTypes:  []string{"Activity Scheduled", "Activity Updated", "Activity Cancelled"},
		Needs:        Needs{Actions: []string{"dynamodb:PutItem", "dynamodb:ConditionCheckItem"}},
	},
	{
		Name:         "auth",
		Capabilities: []string{"auth", "twofactor", "org", "sso"},
		Description:  "Sign-up with an emailed code, forgotten password, sign-in (with the second factor, a passkey or single sign-on), sign-out",
		Kind:         HTTP,
		Routes: []string{
			"POST /v1/auth/signup",
			"POST /v1/auth/signup/confirm",
			"POST /v1/auth/password/forgot",
			"POST /v1/auth/password/reset",
			"POST /v1/auth/login",
			"POST /v1/auth/login/mfa",
			"POST /v1/auth/login/mfa/sms",
			"POST /v1/auth/login/webauthn/begin",
			"POST /v1/auth/login/webauthn/finish",
			"POST /v1/auth/passkey/begin",
			"POST /v1/auth/passkey/finish",
			"POST /v1/auth/logout",
			"POST /v1/auth/accept-invite",
			"POST /v1/auth/sso/start",
			"POST /v1/auth/sso/callback",
		},
		MemoryMB: 1024, // argon2id with 19 MiB: more memory = more CPU = a hash well under 100 ms
		// Sign-up and reset codes go by email (HMAC'd under the 2FA data key);
		// the 2FA step sends SMS codes and replay notices and opens TOTP secrets.
		// Accepting an invitation publishes Member Added.
		Publishes: []string{"Member Added"},
		Needs:     Needs{Actions: []string{"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem", "dynamodb:ConditionCheckItem"}, Email: true, SMS: true, Secrets: true, Events: true},
	},
	{
		Name:         "avatar",
		Capabilities: []string{"avatar"},
		Description:  "Turns an uploaded picture into the user's avatar (S3 object-created under uploads/)",
		Kind:         Storage,
		MemoryMB:     1024, // decoding a 2 MB JPEG can take ~100 MB of pixels
		TimeoutSec:   30,
		Needs:        Needs{Actions: []string{"dynamodb:GetItem", "dynamodb:PutItem"}, Uploads: true},
	},
	{
		Name:         "balances",
		Capabilities: []string{"billing"},
		Description:  "Keep each organization's balance current from Balance Changed events; alert at once on a crossing",
		Kind:         Event,
		EventSource:  BillingSource,
		DetailTypes:  []string{"Balance Changed"},
		TimeoutSec:   30,
		Needs:        Needs{Actions: []string{"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"}, Indexes: []string{"gsi2"}, Email: true, SMS: true},
	},
	{
		Name:         "connections",
		Capabilities: []string{"connections"},
		Description:  "Connected accounts (Zoom, Google, Microsoft, iCloud): connect, list calendars, mail sync, disconnect",
		Kind:         HTTP,
		Routes: []string{
			"GET /v1/me/connections",
			"POST /v1/me/connections/{provider}/start",
			"POST /v1/me/connections/{provider}/callback",
			"POST /v1/me/connections/icloud",
			"DELETE /v1/me/connections/{id}",
			"PUT /v1/me/connections/{id}/mail-sync",
			"GET /v1/me/calendars",
		},
		TimeoutSec: 30, // provider calls (token exchange, calendar lists, CalDAV discovery)
		// Secrets: credentials are sealed under the data key. Events: Mail
		// Sync Enabled/Disabled. Email: the reconnect notice.
		Publishes: []string{"Mail Sync Enabled", "Mail Sync Disabled"},
		Needs:     Needs{Actions: []string{"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:DeleteItem"}, Email: true, Secrets: true, Events: true},
	},
	{
		Name:         "connections-refresh",
		Capabilities: []string{"connections"},
		Description:  "Renews connected accounts' tokens about to expire (sparse refresh index)",
		Kind:         Schedule,
		Schedule:     "rate(10 minutes)",
		TimeoutSec:   120,
		Needs:        Needs{Actions: []string{"dynamodb:GetItem", "dynamodb:PutItem"}, Indexes: []string{"gsi1"}, Email: true, Secrets: true},
	},
	{
		Name:         "daily-summary",
		Capabilities: []string{"dailysummary"},
		Description:  "Sends each user's daily summary email at their local time",
		Kind:         Schedule,
		Schedule:     "rate(5 minutes)",
		// A run stops starting sends 15 s before its deadline; what is left
		// stays due for the next run.
		TimeoutSec: 280,
		// Queue: with DIGEST_QUEUE_URL (the stack's QUEUE_URL) it claims the
		// due days and enqueues them for daily-summary-worker instead of
		// sending (the fan-out of a due set larger than one run can send).
		Needs: Needs{Actions: []string{"dynamodb:Query", "dynamodb:UpdateItem", "dynamodb:DeleteItem"}, Indexes: []string{"gsi1"}, Email: true, Queue: "digest"},
	},
	{
		Name:         "daily-summary-worker",
		Capabilities: []string{"dailysummary"},
		Description:  "Sends the daily summaries the scheduled run claimed and queued",
		Kind:         Queue,
		// A batch of ten at SendRate/concurrency (7/s by default) takes
		// about 1.5 s; the stack sets the queue's visibility timeout to six
		// times this timeout.
		TimeoutSec: 60,
		Needs:      Needs{Actions: []string{"dynamodb:Query", "dynamodb:UpdateItem"}, Email: true, Queue: "digest"},
	},
	{
		Name:         "events-outbox",
		Capabilities: []string{"events"},
		Description:  "Publishes the domain events whose publish failed at the time of the change (outbox sweep)",
		Kind:         Schedule,
		Schedule:     "rate(5 minutes)",
		TimeoutSec:   60,
		Publishes:    []string{"any event kept in the outbox"},
		Needs:        Needs{Actions: []string{"dynamodb:Query", "dynamodb:DeleteItem"}, Events: true},
	},
	{
		Name:         "low-credit",
		Capabilities: []string{"billing"},
		Description:  "Low-credit alerts: evaluate organizations below a member's threshold (safety net of balances)",
		Kind:         Schedule,
		Schedule:     "rate(15 minutes)",
		TimeoutSec:   300,
		Needs:        Needs{Actions: []string{"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:ConditionCheckItem"}, Indexes: []string{"gsi1", "gsi2"}, Email: true, SMS: true},
	},
	{
		Name:         "phone",
		Capabilities: []string{"verification"},
		Description:  "Change the phone number with a code texted to the new number",
		Kind:         HTTP,
		Routes: []string{
			"POST /v1/me/phone-change",
			"POST /v1/me/phone-change/confirm",
		},
		MemoryMB: 1024, // argon2id password check
		// The only function linking the phone number parser with its full
		// metadata (shared/phone/libphone): verification (the email
		// change) does not pay its start-up. Codes are hashed under the
		// data key (keyedhash).
		Publishes: []string{"User Phone Changed"},
		Needs:     Needs{Actions: []string{"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"}, SMS: true, Secrets: true, Events: true},
	},
	{
		Name:         "profile",
		Capabilities: []string{"profile", "prefs"},
		Description:  "The signed-in user's profile (GET /v1/me) and notification preferences",
		Kind:         HTTP,
		Routes: []string{
			"GET /v1/me",
			"GET /v1/me/notifications",
			"PUT /v1/me/notifications",
		},
		// GET /v1/me is the hottest route: this function links DynamoDB's
		// client and nothing heavier (no sanitizer, no other AWS client),
		// so its cold start is close to an empty Lambda's (issue 21:
		// BenchmarkColdStart). The edits, which need the sanitizer, mail,
		// events and the rest, are profile-edit. 512 MB: more CPU for the
		// start and the answer.
		MemoryMB: 512,
		Needs:    Needs{Actions: []string{"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"}},
	},
	{
		Name:         "profile-edit",
		Capabilities: []string{"profile", "avatar", "billing", "org", "twofactor", "sso"},
		Description:  "Edits of the signed-in user's profile, password, avatar and billing alert; organization administration; account deletion",
		Kind:         HTTP,
		Routes: []string{
			"PATCH /v1/me",
			"PUT /v1/me/password",
			"POST /v1/me/signature/render",
			"POST /v1/me/avatar",
			"DELETE /v1/me/avatar",
			"GET /v1/me/billing-alert",
			"PUT /v1/me/billing-alert",
			"DELETE /v1/me",
			"GET /v1/me/audit",
			"GET /v1/users",
			"POST /v1/users",
			"GET /v1/users/{id}",
			"PATCH /v1/users/{id}",
			"PUT /v1/users/{id}/role",
			"GET /v1/organizations/{id}/audit",
			"PUT /v1/organizations/{id}/sso",
			"GET /v1/organizations/{id}/sso",
			"DELETE /v1/organizations/{id}/sso",
			"GET /v1/organizations/{id}/domains",
			"POST /v1/organizations/{id}/domains",
			"POST /v1/organizations/{id}/domains/{domain}/verify",
			"GET /v1/me/organizations",
			"GET /v1/me/export",
			"DELETE /v1/organizations/{id}/members/{userId}",
			"POST /v1/organizations/{id}/leave",
			"GET /v1/organizations/{id}/invitations",
			"DELETE /v1/organizations/{id}/invitations/{invitationId}",
		},
		MemoryMB: 1024,
		// SMS: a billing-alert change can alert at once. gsi1/gsi2: the
		// organization audit listing and the anonymization of a deleted
		// user's audit entries.
		// Uploads: POST /v1/me/avatar signs an upload (s3:PutObject under
		// uploads/), DELETE /v1/me/avatar removes renditions (avatars/).
		// Secrets: DELETE /v1/me with 2FA on checks an authenticator code
		// (twofactor step-up), which opens the sealed TOTP secret; the SSO
		// configuration seals the client secret with the same data key.
		Publishes: []string{"Member Removed", "Member Role Changed", "User Deleted", "Organization Deleted", "Profile Updated", "Mail Sync Disabled"},
		Needs:     Needs{Actions: []string{"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"}, Indexes: []string{"gsi1", "gsi2"}, Email: true, SMS: true, Uploads: true, Secrets: true, Events: true},
	},
	{
		Name:         "sessions",
		Capabilities: []string{"sessions"},
		Description:  "List and revoke the signed-in user's sessions",
		Kind:         HTTP,
		Routes: []string{
			"GET /v1/me/sessions",
			"DELETE /v1/me/sessions/{id}",
			"POST /v1/me/sessions/revoke",
		},
		Needs: Needs{Actions: []string{"dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"}},
	},
	{
		Name:         "twofactor",
		Capabilities: []string{"twofactor"},
		Description:  "Two-factor authentication: authenticator app, SMS codes, passkeys, backup codes",
		Kind:         HTTP,
		Routes: []string{
			"GET /v1/me/2fa",
			"POST /v1/me/2fa/totp",
			"POST /v1/me/2fa/totp/confirm",
			"DELETE /v1/me/2fa/totp",
			"POST /v1/me/2fa/sms",
			"DELETE /v1/me/2fa/sms",
			"POST /v1/me/2fa/backup-codes",
			"POST /v1/me/2fa/webauthn/register/begin",
			"POST /v1/me/2fa/webauthn/register/finish",
			"DELETE /v1/me/2fa/webauthn/{id}",
			"POST /v1/me/2fa/step-up/webauthn/begin",
			"POST /v1/me/2fa/step-up/sms",
		},
		MemoryMB: 1024, // argon2id: password checks and backup-code hashes
		Needs:    Needs{Actions: []string{"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"}, Email: true, SMS: true, Secrets: true},
	},
	{
		Name:         "verification",
		Capabilities: []string{"verification"},
		Description:  "Change the sign-in email with codes sent to both addresses",
		Kind:         HTTP,
		Routes: []string{
			"POST /v1/me/email-change",
			"POST /v1/me/email-change/confirm",
			"DELETE /v1/me/email-change",
		},
		MemoryMB: 1024, // argon2id password check
		// Change codes are hashed under the data key (keyedhash).
		Publishes: []string{"User Email Changed"},
		Needs:     Needs{Actions: []string{"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"}, Email: true, Secrets: true, Events: true},
	},
}

// All returns a copy of every function, sorted by name.
func All() []Function {
	out := make([]Function, len(functions))
	copy(out, functions)
	return out
}

// Lookup returns the function with the given name.
func Lookup(name string) (Function, bool) {
	for _, f := range functions {
		if f.Name == name {
			return f, true
		}
	}
	return Function{}, false
}

// Routes returns every "METHOD /path" with the function that serves it.
func Routes() map[string]string {
	out := map[string]string{}
	for _, f := range functions {
		for _, r := range f.Routes {
			out[r] = f.Name
		}
	}
	return out
}
