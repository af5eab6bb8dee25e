package strength

import (
	"bufio"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/example/myprofile/shared/metrics"
)

// BreachCheckFailures counts breach checks that could not be made (the
// range API unreachable or answering badly); the password was accepted.
const BreachCheckFailures = "PasswordBreachCheckFailures"

// DefaultBreachTimeout bounds one range query.
const DefaultBreachTimeout = 2 * time.Second

// BreachChecker asks a k-anonymity range API (the Pwned Passwords
// protocol, https://haveibeenpwned.com/API/v3#SearchingPwnedPasswordsByRange)
// whether a password appears in a breach corpus. Only the first 5 hex
// characters of the password's SHA-1 leave the system; the API answers
// every suffix it knows under that prefix and the match is made here.
type BreachChecker struct {
	// Endpoint is the range URL; the prefix is appended to it
	// (e.g. "https://api.pwnedpasswords.com/range/").
	Endpoint string
	Client   *http.Client    // nil: http.DefaultClient
	Timeout  time.Duration   // per query; 0: DefaultBreachTimeout
	Metrics  metrics.Counter // nil: nothing counted
}

// Breached reports whether the password is in the corpus. It fails open:
// when the API cannot answer it logs, counts BreachCheckFailures and
// returns false, so an outage of the API never blocks a sign-up.
func (b *BreachChecker) Breached(ctx context.Context, password string) bool {
	found, err := b.lookup(ctx, password)
	if err != nil {
		slog.WarnContext(ctx, "password breach check unavailable; password accepted", "err", err)
		if b.Metrics != nil {
			_ = b.Metrics.Count(ctx, BreachCheckFailures, 1, nil)
		}
		return false
	}
	return found
}

func (b *BreachChecker) lookup(ctx context.Context, password string) (bool, error) {
	sum := sha1.Sum([]byte(password))
	digest := strings.ToUpper(hex.EncodeToString(sum[:]))
	prefix, suffix := digest[:5], digest[5:]
	timeout := b.Timeout
	if timeout <= 0 {
		timeout = DefaultBreachTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.Endpoint+prefix, nil)
	if err != nil {
		return false, fmt.Errorf("breach check: request: %w", err)
	}
	// Padding makes every answer about the same size, so the response
	// length does not tell an observer the prefix's bucket.
	req.Header.Set("Add-Padding", "true")
	client := b.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return false, fmt.Errorf("breach check: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return false, fmt.Errorf("breach check: status %d", resp.StatusCode)
	}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		s, count, ok := strings.Cut(strings.TrimSpace(sc.Text()), ":")
		// Padding lines have a count of 0.
		if ok && strings.EqualFold(s, suffix) && strings.TrimSpace(count) != "0" {
			return true, nil
		}
	}
	if err := sc.Err(); err != nil {
		return false, fmt.Errorf("breach check: read: %w", err)
	}
	return false, nil
}
