// Package snssms sends SMS with SNS Publish (notify.Texter).
package snssms

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"

	"github.com/example/myprofile/shared/metrics"
	"github.com/example/myprofile/shared/notify"
)

var _ notify.Texter = (*Texter)(nil)

// Texter sends SMS with SNS Publish to a phone number, as Transactional.
type Texter struct {
	Client   *sns.Client
	SenderID string
	// Metrics counts failed sends (optional).
	Metrics metrics.Counter
}

// SendSMS sends one SMS.
func (s *Texter) SendSMS(ctx context.Context, phone, message string) error {
	attrs := map[string]snstypes.MessageAttributeValue{
		"AWS.SNS.SMS.SMSType": {DataType: aws.String("String"), StringValue: aws.String("Transactional")},
	}
	if s.SenderID != "" {
		attrs["AWS.SNS.SMS.SenderID"] = snstypes.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(s.SenderID)}
	}
	_, err := s.Client.Publish(ctx, &sns.PublishInput{PhoneNumber: aws.String(phone), Message: aws.String(message), MessageAttributes: attrs})
	if err != nil {
		metrics.Inc(ctx, s.Metrics, metrics.SendFailures, map[string]string{"channel": "sms"})
		return fmt.Errorf("%w: sns publish: %s", notify.ErrSend, notify.ErrorCode(err))
	}
	return nil
}
