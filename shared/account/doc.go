// Package account is the domain root: the user record every capability
// reads (the profile fields, the organizations the user belongs to with
// their role, and the 2FA summary) and the one application error type.
// It has no behaviour beyond small helpers (NormalizeEmail: emails are
// trimmed and lower-cased, their domain in IDNA ASCII form; CleanEmail, the
// one address rule: ASCII local part, no invisible or bidi characters, a
// multi-label domain name, no IP literal); the capability packages (auth, sessions,
// profile, twofactor, verification, org, ...) own the rules.
//
// Errors: an Error has a stable snake_case code (the Code constants), a
// public message, optional field errors and an internal cause kept for the
// log only. Errorf, Invalid and Validation build them; Internal wraps an
// unexpected cause. Storage reports ErrNotFound, ErrConflict (a conditional
// write lost) and ErrEmailTaken, matched with errors.Is. Only package
// httpapi maps codes to HTTP statuses and writes problem+json (API.md);
// an unknown error becomes a logged 500 internal with a generic message.
package account
