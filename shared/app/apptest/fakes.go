package apptest

import (
	"context"
	"fmt"

	"github.com/example/myprofile/shared/notify"
)

// FailingMailer is a notify.Mailer whose every send fails as SES does when
// it is down or throttling: with an error wrapping notify.ErrSend.
type FailingMailer struct{}

// SendEmail fails.
func (FailingMailer) SendEmail(context.Context, notify.Email) error {
	return fmt.Errorf("%w: ses is down", notify.ErrSend)
}

// FailingTexter is a notify.Texter whose every send fails with an error
// wrapping notify.ErrSend.
type FailingTexter struct{}

// SendSMS fails.
func (FailingTexter) SendSMS(context.Context, string, string) error {
	return fmt.Errorf("%w: sns is down", notify.ErrSend)
}

var (
	_ notify.Mailer = FailingMailer{}
	_ notify.Texter = FailingTexter{}
)
