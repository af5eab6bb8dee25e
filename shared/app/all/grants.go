package all

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/example/myprofile/shared/app"
	"github.com/example/myprofile/shared/catalog"
	"github.com/example/myprofile/shared/store"
)

// Check, set on Deps, gives each function built from Deps its own
// DynamoDB client, which checks every call the function makes against its
// grants in the catalog (catalog.Needs.Actions and Indexes) the way IAM
// would: a call not granted fails (and Refused is told) without reaching
// the table. The end-to-end tests set it (apptest), so a function that
// calls an action its stack role lacks fails there, not in production.
type Check struct {
	// Refused is told, with the one-line fix, of each call not granted
	// (e.g. t.Errorf).
	Refused func(msg string)
	// Called is told of each grant a function's call used: a table action
	// ("dynamodb:GetItem") or an index ("index/gsi1").
	Called func(fn, grant string)
}

// IndexGrant is how Check.Called names a query of an index.
func IndexGrant(index string) string { return "index/" + index }

// NotGranted is the error of a call a function's grants do not cover.
type NotGranted struct {
	Function string
	Grant    string // a table action or IndexGrant(index)
}

func (e *NotGranted) Error() string {
	if ix, ok := strings.CutPrefix(e.Grant, "index/"); ok {
		return fmt.Sprintf("function %s queries index %s, which it is not granted: add %q to Needs.Indexes of function %s in shared/catalog/catalog.go",
			e.Function, ix, ix, e.Function)
	}
	return fmt.Sprintf("function %s calls %s, which it is not granted: add %q to Needs.Actions of function %s in shared/catalog/catalog.go",
		e.Function, e.Grant, e.Grant, e.Function)
}

// forFunction returns the dependencies to build the named function from:
// with Check set, a copy of d.Deps whose DynamoDB client checks the
// function's calls.
func (d *Deps) forFunction(name string) *app.Deps {
	if d.Check == nil {
		return d.Deps
	}
	fn, _ := catalog.Lookup(name)
	return d.Deps.WithDB(&CheckedDB{DB: d.Deps.DB, Function: name, Needs: fn.Needs, Check: d.Check})
}

// CheckedDB is a DynamoDB client of one function that lets through only
// the calls its Needs grant.
type CheckedDB struct {
	DB       store.DB
	Function string
	Needs    catalog.Needs
	Check    *Check
}

var _ store.DB = (*CheckedDB)(nil)

// allow checks the grants a call needs; the first one missing is the error.
func (c *CheckedDB) allow(grants ...string) error {
	for _, g := range grants {
		ok := slices.Contains(c.Needs.Actions, g)
		if ix, isIndex := strings.CutPrefix(g, "index/"); isIndex {
			ok = slices.Contains(c.Needs.Indexes, ix)
		}
		if !ok {
			err := &NotGranted{Function: c.Function, Grant: g}
			if c.Check.Refused != nil {
				c.Check.Refused(err.Error())
			}
			return err
		}
	}
	for _, g := range grants {
		if c.Check.Called != nil {
			c.Check.Called(c.Function, g)
		}
	}
	return nil
}

// GetItem needs dynamodb:GetItem.
func (c *CheckedDB) GetItem(ctx context.Context, in *dynamodb.GetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	if err := c.allow("dynamodb:GetItem"); err != nil {
		return nil, err
	}
	return c.DB.GetItem(ctx, in, o...)
}

// BatchGetItem needs dynamodb:BatchGetItem.
func (c *CheckedDB) BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	if err := c.allow("dynamodb:BatchGetItem"); err != nil {
		return nil, err
	}
	return c.DB.BatchGetItem(ctx, in, o...)
}

// PutItem needs dynamodb:PutItem.
func (c *CheckedDB) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	if err := c.allow("dynamodb:PutItem"); err != nil {
		return nil, err
	}
	return c.DB.PutItem(ctx, in, o...)
}

// UpdateItem needs dynamodb:UpdateItem.
func (c *CheckedDB) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	if err := c.allow("dynamodb:UpdateItem"); err != nil {
		return nil, err
	}
	return c.DB.UpdateItem(ctx, in, o...)
}

