package connections_test

import (
	"bytes"
	"sync"
	"testing"

	"github.com/example/myprofile/infra/localcloud"
)

// The providers' stand-ins are localcloud's (the same `make run` starts): a
// real OAuth 2.0 / OpenID server (mockoidc), a real CalDAV server seeded
// with two calendars, and the provider API calls in their documented
// response shapes.

const (
	appleID     = localcloud.LocalAppleID
	appPassword = localcloud.LocalAppPassword
)

func startProviders(t *testing.T) *localcloud.Providers {
	t.Helper()
	p, err := localcloud.StartProviders(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Stop)
	return p
}

// syncBuffer collects log lines written concurrently.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
