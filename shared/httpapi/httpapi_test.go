package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/example/myprofile/shared/account"
)

type sample struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
	On    bool   `json:"on"`
	Inner *inner `json:"inner,omitempty"`
}

type inner struct {
	Zone string `json:"zone"`
}

// String shows what Inner points at, so a fuzz failure prints values
// rather than addresses.
func (s sample) String() string {
	in := "nil"
	if s.Inner != nil {
		in = fmt.Sprintf("&{Zone:%q}", s.Inner.Zone)
	}
	return fmt.Sprintf("{Name:%q Count:%d On:%t Inner:%s}", s.Name, s.Count, s.On, in)
}

func TestDecode(t *testing.T) {
	tests := []struct {
		name     string
		ctype    string
		body     string
		wantCode string
		field    string
	}{
		{"valid object", "application/json", `{"name":"a","count":2,"on":true}`, "", ""},
		{"charset parameter accepted", "application/json; charset=utf-8", `{"name":"a"}`, "", ""},
		{"missing content type", "", `{"name":"a"}`, account.CodeUnsupportedMedia, ""},
		{"wrong content type", "text/plain", `{"name":"a"}`, account.CodeUnsupportedMedia, ""},
		{"empty body", "application/json", ``, account.CodeValidation, ""},
		{"whitespace body", "application/json", "  \n", account.CodeValidation, ""},
		{"not an object", "application/json", `[1,2]`, account.CodeValidation, ""},
		{"a string", "application/json", `"x"`, account.CodeValidation, ""},
		{"invalid json", "application/json", `{"name":`, account.CodeValidation, ""},
		{"syntax error", "application/json", `{"name" "a"}`, account.CodeValidation, ""},
		{"unknown field", "application/json", `{"name":"a","admin":true}`, account.CodeValidation, "admin"},
		{"wrong type", "application/json", `{"count":"many"}`, account.CodeValidation, "count"},
		{"member names are case-sensitive", "application/json", `{"NAME":"a"}`, account.CodeValidation, "NAME"},
		{"mixed-case name is unknown", "application/json", `{"name":"a","Count":2}`, account.CodeValidation, "Count"},
		{"duplicate member", "application/json", `{"name":"a","name":"b"}`, account.CodeValidation, "name"},
		{"duplicate member, other case is unknown", "application/json", `{"name":"a","Name":"b"}`, account.CodeValidation, "Name"},
		{"nested member names are case-sensitive", "application/json", `{"inner":{"Zone":"UTC"}}`, account.CodeValidation, "inner.Zone"},
		{"nested duplicate member", "application/json", `{"inner":{"zone":"UTC","zone":"CET"}}`, account.CodeValidation, "inner.zone"},
		{"nested wrong type", "application/json", `{"inner":{"zone":5}}`, account.CodeValidation, "inner.zone"},
		{"nested object accepted", "application/json", `{"inner":{"zone":"UTC"}}`, "", ""},
		{"trailing data", "application/json", `{"name":"a"} {"name":"b"}`, account.CodeValidation, ""},
		{"invalid utf-8", "application/json", "{\"name\":\"\xff\xfe\"}", account.CodeValidation, ""},
		{"too large", "application/json", `{"name":"` + strings.Repeat("a", MaxBodyBytes) + `"}`, account.CodeTooLarge, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/", strings.NewReader(tt.body))
			if tt.ctype != "" {
				r.Header.Set("Content-Type", tt.ctype)
			}
			var dst sample
			err := Decode(r, &dst)
			if tt.wantCode == "" {
				if err != nil {
					t.Fatalf("got %v, want no error", err)
				}
				return
			}
			e := account.AsError(err)
			if e.Code != tt.wantCode {
				t.Fatalf("got code %q, want %q (err %v)", e.Code, tt.wantCode, err)
			}
			if tt.field != "" && (len(e.Fields) != 1 || e.Fields[0].Field != tt.field) {
				t.Errorf("got fields %v, want one naming %q", e.Fields, tt.field)
			}
		})
	}
}

func TestWriteError(t *testing.T) {
	t.Run("validation problem lists fields", func(t *testing.T) {
		rec := httptest.NewRecorder()
		var v account.Validation
		v.Add("timezone", "unknown time zone")
		WriteError(rec, nil, v.Err())
		if rec.Code != 400 || rec.Header().Get("Content-Type") != "application/problem+json" {
			t.Fatalf("got %d %q", rec.Code, rec.Header().Get("Content-Type"))
		}
		var p Problem
		if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
			t.Fatal(err)
		}
		if p.Code != account.CodeValidation || p.Status != 400 || len(p.Errors) != 1 || p.Errors[0].Field != "timezone" || p.Title == "" || p.Type == "" {
			t.Errorf("got %+v", p)
		}
	})
	t.Run("internal errors hide their cause", func(t *testing.T) {
		rec := httptest.NewRecorder()
		WriteError(rec, nil, errors.New("dynamodb: secret table arn:aws:xyz exploded"))
		if rec.Code != 500 {
			t.Fatalf("got %d", rec.Code)
		}
		if strings.Contains(rec.Body.String(), "exploded") || !strings.Contains(rec.Body.String(), `"code":"internal"`) {
			t.Errorf("body leaks or lacks code: %s", rec.Body)
		}
	})
	t.Run("extra members and retry-after", func(t *testing.T) {
		rec := httptest.NewRecorder()
		e := account.Errorf(account.CodeRateLimited, "slow down")
		e.RetryAfter = 1500 * time.Millisecond
		e.Extra = map[string]any{"idpUrl": "https://idp.example", "status": 999}
		WriteError(rec, nil, e)
		if rec.Code != 429 || rec.Header().Get("Retry-After") != "2" {
			t.Fatalf("got %d retry-after %q", rec.Code, rec.Header().Get("Retry-After"))
		}
		var m map[string]any
		_ = json.Unmarshal(rec.Body.Bytes(), &m)
		if m["idpUrl"] != "https://idp.example" || m["status"] != float64(429) {
			t.Errorf("got %v", m)
		}
	})
	t.Run("every code has a status and a title", func(t *testing.T) {
		for code, status := range statusByCode {
			if titles[code] == "" {
				t.Errorf("%s has no title", code)
			}
			if Status(code) != status {
				t.Errorf("Status(%s) = %d", code, Status(code))
			}
		}
		if Status("nonsense") != 500 {
			t.Error("unknown codes must be 500")
		}
	})
}

