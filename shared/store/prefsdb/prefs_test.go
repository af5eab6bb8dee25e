package prefsdb_test

import (
	"reflect"
	"testing"

	"github.com/example/myprofile/infra/localcloud/testenv"
	"github.com/example/myprofile/shared/prefs"
	"github.com/example/myprofile/shared/store"
	"github.com/example/myprofile/shared/store/prefsdb"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func TestNotificationPrefs(t *testing.T) {
	db, table := testenv.DynamoDB(t)
	s := prefsdb.New(store.New(db, table))
	ctx := t.Context()
	t.Run("none saved reads the defaults", func(t *testing.T) {
		got, err := s.GetNotificationPrefs(ctx, "u1")
		if err != nil || !reflect.DeepEqual(got, prefs.Defaults()) {
			t.Errorf("got %v, %v; want the defaults %v", got, err, prefs.Defaults())
		}
	})
	t.Run("a put replaces the whole document, normalized", func(t *testing.T) {
		p := prefs.Defaults()
		flipOne(t, p)
		if err := s.PutNotificationPrefs(ctx, "u1", p); err != nil {
			t.Fatal(err)
		}
		got, err := s.GetNotificationPrefs(ctx, "u1")
		if err != nil || !reflect.DeepEqual(got, prefs.Normalize(p)) {
			t.Errorf("got %v, %v; want %v", got, err, prefs.Normalize(p))
		}
		if c := got[prefs.Platforms[0]][prefs.Categories[0]]; c.InApp {
			t.Error("the change was not saved")
		}
		if _, ok := got[prefs.Platforms[0]][prefs.Categories[1]]; !ok {
			t.Error("a category missing from the put is missing from the read, want its default")
		}
		if other, _ := s.GetNotificationPrefs(ctx, "u2"); !reflect.DeepEqual(other, prefs.Defaults()) {
			t.Errorf("another user's preferences changed: %v", other)
		}
	})
}

// flipOne turns the in-app notice of the first platform's first category
// off and drops another category, which the read fills in with its default.
func flipOne(t *testing.T, p prefs.Preferences) {
	t.Helper()
	pl, cat := prefs.Platforms[0], prefs.Categories[0]
	c := p[pl][cat]
	c.InApp = false
	p[pl][cat] = c
	delete(p[pl], prefs.Categories[1])
}
