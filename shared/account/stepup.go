package account

import "encoding/json"

// StepUp is the current second factor a sensitive change carries when the
// user has two-factor sign-in on (removing a factor, regenerating backup
// codes, deleting the account): either Code (an authenticator code, a
// backup code or an SMS step-up code) or Assertion (a passkey answering a
// step-up ceremony). It lives here so that every capability that asks for
// one (twofactor checks it, org asks for it) shares the type.
type StepUp struct {
	Code      string
	Assertion *StepUpAssertion
}

// StepUpAssertion is a passkey's answer to a step-up ceremony: the
// ceremony's id (POST /v1/me/2fa/step-up/webauthn/begin) and the
// PublicKeyCredential JSON from navigator.credentials.get().
type StepUpAssertion struct {
	ChallengeID string          `json:"challengeId"`
	Credential  json.RawMessage `json:"credential"`
}

// Empty reports whether no second factor was sent.
func (s StepUp) Empty() bool { return s.Code == "" && s.Assertion == nil }
