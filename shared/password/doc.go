// Package password hashes passwords with argon2id and enforces the password
// policy (ASVS 2.1).
//
// Hash: argon2id with m=19 MiB, t=2, p=1 over the whole password, stored as
// a PHC string; a hash made with a lower cost is re-hashed on the next
// successful sign-in. The production cost is about 30 ms per hash on a
// 2-core amd64 machine (BenchmarkHashDefault); the functions that hash run
// with 1,024 MB of memory, hence more CPU.
//
// Policy: 12 to 128 characters, not one of the 10,000 most common passwords
// (ignoring case, and also after stripping trailing digits and symbols),
// not containing the email's local part, by default the composition rule
// (lower case, upper case, digit and symbol), which PASSWORD_COMPOSITION=false
// (context value passwordComposition) turns off, and a zxcvbn score of at
// least 3 with the user's names and email as known words. The blocklist is
// generated from the zxcvbn port's list: go generate ./shared/password. The
// estimator (internal/zxcvbn, github.com/trustelem/zxcvbn with its matching
// package copied so that its dictionaries are built on first use) costs
// nothing at start-up.
//
// Breached passwords: off by default. Policy.Breach (PASSWORD_BREACH_RANGE_URL)
// asks a Pwned Passwords range API with the first 5 hex characters of the
// password's SHA-1 only; it fails open and counts PasswordBreachCheckFailures.
// Callers use CheckContext, which runs it after the local rules.
package password
