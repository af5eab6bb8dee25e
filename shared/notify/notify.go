// Package notify sends email through SES v2 and SMS through SNS, and renders
// the messages from per-language templates. It is, with store, the only
// package that talks to AWS.
package notify

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/smithy-go"

	"github.com/example/myprofile/shared/metrics"
)

// Email is one message to one recipient.
type Email struct {
	To      string
	Subject string
	Text    string
	HTML    string
}

// Mailer sends email.
type Mailer interface {
	SendEmail(ctx context.Context, e Email) error
}

// Texter sends SMS.
type Texter interface {
	// SendSMS sends a transactional SMS to an E.164 number.
	SendSMS(ctx context.Context, phone, message string) error
}

// ErrSend wraps every delivery failure, so callers can answer 503 and retry.
var ErrSend = errors.New("notify: delivery failed")

// SES sends email with SES v2 SendEmail, HTML and text bodies.
type SES struct {
	Client           *sesv2.Client
	From             string
	ConfigurationSet string
	// Metrics counts failed sends (optional).
	Metrics metrics.Counter
}

// SendEmail sends e.
func (s *SES) SendEmail(ctx context.Context, e Email) error {
	in := &sesv2.SendEmailInput{
		FromEmailAddress: aws.String(s.From),
		Destination:      &sestypes.Destination{ToAddresses: []string{e.To}},
		Content: &sestypes.EmailContent{Simple: &sestypes.Message{
			Subject: &sestypes.Content{Data: aws.String(e.Subject), Charset: aws.String("UTF-8")},
			Body: &sestypes.Body{
				Text: &sestypes.Content{Data: aws.String(e.Text), Charset: aws.String("UTF-8")},
				Html: &sestypes.Content{Data: aws.String(e.HTML), Charset: aws.String("UTF-8")},
			},
		}},
	}
	if s.ConfigurationSet != "" {
		in.ConfigurationSetName = aws.String(s.ConfigurationSet)
	}
	if _, err := s.Client.SendEmail(ctx, in); err != nil {
		metrics.Inc(ctx, s.Metrics, metrics.SendFailures, map[string]string{"channel": "email"})
		return fmt.Errorf("%w: ses send email: %s", ErrSend, errorCode(err))
	}
	return nil
}

// SNS sends SMS with SNS Publish to a phone number, as Transactional.
type SNS struct {
	Client   *sns.Client
	SenderID string
	// Metrics counts failed sends (optional).
	Metrics metrics.Counter
}

// SendSMS sends one SMS.
func (s *SNS) SendSMS(ctx context.Context, phone, message string) error {
	attrs := map[string]snstypes.MessageAttributeValue{
		"AWS.SNS.SMS.SMSType": {DataType: aws.String("String"), StringValue: aws.String("Transactional")},
	}
	if s.SenderID != "" {
		attrs["AWS.SNS.SMS.SenderID"] = snstypes.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(s.SenderID)}
	}
	_, err := s.Client.Publish(ctx, &sns.PublishInput{PhoneNumber: aws.String(phone), Message: aws.String(message), MessageAttributes: attrs})
	if err != nil {
		metrics.Inc(ctx, s.Metrics, metrics.SendFailures, map[string]string{"channel": "sms"})
		return fmt.Errorf("%w: sns publish: %s", ErrSend, errorCode(err))
	}
	return nil
}

// errorCode describes a failed AWS call without its message, which may
// quote the recipient's address or number: logs carry ids, not contacts.
func errorCode(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	var op *smithy.OperationError
	if errors.As(err, &op) {
		return op.Operation() + " failed"
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err.Error()
	}
	return "request failed"
}

// MaskEmail hides most of an address for notices: "n***@example.com".
func MaskEmail(addr string) string {
	local, domain, ok := strings.Cut(addr, "@")
	if !ok || local == "" {
		return "***"
	}
	r := []rune(local)
	return string(r[0]) + "***@" + domain
}

// MaskPhone keeps the last four digits: "***1234".
func MaskPhone(phone string) string {
	if len(phone) <= 4 {
		return "***"
	}
	return "***" + phone[len(phone)-4:]
}
