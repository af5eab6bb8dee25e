// Package strength is the policy new passwords are checked against (ASVS
// 2.1). Only the functions that set passwords link it (auth: sign-up and
// reset; profile-edit: the password change; org acceptance of an
// invitation); shared/password hashes and verifies.
//
// Policy: 12 to 128 characters, not one of the 10,000 most common passwords
// (ignoring case, and also after stripping trailing digits and symbols),
// not containing the email's local part, by default the composition rule
// (lower case, upper case, digit and symbol), which PASSWORD_COMPOSITION=false
// (context value passwordComposition) turns off, and a zxcvbn score of at
// least 3 with the user's names and email as known words.
//
// The estimator (internal/zxcvbn) is github.com/trustelem/zxcvbn copied so
// that nothing is built when a program starts: its word lists are embedded
// text (internal/zxcvbn/frequency) read on the first estimate, and its
// patterns and keyboard graphs are built on first use too. The blocklist
// and those word lists are generated from the upstream module's lists by
// go generate ./shared/password/strength/strength; tests keep them equal, and keep
// the scores equal to upstream's.
//
// Breached passwords: off by default. Policy.Breach (PASSWORD_BREACH_RANGE_URL)
// asks a Pwned Passwords range API with the first 5 hex characters of the
// password's SHA-1 only; it fails open and counts PasswordBreachCheckFailures.
// Callers use CheckContext, which runs it after the local rules.
package strength
