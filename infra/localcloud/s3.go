package localcloud

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// DefaultS3Port is the S3 emulator's port in `make run`.
const DefaultS3Port = 8007

// ObjectCreated is called after an object was stored, like an S3
// object-created notification (bucket, key, size in bytes). Unlike S3 it
// runs before the upload's response returns, so a local run or a test sees
// the result as soon as its upload finished. An error is logged only (S3
// would retry the function; here the developer sees it in the log).
type ObjectCreated func(ctx context.Context, bucket, key string, size int64) error

// S3Options configures the S3 emulator.
type S3Options struct {
	// Addr to listen on, on a loopback address ("127.0.0.1:0" picks a port).
	Addr string
	// Buckets to create.
	Buckets []string
	// SecretAccessKey checks the signature of presigned POST policies
	// (default DummySecretAccessKey; the SDK signs with it locally).
	SecretAccessKey string
	// NotifyPrefix limits OnCreated to keys with this prefix (as a bucket
	// notification's filter does).
	NotifyPrefix string
	// OnCreated receives object-created events (nil: none).
	OnCreated ObjectCreated
	// Now is the clock policies expire on (nil: time.Now).
	Now func() time.Time
	// Log receives event failures (nil: slog.Default()).
	Log *slog.Logger
}

// StartS3 runs the gofakes3 S3 emulator (in memory, path-style addressing)
// in this process. gofakes3 accepts browser form uploads but checks neither
// their policy nor their signature, so this wrapper does, as S3 would:
// signature (SigV4 over the policy), expiration, bucket, key and
// Content-Type conditions, content-length-range, and that every form field
// (but policy, x-amz-signature, file and x-ignore-*) is named by a
// condition.
func StartS3(ctx context.Context, o S3Options) (*Service, error) {
	if o.Addr == "" {
		o.Addr = "127.0.0.1:0"
	}
	host, _, err := net.SplitHostPort(o.Addr)
	if err != nil {
		return nil, fmt.Errorf("s3 emulator address %q: %w", o.Addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("s3 emulator address %q: only loopback addresses are allowed", o.Addr)
	}
	if o.SecretAccessKey == "" {
		o.SecretAccessKey = DummySecretAccessKey
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	backend := s3mem.New()
	for _, b := range o.Buckets {
		if err := backend.CreateBucket(b); err != nil && !errors.Is(err, gofakes3.ErrBucketAlreadyExists) && !gofakes3.HasErrorCode(err, gofakes3.ErrBucketAlreadyExists) {
			return nil, fmt.Errorf("s3 emulator: create bucket %s: %w", b, err)
		}
	}
	faker := gofakes3.New(backend, gofakes3.WithTimeSource(gofakes3.DefaultTimeSource()), gofakes3.WithLogger(gofakes3.DiscardLog()))
	var lc net.ListenConfig
	l, err := lc.Listen(ctx, "tcp", o.Addr)
	if err != nil {
		return nil, fmt.Errorf("s3 emulator: listen on %s (is another local environment running? set AWS_ENDPOINT_URL_S3 to reuse it): %w", o.Addr, err)
	}
	srv := &http.Server{Handler: &s3Front{o: o, next: faker.Server()}, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			slog.Error("s3 emulator stopped", "err", err)
		}
	}()
	stop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-done
	}
	return &Service{Name: "s3", Endpoint: "http://" + l.Addr().String(), stop: stop}, nil
}

// maxFormUpload bounds what the emulator buffers of one form upload.
const maxFormUpload = 32 << 20

