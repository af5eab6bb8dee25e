// Package dailysummarydb stores daily summary schedules and activities
// (dailysummary.Store) in the single table. It is split from package store
// so that only the functions serving this capability link it; its key shapes
// are listed in ../keys.go with every other.
package dailysummarydb

import "github.com/example/myprofile/shared/store"

// Store is the table, with the core store's helpers and user records.
type Store struct{ *store.Store }

// New returns the daily summary storage on a core store.
func New(s *store.Store) *Store { return &Store{s} }
