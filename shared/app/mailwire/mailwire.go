// Package mailwire builds the email sender (SES v2) of the functions that
// send email.
package mailwire

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/example/myprofile/shared/app"
	"github.com/example/myprofile/shared/notify"
	"github.com/example/myprofile/shared/notify/sesmail"
)

// SES is the service name of the SES v2 client (app.Deps.SetClient).
const SES = "sesv2"

// Mailer returns the SES sender.
func Mailer(d *app.Deps) notify.Mailer {
	c := app.Client(d, SES, func(cfg aws.Config) *sesv2.Client { return sesv2.NewFromConfig(cfg) })
	return &sesmail.Mailer{Client: c, From: d.Config.SenderEmail, ConfigurationSet: d.Config.SESConfigurationSet, Metrics: d.Metrics}
}
