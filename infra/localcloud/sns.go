package localcloud

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"time"
)

// SMS is one text message recorded by the SNS recorder.
type SMS struct {
	MessageID   string    `json:"messageId"`
	PhoneNumber string    `json:"phoneNumber"`
	Message     string    `json:"message"`
	SMSType     string    `json:"smsType,omitempty"` // AWS.SNS.SMS.SMSType: Transactional or Promotional
	TopicArn    string    `json:"topicArn,omitempty"`
	At          time.Time `json:"at"`
}

// SNSRecorder is an http.Handler that speaks the SNS Publish action the way
// the AWS SDK for Go v2 sends it (the awsQuery protocol: a form-encoded POST
// answered with XML) and records each message instead of sending it.
// GET /store lists what was recorded as {"messages": [...]}; GET / shows
// them as a web page, newest first (like the SES emulator's mail view).
//
// Only Publish is supported; any other action gets an InvalidAction error.
type SNSRecorder struct {
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	mu       sync.Mutex
	messages []SMS
}

// maxRecorded bounds the memory a long `make run` uses.
const maxRecorded = 10000

// e164 is the phone number format SNS accepts for SMS.
var e164 = regexp.MustCompile(`^\+[1-9][0-9]{1,14}$`)

// Messages returns a copy of the recorded messages, oldest first.
func (r *SNSRecorder) Messages() []SMS {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]SMS, len(r.messages))
	copy(out, r.messages)
	return out
}

func (r *SNSRecorder) now() time.Time {
	if r.Now != nil {
		return r.Now().UTC()
	}
	return time.Now().UTC()
}

// ServeHTTP implements http.Handler.
func (r *SNSRecorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	switch {
	case req.Method == http.MethodGet && req.URL.Path == "/store":
		r.serveStore(w)
	case req.Method == http.MethodGet && req.URL.Path == "/":
		r.servePage(w)
	case req.Method == http.MethodPost:
		r.serveAction(w, req)
	default:
		http.NotFound(w, req)
	}
}

func (r *SNSRecorder) serveStore(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	if err := json.NewEncoder(w).Encode(struct {
		Messages []SMS `json:"messages"`
	}{r.Messages()}); err != nil {
		slog.Warn("sns recorder: write store", "err", err)
	}
}

func (r *SNSRecorder) serveAction(w http.ResponseWriter, req *http.Request) {
	req.Body = http.MaxBytesReader(w, req.Body, 1<<20)
	if err := req.ParseForm(); err != nil {
		writeSNSError(w, http.StatusBadRequest, "InvalidParameter", "could not parse the form body")
		return
	}
	form := req.PostForm
	if action := form.Get("Action"); action != "Publish" {
		writeSNSError(w, http.StatusBadRequest, "InvalidAction", fmt.Sprintf("the SNS recorder supports only Publish, not %q", action))
		return
	}
	msg := SMS{
		PhoneNumber: form.Get("PhoneNumber"),
		Message:     form.Get("Message"),
		TopicArn:    firstNonEmpty(form.Get("TopicArn"), form.Get("TargetArn")),
		SMSType:     messageAttributes(form)["AWS.SNS.SMS.SMSType"],
	}
	switch {
	case msg.Message == "":
		writeSNSError(w, http.StatusBadRequest, "ValidationError", "1 validation error detected: Value null at 'message' failed to satisfy constraint: Member must not be null")
		return
	case msg.PhoneNumber == "" && msg.TopicArn == "":
		writeSNSError(w, http.StatusBadRequest, "InvalidParameter", "Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter")
		return
	case msg.PhoneNumber != "" && !e164.MatchString(msg.PhoneNumber):
		writeSNSError(w, http.StatusBadRequest, "InvalidParameter", "Invalid parameter: PhoneNumber Reason: "+msg.PhoneNumber+" is not valid to publish to")
		return
	}
	msg.MessageID = NewID()
	msg.At = r.now()
	r.mu.Lock()
	r.messages = append(r.messages, msg)
	if over := len(r.messages) - maxRecorded; over > 0 {
		r.messages = append(r.messages[:0], r.messages[over:]...)
	}
	r.mu.Unlock()

	type result struct {
		MessageID string `xml:"MessageId"`
	}
	type metadata struct {
		RequestID string `xml:"RequestId"`
	}
	writeXML(w, http.StatusOK, struct {
		XMLName  xml.Name `xml:"PublishResponse"`
		XMLNS    string   `xml:"xmlns,attr"`
		Result   result   `xml:"PublishResult"`
		Metadata metadata `xml:"ResponseMetadata"`
	}{XMLNS: snsXMLNS, Result: result{msg.MessageID}, Metadata: metadata{NewID()}})
}

