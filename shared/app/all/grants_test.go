package all_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/example/myprofile/shared/app/all"
	"github.com/example/myprofile/shared/catalog"
	"github.com/example/myprofile/shared/store"
)

// okDB answers every call with an empty output and counts the calls that
// reached it.
type okDB struct{ n int }

func (d *okDB) GetItem(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	d.n++
	return &dynamodb.GetItemOutput{}, nil
}

func (d *okDB) BatchGetItem(context.Context, *dynamodb.BatchGetItemInput, ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	d.n++
	return &dynamodb.BatchGetItemOutput{}, nil
}

func (d *okDB) PutItem(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	d.n++
	return &dynamodb.PutItemOutput{}, nil
}

func (d *okDB) UpdateItem(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	d.n++
	return &dynamodb.UpdateItemOutput{}, nil
}

func (d *okDB) DeleteItem(context.Context, *dynamodb.DeleteItemInput, ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	d.n++
	return &dynamodb.DeleteItemOutput{}, nil
}

func (d *okDB) Query(context.Context, *dynamodb.QueryInput, ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	d.n++
	return &dynamodb.QueryOutput{}, nil
}

func (d *okDB) TransactWriteItems(context.Context, *dynamodb.TransactWriteItemsInput, ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	d.n++
	return &dynamodb.TransactWriteItemsOutput{}, nil
}

func (d *okDB) TransactGetItems(context.Context, *dynamodb.TransactGetItemsInput, ...func(*dynamodb.Options)) (*dynamodb.TransactGetItemsOutput, error) {
	d.n++
	return &dynamodb.TransactGetItemsOutput{}, nil
}

func (d *okDB) BatchWriteItem(context.Context, *dynamodb.BatchWriteItemInput, ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error) {
	d.n++
	return &dynamodb.BatchWriteItemOutput{}, nil
}

var _ store.DB = (*okDB)(nil)

func TestCheckedDBLetsThroughOnlyGrantedCalls(t *testing.T) {
	ctx := context.Background()
	needs := catalog.Needs{Actions: []string{"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:ConditionCheckItem"}, Indexes: []string{"gsi1"}}
	for _, tc := range []struct {
		name string
		call func(db store.DB) error
		want string // the grant refused; "" = allowed
		used []string
	}{
		{"granted get", func(db store.DB) error { _, err := db.GetItem(ctx, &dynamodb.GetItemInput{}); return err }, "", []string{"dynamodb:GetItem"}},
		{"update not granted", func(db store.DB) error { _, err := db.UpdateItem(ctx, &dynamodb.UpdateItemInput{}); return err }, "dynamodb:UpdateItem", nil},
		{"query of the table needs dynamodb:Query", func(db store.DB) error { _, err := db.Query(ctx, &dynamodb.QueryInput{}); return err }, "dynamodb:Query", nil},
		{"query of a granted index", func(db store.DB) error {
			_, err := db.Query(ctx, &dynamodb.QueryInput{IndexName: aws.String("gsi1")})
			return err
		}, "", []string{"index/gsi1"}},
		{"query of another index", func(db store.DB) error {
			_, err := db.Query(ctx, &dynamodb.QueryInput{IndexName: aws.String("gsi2")})
			return err
		}, "index/gsi2", nil},
		{"transaction of granted items", func(db store.DB) error {
			_, err := db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []ddbtypes.TransactWriteItem{
				{Put: &ddbtypes.Put{}}, {ConditionCheck: &ddbtypes.ConditionCheck{}}, {Put: &ddbtypes.Put{}},
			}})
			return err
		}, "", []string{"dynamodb:ConditionCheckItem", "dynamodb:PutItem"}},
		{"transaction with a delete", func(db store.DB) error {
			_, err := db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []ddbtypes.TransactWriteItem{
				{Put: &ddbtypes.Put{}}, {Delete: &ddbtypes.Delete{}},
			}})
			return err
		}, "dynamodb:DeleteItem", nil},
		{"transactional get is GetItem", func(db store.DB) error {
			_, err := db.TransactGetItems(ctx, &dynamodb.TransactGetItemsInput{})
			return err
		}, "", []string{"dynamodb:GetItem"}},
		{"batch write is its own action", func(db store.DB) error {
			_, err := db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{})
			return err
		}, "dynamodb:BatchWriteItem", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var refused []string
			var used []string
			base := &okDB{}
			db := &all.CheckedDB{DB: base, Function: "fn", Needs: needs, Check: &all.Check{
				Refused: func(msg string) { refused = append(refused, msg) },
				Called:  func(fn, grant string) { used = append(used, grant) },
			}}
			err := tc.call(db)
			if tc.want == "" {
				if err != nil || len(refused) > 0 || base.n != 1 {
					t.Fatalf("err %v, refused %v, calls that reached the table %d; want the call through", err, refused, base.n)
				}
				if !slices.Equal(used, tc.used) {
					t.Errorf("grants used %v, want %v", used, tc.used)
				}
				return
			}
			var ng *all.NotGranted
			if !errors.As(err, &ng) || ng.Grant != tc.want || ng.Function != "fn" {
				t.Fatalf("err %v, want %s not granted to fn", err, tc.want)
			}
			if base.n != 0 || len(used) != 0 {
				t.Errorf("a refused call reached the table (%d) or was recorded (%v)", base.n, used)
			}
			field, grant := "Needs.Actions", `"`+tc.want+`"`
			if ix, ok := strings.CutPrefix(tc.want, "index/"); ok {
				field, grant = "Needs.Indexes", `"`+ix+`"`
			}
			want := "add " + grant + " to " + field + " of function fn in shared/catalog/catalog.go"
			if len(refused) != 1 || !strings.Contains(refused[0], want) {
				t.Errorf("refused %q, want one message with %q", refused, want)
			}
		})
	}
}

