package localcloud_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/smithy-go"

	"github.com/example/myprofile/infra/localcloud"
)

func TestSNSRecorderPublish(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 5, 1, 7, 30, 0, 0, time.UTC)
	rec := &localcloud.SNSRecorder{Now: func() time.Time { return at }}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	client := sns.NewFromConfig(mustConfig(t), func(o *sns.Options) { o.BaseEndpoint = aws.String(srv.URL) })

	smsType := func(v string) map[string]snstypes.MessageAttributeValue {
		return map[string]snstypes.MessageAttributeValue{
			"AWS.SNS.SMS.SMSType":  {DataType: aws.String("String"), StringValue: aws.String(v)},
			"AWS.SNS.SMS.SenderID": {DataType: aws.String("String"), StringValue: aws.String("MyProfile")},
		}
	}
	tests := []struct {
		name     string
		in       sns.PublishInput
		wantCode string // API error code; empty: accepted
		want     localcloud.SMS
	}{
		{
			name: "transactional sms is recorded",
			in:   sns.PublishInput{PhoneNumber: aws.String("+14155550100"), Message: aws.String("Your code is 123456"), MessageAttributes: smsType("Transactional")},
			want: localcloud.SMS{PhoneNumber: "+14155550100", Message: "Your code is 123456", SMSType: "Transactional", At: at},
		},
		{
			name: "sms without attributes is recorded",
			in:   sns.PublishInput{PhoneNumber: aws.String("+447700900123"), Message: aws.String("Low credit: 5 EUR left & more <soon>")},
			want: localcloud.SMS{PhoneNumber: "+447700900123", Message: "Low credit: 5 EUR left & more <soon>", At: at},
		},
		{
			name:     "phone number not in E.164 is refused",
			in:       sns.PublishInput{PhoneNumber: aws.String("0155 555"), Message: aws.String("x")},
			wantCode: "InvalidParameter",
		},
		{
			name:     "empty message is refused",
			in:       sns.PublishInput{PhoneNumber: aws.String("+14155550100"), Message: aws.String("")},
			wantCode: "ValidationError",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := len(rec.Messages())
			out, err := client.Publish(t.Context(), &tt.in)
			if tt.wantCode != "" {
				var apiErr smithy.APIError
				if !errors.As(err, &apiErr) || apiErr.ErrorCode() != tt.wantCode {
					t.Fatalf("got %v, want API error %s", err, tt.wantCode)
				}
				if got := len(rec.Messages()); got != n {
					t.Fatalf("refused message was recorded: %d messages, want %d", got, n)
				}
				return
			}
			if err != nil {
				t.Fatalf("Publish: %v", err)
			}
			if aws.ToString(out.MessageId) == "" {
				t.Error("no MessageId in the response")
			}
			msgs, err := localcloud.SMSMessages(t.Context(), srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			if len(msgs) != n+1 {
				t.Fatalf("got %d messages, want %d", len(msgs), n+1)
			}
			got := msgs[n]
			if got.MessageID != aws.ToString(out.MessageId) {
				t.Errorf("messageId: got %q, want %q", got.MessageID, aws.ToString(out.MessageId))
			}
			got.MessageID = ""
			if !got.At.Equal(tt.want.At) {
				t.Errorf("at: got %v, want %v", got.At, tt.want.At)
			}
			got.At = tt.want.At
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestSNSRecorderRefusesOtherActions(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(&localcloud.SNSRecorder{})
	t.Cleanup(srv.Close)
	resp, err := http.Post(srv.URL, "application/x-www-form-urlencoded", strings.NewReader("Action=CreateTopic&Name=x&Version=2010-03-31"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("status: got %d, want 400", resp.StatusCode)
	}
}

func TestStartSNSRecorder(t *testing.T) {
	t.Parallel()
	if _, _, err := localcloud.StartSNSRecorder(t.Context(), "0.0.0.0:0"); err == nil {
		t.Fatal("listening on every interface was allowed")
	}
	svc, rec, err := localcloud.StartSNSRecorder(t.Context(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	client := sns.NewFromConfig(mustConfig(t), func(o *sns.Options) { o.BaseEndpoint = aws.String(svc.Endpoint) })
	if _, err := client.Publish(t.Context(), &sns.PublishInput{PhoneNumber: aws.String("+14155550101"), Message: aws.String("hi")}); err != nil {
		t.Fatal(err)
	}
	if got := len(rec.Messages()); got != 1 {
		t.Fatalf("recorded %d, want 1", got)
	}
	svc.Stop()
	if _, err := localcloud.SMSMessages(t.Context(), svc.Endpoint); err == nil {
		t.Error("recorder still answers after Stop")
	}
}

func TestSNSRecorderPage(t *testing.T) {
	t.Parallel()
	rec := &localcloud.SNSRecorder{}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	client := sns.NewFromConfig(mustConfig(t), func(o *sns.Options) { o.BaseEndpoint = aws.String(srv.URL) })
	for _, m := range []string{"Your code is 111111", "Low credit <b>now</b>"} {
		if _, err := client.Publish(t.Context(), &sns.PublishInput{PhoneNumber: aws.String("+14155550100"), Message: aws.String(m)}); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := srv.Client().Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	page := string(b)
	first, second := strings.Index(page, "Low credit &lt;b&gt;now&lt;/b&gt;"), strings.Index(page, "Your code is 111111")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || first < 0 || second < 0 || first > second {
		t.Errorf("%d %s: want both messages, escaped, newest first:\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), page)
	}
}