// s3Front checks form upload policies and raises object-created events
// around gofakes3.
type s3Front struct {
	o    S3Options
	next http.Handler
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (f *s3Front) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, "/")
	bucket, objKey, _ := strings.Cut(path, "/")
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	isForm := r.Method == http.MethodPost && objKey == "" && bucket != "" && mt == "multipart/form-data"
	isPut := r.Method == http.MethodPut && objKey != "" && r.Header.Get("X-Amz-Copy-Source") == "" && r.URL.Query().Get("uploadId") == ""
	var size int64
	if isForm {
		body, err := io.ReadAll(io.LimitReader(r.Body, maxFormUpload+1))
		if err != nil || len(body) > maxFormUpload {
			s3Error(w, http.StatusBadRequest, "EntityTooLarge", "The upload is larger than the emulator accepts.")
			return
		}
		fields, fileSize, status, code, msg := f.checkForm(r, bucket, body)
		if code != "" {
			s3Error(w, status, code, msg)
			return
		}
		objKey, size = fields["key"], fileSize
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
	} else if isPut {
		size = r.ContentLength
	}
	sw := &statusWriter{ResponseWriter: w}
	f.next.ServeHTTP(sw, r)
	if sw.status == 0 {
		sw.status = http.StatusOK // nothing written: net/http answers 200
	}
	if (isForm || isPut) && sw.status >= 200 && sw.status < 300 && f.o.OnCreated != nil && strings.HasPrefix(objKey, f.o.NotifyPrefix) {
		if err := f.o.OnCreated(context.WithoutCancel(r.Context()), bucket, objKey, size); err != nil {
			f.o.Log.Error("s3 emulator: object-created handler failed", "bucket", bucket, "key", objKey, "err", err)
		}
	}
}

// checkForm validates a browser form upload the way S3 does and returns
// its fields (lower-cased names) and file size, or an S3 error.
func (f *s3Front) checkForm(r *http.Request, bucket string, body []byte) (map[string]string, int64, int, string, string) {
	_, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	req, _ := http.NewRequestWithContext(r.Context(), http.MethodPost, "/", bytes.NewReader(body))
	req.Header.Set("Content-Type", r.Header.Get("Content-Type"))
	if params["boundary"] == "" {
		return nil, 0, http.StatusBadRequest, "MalformedPOSTRequest", "No multipart boundary."
	}
	if err := req.ParseMultipartForm(maxFormUpload); err != nil {
		return nil, 0, http.StatusBadRequest, "MalformedPOSTRequest", "The body of your POST request is not well-formed multipart/form-data."
	}
	defer req.MultipartForm.RemoveAll()
	fields := map[string]string{"bucket": bucket}
	var submitted []string // the form's field names, lower case
	for k, v := range req.MultipartForm.Value {
		if len(v) > 0 {
			fields[strings.ToLower(k)] = v[0]
			submitted = append(submitted, strings.ToLower(k))
		}
	}
	files := req.MultipartForm.File["file"]
	if len(files) != 1 {
		return nil, 0, http.StatusBadRequest, "InvalidArgument", "POST requires exactly one file upload per request."
	}
	size := files[0].Size
	policyB64 := fields["policy"]
	if policyB64 == "" {
		return nil, 0, http.StatusForbidden, "AccessDenied", "Bucket POST must contain a policy (anonymous uploads are not allowed)."
	}
	// Signature: SigV4 over the base64 policy.
	cred := strings.Split(fields["x-amz-credential"], "/")
	if len(cred) != 5 || fields["x-amz-algorithm"] != "AWS4-HMAC-SHA256" {
		return nil, 0, http.StatusForbidden, "AccessDenied", "Invalid credential or algorithm."
	}
	key := hmacSHA256([]byte("AWS4"+f.o.SecretAccessKey), cred[1])
	for _, part := range cred[2:] {
		key = hmacSHA256(key, part)
	}
	want := hex.EncodeToString(hmacSHA256(key, policyB64))
	if !hmac.Equal([]byte(want), []byte(strings.ToLower(fields["x-amz-signature"]))) {
		return nil, 0, http.StatusForbidden, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided."
	}
	raw, err := base64.StdEncoding.DecodeString(policyB64)
	if err != nil {
		return nil, 0, http.StatusBadRequest, "InvalidPolicyDocument", "Invalid Policy: invalid base64."
	}
	var policy struct {
		Expiration string            `json:"expiration"`
		Conditions []json.RawMessage `json:"conditions"`
	}
	if err := json.Unmarshal(raw, &policy); err != nil {
		return nil, 0, http.StatusBadRequest, "InvalidPolicyDocument", "Invalid Policy: invalid JSON."
	}
	exp, err := time.Parse(time.RFC3339, policy.Expiration)
	if err != nil {
		return nil, 0, http.StatusBadRequest, "InvalidPolicyDocument", "Invalid Policy: invalid expiration."
	}
	if !f.o.Now().Before(exp) {
		return nil, 0, http.StatusForbidden, "AccessDenied", "Invalid according to Policy: Policy expired."
	}
	covered := map[string]bool{}
	for _, c := range policy.Conditions {
		if status, code, msg := checkCondition(c, fields, size); code != "" {
			return nil, 0, status, code, msg
		}
		for _, name := range conditionFields(c) {
			covered[name] = true
		}
	}
	// As S3: every form field but the policy, the signature, the file and
	// x-ignore-* fields must be named by a condition of the policy.
	var extra []string
	for _, name := range submitted {
		if name == "policy" || name == "x-amz-signature" || name == "file" || strings.HasPrefix(name, "x-ignore-") || covered[name] {
			continue
		}
		extra = append(extra, name)
	}
	if len(extra) > 0 {
		sort.Strings(extra)
		return nil, 0, http.StatusForbidden, "AccessDenied", "Invalid according to Policy: Extra input fields: " + strings.Join(extra, ", ")
	}
	return fields, size, 0, "", ""
}