func TestMiddleware(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	h := Middleware(log, Routes{
		"GET /boom": http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("kaboom with secret") }),
		"POST /ok": Handle(func(w http.ResponseWriter, r *http.Request) error {
			SetUserID(r.Context(), "user-1")
			WriteJSON(w, 200, map[string]string{"ok": "yes"})
			return nil
		}),
	}.Mux())

	t.Run("panic becomes a 500 internal with a request id", func(t *testing.T) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/boom", nil))
		if rec.Code != 500 || !strings.Contains(rec.Body.String(), `"internal"`) || rec.Header().Get("X-Request-Id") == "" {
			t.Fatalf("got %d %s", rec.Code, rec.Body)
		}
		if strings.Contains(rec.Body.String(), "kaboom") {
			t.Error("panic message leaked to the client")
		}
	})
	t.Run("access log has route, status, user and no body", func(t *testing.T) {
		logs.Reset()
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("POST", "/ok", strings.NewReader(`{"password":"hunter2hunter2"}`))
		req.Header.Set("Authorization", "Bearer tok-secret")
		h.ServeHTTP(rec, req)
		line := logs.String()
		for _, want := range []string{`"route":"POST /ok"`, `"status":200`, `"userId":"user-1"`, `"requestId":"` + rec.Header().Get("X-Request-Id") + `"`} {
			if !strings.Contains(line, want) {
				t.Errorf("log %s lacks %s", line, want)
			}
		}
		for _, secret := range []string{"hunter2", "tok-secret"} {
			if strings.Contains(line, secret) {
				t.Errorf("log leaks %q: %s", secret, line)
			}
		}
	})
	t.Run("unknown path is a problem 404", func(t *testing.T) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/nope", nil))
		if rec.Code != 404 || rec.Header().Get("Content-Type") != "application/problem+json" {
			t.Errorf("got %d %s", rec.Code, rec.Header().Get("Content-Type"))
		}
	})
}

func FuzzDecode(f *testing.F) {
	for _, s := range []string{`{"name":"a","count":1}`, `{"name":"a","name":"b"}`, `{"NAME":"a"}`, `{"inner":{"zone":"a"}}`, `{}`, `[]`, `{"count":1e400}`, "{\"name\":\"\xff\"}", `{"a":`, `null`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		r := httptest.NewRequest("POST", "/", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		var dst sample
		err := Decode(r, &dst)
		if err != nil {
			e := account.AsError(err)
			if e.Code == account.CodeInternal {
				t.Fatalf("decoder returned internal error for client input: %v", err)
			}
			if s := Status(e.Code); s < 400 || s >= 500 {
				t.Fatalf("status %d for bad input", s)
			}
			return
		}
		// An accepted body means what encoding/json reads in it, and its
		// re-encoding is accepted as the same value.
		var ref sample
		if err := json.Unmarshal(body, &ref); err != nil {
			t.Fatalf("accepted %q, which encoding/json refuses: %v", body, err)
		}
		// Inner is a pointer: compare the values it points at, not the
		// addresses (two decoders never share an allocation).
		if !reflect.DeepEqual(ref, dst) {
			t.Fatalf("decoded %q as %s, encoding/json reads %s", body, dst, ref)
		}
		again, err := json.Marshal(dst)
		if err != nil {
			t.Fatal(err)
		}
		r = httptest.NewRequest("POST", "/", bytes.NewReader(again))
		r.Header.Set("Content-Type", "application/json")
		var back sample
		if err := Decode(r, &back); err != nil {
			t.Fatalf("re-encoding %s of accepted %q refused: %v", again, body, err)
		}
		if !reflect.DeepEqual(back, dst) {
			t.Fatalf("round trip of %q: %s, then %s", body, dst, back)
		}
	})
}

func TestValidationCheck(t *testing.T) {
	upper := func(s string) (string, string) {
		if s == "" {
			return "", "must not be empty"
		}
		return strings.ToUpper(s), ""
	}
	var v account.Validation
	if got := v.Check("a", "es", upper); got != "ES" {
		t.Errorf("cleaned %q, want ES", got)
	}
	if v.Err() != nil {
		t.Fatalf("a clean value recorded a problem: %v", v.Fields)
	}
	v.Check("b", "", upper)
	if len(v.Fields) != 1 || v.Fields[0] != (account.FieldError{Field: "b", Message: "must not be empty"}) || v.Err() == nil {
		t.Errorf("problems %v, want the message under b", v.Fields)
	}
}
