// Package sendwire builds the email (SES v2) and SMS (SNS) senders of the
// functions that send messages.
package sendwire

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/example/myprofile/shared/app"
	"github.com/example/myprofile/shared/notify"
)

// Service names of the clients (app.Deps.SetClient).
const (
	SES = "sesv2"
	SNS = "sns"
)

// Mailer returns the SES sender.
func Mailer(d *app.Deps) notify.Mailer {
	c := app.Client(d, SES, func(cfg aws.Config) *sesv2.Client { return sesv2.NewFromConfig(cfg) })
	return &notify.SES{Client: c, From: d.Config.SenderEmail, ConfigurationSet: d.Config.SESConfigurationSet, Metrics: d.Metrics}
}

// Texter returns the SNS SMS sender.
func Texter(d *app.Deps) notify.Texter {
	c := app.Client(d, SNS, func(cfg aws.Config) *sns.Client { return sns.NewFromConfig(cfg) })
	return &notify.SNS{Client: c, SenderID: d.Config.SMSSenderID, Metrics: d.Metrics}
}
