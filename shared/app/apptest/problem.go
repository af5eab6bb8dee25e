package apptest

import (
	"encoding/json"
	"net/http"
	"testing"
)

// FieldErrors returns the fields a problem+json body names in its "errors"
// member, in order (nil if it names none or is not a problem).
func (r *Response) FieldErrors() []string {
	var p struct {
		Errors []struct {
			Field string `json:"field"`
		} `json:"errors"`
	}
	if json.Unmarshal(r.Body, &p) != nil {
		return nil
	}
	var out []string
	for _, e := range p.Errors {
		out = append(out, e.Field)
	}
	return out
}

// WantFieldError fails the test unless r is a 400 problem whose "errors"
// name field (exactly, among any others).
func WantFieldError(t testing.TB, r *Response, field string) {
	t.Helper()
	if r.Status != http.StatusBadRequest {
		t.Errorf("got %d %s, want 400 naming field %q", r.Status, r.Body, field)
		return
	}
	for _, f := range r.FieldErrors() {
		if f == field {
			return
		}
	}
	t.Errorf("problem %s does not name field %q", r.Body, field)
}
