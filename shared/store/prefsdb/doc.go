// Package prefsdb stores notification preferences (prefs.Store) in the
// single table. It is split from package store so that only the functions
// serving this capability link it; its key shapes are listed in ../keys.go
// with every other.
package prefsdb

import "github.com/example/myprofile/shared/store"

// Store is the table, with the core store's helpers and user records.
type Store struct{ *store.Store }

// New returns the prefs storage on a core store.
func New(s *store.Store) *Store { return &Store{s} }
