package prefs_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/example/myprofile/infra/localcloud/testenv"
	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/prefs"
	"github.com/example/myprofile/shared/store"
	"github.com/example/myprofile/shared/store/prefsdb"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func newService(t *testing.T) *prefs.Service {
	t.Helper()
	db, table := testenv.DynamoDB(t)
	return &prefs.Service{Store: prefsdb.New(store.New(db, table))}
}

// mustGet reads the user's preferences through the service.
func mustGet(t *testing.T, s *prefs.Service, u account.User) prefs.Preferences {
	t.Helper()
	p, err := s.Get(context.Background(), u)
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	return p
}

// Get and Put called directly: what is put is read back, merged over the
// defaults; a refused document changes nothing.
func TestServiceRoundTrip(t *testing.T) {
	s := newService(t)
	ctx := context.Background()
	ada, bob := account.User{ID: "user-ada"}, account.User{ID: "user-bob"}
	if got := mustGet(t, s, ada); !reflect.DeepEqual(got, prefs.Defaults()) {
		t.Fatalf("never saved: got %+v, want the defaults", got)
	}
	withSMS := prefs.Defaults()
	c := withSMS["web"]["tasks"]
	c.SMS = true
	withSMS["web"]["tasks"] = c
	tests := []struct {
		name      string
		doc       string
		want      prefs.Preferences // stored afterwards
		wantField string            // a refused document names this path
	}{
		{"partial document merges over the defaults", `{"web":{"tasks":{"sms":true}}}`, withSMS, ""},
		{"unknown channel is refused and nothing changes", `{"web":{"tasks":{"fax":true}}}`, withSMS, "web.tasks.fax"},
		{"non-boolean is refused and nothing changes", `{"mobile":{"billing":{"sms":"yes"}}}`, withSMS, "mobile.billing.sms"},
		{"empty document restores the defaults", `{}`, prefs.Defaults(), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.Put(ctx, ada, []byte(tc.doc))
			if tc.wantField != "" {
				e := account.AsError(err)
				if e.Code != account.CodeValidation || len(e.Fields) != 1 || e.Fields[0].Field != tc.wantField {
					t.Fatalf("got %v (fields %+v), want a validation error on %s", err, e.Fields, tc.wantField)
				}
			} else {
				if err != nil {
					t.Fatalf("put: %v", err)
				}
				if !reflect.DeepEqual(got, tc.want) {
					t.Errorf("put returned %+v, want %+v", got, tc.want)
				}
			}
			if stored := mustGet(t, s, ada); !reflect.DeepEqual(stored, tc.want) {
				t.Errorf("read back %+v, want %+v", stored, tc.want)
			}
		})
	}
	if got := mustGet(t, s, bob); !reflect.DeepEqual(got, prefs.Defaults()) {
		t.Errorf("another user's preferences changed: %+v", got)
	}
}