// DeleteItem needs dynamodb:DeleteItem.
func (c *CheckedDB) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, o ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	if err := c.allow("dynamodb:DeleteItem"); err != nil {
		return nil, err
	}
	return c.DB.DeleteItem(ctx, in, o...)
}

// Query needs dynamodb:Query on the table, or on the index it names.
func (c *CheckedDB) Query(ctx context.Context, in *dynamodb.QueryInput, o ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	g := "dynamodb:Query"
	if ix := aws.ToString(in.IndexName); ix != "" {
		g = IndexGrant(ix)
	}
	if err := c.allow(g); err != nil {
		return nil, err
	}
	return c.DB.Query(ctx, in, o...)
}

// TransactWriteItems needs the action of each item it holds.
func (c *CheckedDB) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	var grants []string
	for _, it := range in.TransactItems {
		switch {
		case it.Put != nil:
			grants = append(grants, "dynamodb:PutItem")
		case it.Update != nil:
			grants = append(grants, "dynamodb:UpdateItem")
		case it.Delete != nil:
			grants = append(grants, "dynamodb:DeleteItem")
		case it.ConditionCheck != nil:
			grants = append(grants, "dynamodb:ConditionCheckItem")
		}
	}
	slices.Sort(grants)
	if err := c.allow(slices.Compact(grants)...); err != nil {
		return nil, err
	}
	return c.DB.TransactWriteItems(ctx, in, o...)
}

// TransactGetItems needs dynamodb:GetItem.
func (c *CheckedDB) TransactGetItems(ctx context.Context, in *dynamodb.TransactGetItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactGetItemsOutput, error) {
	if err := c.allow("dynamodb:GetItem"); err != nil {
		return nil, err
	}
	return c.DB.TransactGetItems(ctx, in, o...)
}

// BatchWriteItem needs dynamodb:BatchWriteItem.
func (c *CheckedDB) BatchWriteItem(ctx context.Context, in *dynamodb.BatchWriteItemInput, o ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error) {
	if err := c.allow("dynamodb:BatchWriteItem"); err != nil {
		return nil, err
	}
	return c.DB.BatchWriteItem(ctx, in, o...)
}

// CallsDirEnv names the directory where each test process records the
// grants its functions' calls used (CallLog); `make test` sets it.
const CallsDirEnv = "DYNAMODB_CALLS_DIR"

// CallLog records the grants a test process saw used, one file per
// process in a directory, one "function grant" line per grant first seen.
type CallLog struct {
	mu   sync.Mutex
	path string
	seen map[string]bool
}

// NewCallLog returns a log writing to a file of its own in dir, named
// after the process (name, e.g. the test binary's package) and its id.
func NewCallLog(dir, name string) *CallLog {
	file := fmt.Sprintf("%s-%d.calls", strings.NewReplacer("/", "_", ".", "_").Replace(name), os.Getpid())
	return &CallLog{path: filepath.Join(dir, file), seen: map[string]bool{}}
}

// Called records that fn used grant.
func (l *CallLog) Called(fn, grant string) error {
	line := fn + " " + grant
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.seen[line] {
		return nil
	}
	f, err := os.OpenFile(l.path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("record dynamodb calls: %w", err)
	}
	if _, err := fmt.Fprintln(f, line); err != nil {
		f.Close()
		return fmt.Errorf("record dynamodb calls: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("record dynamodb calls: %w", err)
	}
	l.seen[line] = true
	return nil
}

// ReadCalls returns the union of the CallLog files in dir: function ->
// grants used.
func ReadCalls(dir string) (map[string]map[string]bool, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.calls"))
	if err != nil {
		return nil, err
	}
	out := map[string]map[string]bool{}
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fn, grant, ok := strings.Cut(sc.Text(), " ")
			if !ok {
				continue
			}
			if out[fn] == nil {
				out[fn] = map[string]bool{}
			}
			out[fn][grant] = true
		}
		err = sc.Err()
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	return out, nil
}
