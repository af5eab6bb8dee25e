// Package password hashes passwords with argon2id (ASVS 2.4).
//
// Hash: argon2id with m=19 MiB, t=2, p=1 over the whole password, stored as
// a PHC string; a hash made with a lower cost is re-hashed on the next
// successful sign-in. The production cost is about 30 ms per hash on a
// 2-core amd64 machine (BenchmarkHashDefault); the functions that hash run
// with 1,024 MB of memory, hence more CPU.
//
// The rules a new password must meet are in the subpackage strength, which
// only the functions that set passwords link (its word lists and estimator
// are the largest tables of the password code).
package password
