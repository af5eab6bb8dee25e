// Package password hashes passwords with argon2id and enforces the password
// policy (ASVS 2.1).
//
// Hash: argon2id with m=19 MiB, t=2, p=1 over the whole password, stored as
// a PHC string; a hash made with a lower cost is re-hashed on the next
// successful sign-in. The production cost is about 30 ms per hash on a
// 2-core amd64 machine (BenchmarkHashDefault); the functions that hash run
// with 1,024 MB of memory, hence more CPU.
//
// Policy: 12 to 128 characters, not one of the 10,000 most common passwords,
// not containing the email's local part, and by default the composition rule
// (lower case, upper case, digit and symbol), which PASSWORD_COMPOSITION=false
// (context value passwordComposition) turns off. The blocklist is generated
// from the zxcvbn port's list: go generate ./shared/password.
package password