func TestCallLogRoundTrip(t *testing.T) {
	dir := t.TempDir()
	a := all.NewCallLog(dir, "example.com/a")
	b := all.NewCallLog(dir, "example.com/b") // same process id: its own file by name
	for _, c := range []struct {
		l         *all.CallLog
		fn, grant string
	}{
		{a, "auth", "dynamodb:GetItem"}, {a, "auth", "dynamodb:GetItem"}, {b, "auth", "dynamodb:PutItem"}, {b, "profile", "index/gsi1"},
	} {
		if err := c.l.Called(c.fn, c.grant); err != nil {
			t.Fatal(err)
		}
	}
	got, err := all.ReadCalls(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || len(got["auth"]) != 2 || !got["auth"]["dynamodb:PutItem"] || !got["profile"]["index/gsi1"] {
		t.Errorf("ReadCalls = %v", got)
	}
	raw, _ := os.ReadFile(filepath.Join(dir, mustOnlyFile(t, dir, "example_com_a")))
	if strings.Count(string(raw), "\n") != 1 {
		t.Errorf("a grant seen twice is written once: %q", raw)
	}
}

func mustOnlyFile(t *testing.T, dir, prefix string) string {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(dir, prefix+"*"))
	if len(m) != 1 {
		t.Fatalf("files %s* in %s: %v, want one", prefix, dir, m)
	}
	return filepath.Base(m[0])
}

// CallsCompleteEnv, set to 1 by `make test` once every package's tests
// ran with all.CallsDirEnv, makes TestEveryGrantIsExercised compare that
// record with the catalog.
const callsCompleteEnv = "DYNAMODB_CALLS_COMPLETE"

// Each function is granted exactly the DynamoDB actions and indexes the
// end-to-end tests saw it use: a grant no test used is one too many (or a
// path without a test). The calls themselves are checked as they happen
// (a call not granted fails its test); this is the other direction, and
// needs the record of the whole suite, so it runs only as `make test`'s
// last step (docs/security.md, "Least privilege").
func TestEveryGrantIsExercised(t *testing.T) {
	dir := os.Getenv(all.CallsDirEnv)
	if dir == "" || os.Getenv(callsCompleteEnv) != "1" {
		t.Skipf("needs the record of a whole run: %s=<dir> and %s=1 (make test sets both after the run)", all.CallsDirEnv, callsCompleteEnv)
	}
	seen, err := all.ReadCalls(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) == 0 {
		t.Fatalf("no DynamoDB call recorded in %s: run every package's tests with %s=%s first", dir, all.CallsDirEnv, dir)
	}
	for _, fn := range catalog.All() {
		t.Run(fn.Name, func(t *testing.T) {
			granted := map[string]bool{}
			for _, a := range fn.Needs.Actions {
				granted[a] = true
			}
			for _, ix := range fn.Needs.Indexes {
				granted[all.IndexGrant(ix)] = true
			}
			for g := range granted {
				if !seen[fn.Name][g] {
					field, name := "Needs.Actions", g
					if ix, ok := strings.CutPrefix(g, "index/"); ok {
						field, name = "Needs.Indexes", ix
					}
					t.Errorf("function %s is granted %s but no test called it: add a test of the path that does, or remove %q from %s of function %s in shared/catalog/catalog.go",
						fn.Name, g, name, field, fn.Name)
				}
			}
			for g := range seen[fn.Name] {
				if !granted[g] {
					// The call itself failed its test already; say it here too.
					t.Errorf("function %s used %s, which it is not granted", fn.Name, g)
				}
			}
		})
	}
	for name := range seen {
		if _, ok := catalog.Lookup(name); !ok {
			t.Errorf("calls recorded for %s, which the catalog does not list", name)
		}
	}
}
