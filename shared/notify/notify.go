package notify

import (
	"context"
	"errors"
	"strings"

	"github.com/aws/smithy-go"
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

// ErrorCode describes a failed AWS call without its message, which may
// quote the recipient's address or number: logs carry ids, not contacts.
func ErrorCode(err error) string {
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