const snsXMLNS = "http://sns.amazonaws.com/doc/2010-03-31/"

// messageAttributes decodes the awsQuery map encoding of MessageAttributes:
// MessageAttributes.entry.N.Name and MessageAttributes.entry.N.Value.StringValue.
func messageAttributes(form url.Values) map[string]string {
	out := map[string]string{}
	for i := 1; i <= 10; i++ { // SNS allows at most 10 attributes
		prefix := "MessageAttributes.entry." + strconv.Itoa(i)
		name := form.Get(prefix + ".Name")
		if name == "" {
			break
		}
		out[name] = form.Get(prefix + ".Value.StringValue")
	}
	return out
}

func writeSNSError(w http.ResponseWriter, status int, code, message string) {
	type errBody struct {
		Type    string `xml:"Type"`
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	}
	writeXML(w, status, struct {
		XMLName   xml.Name `xml:"ErrorResponse"`
		XMLNS     string   `xml:"xmlns,attr"`
		Error     errBody  `xml:"Error"`
		RequestID string   `xml:"RequestId"`
	}{XMLNS: snsXMLNS, Error: errBody{"Sender", code, message}, RequestID: NewID()})
}

func writeXML(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(xml.Header))
	if err := xml.NewEncoder(w).Encode(v); err != nil {
		slog.Warn("sns recorder: write response", "err", err)
	}
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// NewID returns a random UUID-shaped identifier.
func NewID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on Linux
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// StartSNSRecorder serves a new SNSRecorder on addr ("127.0.0.1:8006";
// "127.0.0.1:0" picks a free port) until Stop. ctx bounds the start only.
func StartSNSRecorder(ctx context.Context, addr string) (*Service, *SNSRecorder, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, nil, fmt.Errorf("sns recorder address %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, nil, fmt.Errorf("sns recorder address %q: only loopback addresses are allowed", addr)
	}
	var lc net.ListenConfig
	l, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, nil, fmt.Errorf("sns recorder: listen on %s (is another local environment running? set AWS_ENDPOINT_URL_SNS to reuse it): %w", addr, err)
	}
	rec := &SNSRecorder{}
	srv := &http.Server{Handler: rec, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			slog.Error("sns recorder stopped", "err", err)
		}
	}()
	stop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-done
	}
	return &Service{Name: "sns", Endpoint: "http://" + l.Addr().String(), stop: stop}, rec, nil
}

var smsPage = template.Must(template.New("sms").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Text messages (local)</title>
<meta http-equiv="refresh" content="5">
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border-bottom:1px solid #ddd;padding:.4em .8em;text-align:left;vertical-align:top}
td.msg{white-space:pre-wrap;font-family:monospace}</style></head><body>
<h1>Text messages sent through SNS</h1>
<p>{{len .}} message(s), newest first; refreshes every 5 s. JSON: <a href="/store">/store</a>.</p>
<table><tr><th>at (UTC)</th><th>to</th><th>type</th><th>message</th></tr>
{{range .}}<tr><td>{{.At.Format "2006-01-02 15:04:05"}}</td><td>{{.PhoneNumber}}</td><td>{{.SMSType}}</td><td class="msg">{{.Message}}</td></tr>
{{else}}<tr><td colspan="4">Nothing sent yet.</td></tr>{{end}}</table>
</body></html>
`))

func (r *SNSRecorder) servePage(w http.ResponseWriter) {
	msgs := r.Messages()
	slices.Reverse(msgs)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := smsPage.Execute(w, msgs); err != nil {
		slog.Warn("sns recorder: write page", "err", err)
	}
}
