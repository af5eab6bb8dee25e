package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"
	"unicode/utf8"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/example/myprofile/shared/account"
)

// MaxBodyBytes is the largest request body accepted (API.md: 64 KiB).
const MaxBodyBytes = 64 << 10

// WriteJSON writes v as a JSON response.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	writeJSON(w, status, "application/json", v)
}

func writeJSON(w http.ResponseWriter, status int, contentType string, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		status = http.StatusInternalServerError
		buf.Reset()
		buf.WriteString(`{"type":"about:blank","title":"Internal error","status":500,"code":"internal"}` + "\n")
		contentType = "application/problem+json"
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// Decode reads a JSON object from the request body into dst, strictly:
// the Content-Type must be application/json (415), the body at most 64 KiB
// (413), valid UTF-8 JSON holding one object (400), with no unknown fields
// (400 naming the field) and values of the right types (400 naming the field).
func Decode(r *http.Request, dst any) error {
	raw, err := ReadBody(r)
	if err != nil {
		return err
	}
	return DecodeBytes(raw, dst)
}

// ReadBody checks the content type and size and returns the raw body.
func ReadBody(r *http.Request) ([]byte, error) {
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if ct == "" || err != nil || (mt != "application/json" && mt != "application/merge-patch+json") {
		return nil, account.Errorf(account.CodeUnsupportedMedia, "Send the body as application/json.")
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
	if err != nil {
		return nil, account.Errorf(account.CodeValidation, "The request body could not be read.")
	}
	if len(raw) > MaxBodyBytes {
		return nil, account.Errorf(account.CodeTooLarge, "The request body is larger than %d bytes.", MaxBodyBytes)
	}
	return raw, nil
}

// DecodeBytes is Decode's strict JSON check on an already read body.
// Member names match the struct's JSON names exactly (case-sensitively),
// and a name given twice in one object is refused (RFC 8259 leaves its
// meaning open; RFC 7493 I-JSON forbids it), at every depth: both are
// go-json-experiment/json (encoding/json/v2) defaults.
func DecodeBytes(raw []byte, dst any) error {
	if len(bytes.TrimSpace(raw)) == 0 {
		return account.Errorf(account.CodeValidation, "The request body is empty; send a JSON object.")
	}
	if !utf8.Valid(raw) {
		return account.Errorf(account.CodeValidation, "The request body is not valid UTF-8.")
	}
	trimmed := bytes.TrimSpace(raw)
	if trimmed[0] != '{' {
		return account.Errorf(account.CodeValidation, "The request body must be a JSON object.")
	}
	dec := jsontext.NewDecoder(bytes.NewReader(raw))
	if err := jsonv2.UnmarshalDecode(dec, dst, jsonv2.RejectUnknownMembers(true)); err != nil {
		return decodeError(err)
	}
	if _, err := dec.ReadToken(); !errors.Is(err, io.EOF) {
		return account.Errorf(account.CodeValidation, "The request body has data after the JSON object.")
	}
	return nil
}

func decodeError(err error) error {
	var syn *jsontext.SyntacticError
	var sem *jsonv2.SemanticError
	switch {
	case errors.Is(err, jsontext.ErrDuplicateName) && errors.As(err, &syn):
		return fieldError("The request has a member given twice.", pointerField(syn.JSONPointer), "is given more than once")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return account.Errorf(account.CodeValidation, "The request body is not valid JSON (it ends too early).")
	case errors.As(err, &syn):
		return account.Errorf(account.CodeValidation, "The request body is not valid JSON (at byte %d).", syn.ByteOffset)
	case errors.Is(err, jsonv2.ErrUnknownName) && errors.As(err, &sem):
		return fieldError("The request has unknown fields.", pointerField(sem.JSONPointer), "unknown field")
	case errors.As(err, &sem) && sem.GoType != nil:
		field := pointerField(sem.JSONPointer)
		if field == "" {
			return account.Errorf(account.CodeValidation, "The request body has a value of the wrong type.")
		}
		return fieldError("The request has invalid fields.", field, "must be "+jsonKind(sem.GoType.Kind().String()))
	}
	return account.Errorf(account.CodeValidation, "The request body is not valid JSON.")
}

func fieldError(detail, field, msg string) error {
	if field == "" {
		return account.Errorf(account.CodeValidation, "%s", detail)
	}
	return &account.Error{Code: account.CodeValidation, Detail: detail,
		Fields: []account.FieldError{{Field: field, Message: msg}}}
}

// pointerField turns a JSON pointer ("/availability/timezone") into the
// dotted field path problems use ("availability.timezone").
func pointerField(p jsontext.Pointer) string {
	var parts []string
	for tok := range p.Tokens() {
		parts = append(parts, tok)
	}
	return strings.Join(parts, ".")
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return "an integer"
	case "float32", "float64":
		return "a number"
	case "slice", "array":
		return "an array"
	case "map", "struct", "ptr":
		return "an object"
	}
	return "of another type"
}
