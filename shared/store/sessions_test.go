package store_test

import (
	"testing"
	"time"

	"github.com/example/myprofile/infra/localcloud/testenv"
	"github.com/example/myprofile/shared/sessions"
)

// TouchSession writes lastSeenAt only when the stored one is not after
// notAfter, comparing times, not their text: "12:00:00Z" sorts after
// "12:00:00.5Z" as a string although it is half a second earlier.
func TestTouchSessionComparesTimes(t *testing.T) {
	st := newStore(t)
	ctx := t.Context()
	base := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC) // a whole second: no fraction when formatted
	tests := []struct {
		name        string
		notAfter    time.Time
		wantTouched bool
	}{
		{"last seen half a second before notAfter", base.Add(500 * time.Millisecond), true},
		{"last seen exactly at notAfter", base, true},
		{"last seen after notAfter", base.Add(-500 * time.Millisecond), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := sessions.Session{ID: testenv.RandomID(t), UserID: testenv.RandomID(t), TokenHash: testenv.RandomID(t),
				CreatedAt: base, LastSeenAt: base, AbsoluteExpiry: base.Add(time.Hour), ExpiresAt: base.Add(time.Hour)}
			if err := st.PutSession(ctx, s); err != nil {
				t.Fatal(err)
			}
			now := base.Add(time.Minute)
			if err := st.TouchSession(ctx, s.UserID, s.ID, now, now.Add(time.Hour), tc.notAfter); err != nil {
				t.Fatal(err)
			}
			list, err := st.ListSessions(ctx, s.UserID)
			if err != nil || len(list) != 1 {
				t.Fatalf("%d sessions, %v", len(list), err)
			}
			if touched := list[0].LastSeenAt.Equal(now); touched != tc.wantTouched {
				t.Errorf("lastSeenAt = %v, touched %v, want %v", list[0].LastSeenAt, touched, tc.wantTouched)
			}
		})
	}
}