// conditionFields returns the form fields (lower case) a policy condition
// names: the keys of {"name": "value"}, the $name of ["eq"|"starts-with",
// "$name", value].
func conditionFields(raw json.RawMessage) []string {
	var exact map[string]string
	if json.Unmarshal(raw, &exact) == nil {
		var out []string
		for k := range exact {
			out = append(out, strings.ToLower(k))
		}
		return out
	}
	var list []any
	if json.Unmarshal(raw, &list) != nil || len(list) != 3 {
		return nil
	}
	if op, _ := list[0].(string); !strings.EqualFold(op, "eq") && !strings.EqualFold(op, "starts-with") {
		return nil
	}
	name, _ := list[1].(string)
	return []string{strings.ToLower(strings.TrimPrefix(name, "$"))}
}

func checkCondition(raw json.RawMessage, fields map[string]string, size int64) (int, string, string) {
	denied := func(what string) (int, string, string) {
		return http.StatusForbidden, "AccessDenied", "Invalid according to Policy: Policy Condition failed: " + what
	}
	var exact map[string]string
	if json.Unmarshal(raw, &exact) == nil {
		for k, v := range exact {
			if fields[strings.ToLower(k)] != v {
				return denied(`["eq", "$` + k + `", ...]`)
			}
		}
		return 0, "", ""
	}
	var list []any
	if err := json.Unmarshal(raw, &list); err != nil || len(list) != 3 {
		return http.StatusBadRequest, "InvalidPolicyDocument", "Invalid Policy: invalid condition."
	}
	op, _ := list[0].(string)
	switch strings.ToLower(op) {
	case "content-length-range":
		lo, okLo := number(list[1])
		hi, okHi := number(list[2])
		if !okLo || !okHi {
			return http.StatusBadRequest, "InvalidPolicyDocument", "Invalid Policy: invalid content-length-range."
		}
		if size > hi {
			return http.StatusBadRequest, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size."
		}
		if size < lo {
			return http.StatusBadRequest, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size."
		}
	case "eq", "starts-with":
		name, _ := list[1].(string)
		val, _ := list[2].(string)
		got := fields[strings.ToLower(strings.TrimPrefix(name, "$"))]
		if (op == "eq" && got != val) || (op == "starts-with" && !strings.HasPrefix(got, val)) {
			return denied(fmt.Sprintf(`[%q, %q, %q]`, op, name, val))
		}
	default:
		return http.StatusBadRequest, "InvalidPolicyDocument", "Invalid Policy: unknown condition " + strconv.Quote(op) + "."
	}
	return 0, "", ""
}

func number(v any) (int64, bool) {
	switch n := v.(type) {
	case float64:
		return int64(n), true
	case string:
		i, err := strconv.ParseInt(n, 10, 64)
		return i, err == nil
	}
	return 0, false
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

func s3Error(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>`+"\n<Error><Code>%s</Code><Message>%s</Message></Error>", code, xmlEscape(msg))
}

func xmlEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '"':
			b.WriteString("&quot;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
