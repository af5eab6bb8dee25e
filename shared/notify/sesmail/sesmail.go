// Package sesmail sends email with SES v2 (notify.Mailer).
package sesmail

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"github.com/example/myprofile/shared/metrics"
	"github.com/example/myprofile/shared/notify"
)

var _ notify.Mailer = (*Mailer)(nil)

// Mailer sends email with SES v2 SendEmail, HTML and text bodies.
type Mailer struct {
	Client           *sesv2.Client
	From             string
	ConfigurationSet string
	// Metrics counts failed sends (optional).
	Metrics metrics.Counter
}

// SendEmail sends e.
func (s *Mailer) SendEmail(ctx context.Context, e notify.Email) error {
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
		return fmt.Errorf("%w: ses send email: %s", notify.ErrSend, notify.ErrorCode(err))
	}
	return nil
}
