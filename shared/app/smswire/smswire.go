// Package smswire builds the SMS sender (SNS) of the functions that send
// text messages.
package smswire

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/example/myprofile/shared/app"
	"github.com/example/myprofile/shared/notify"
	"github.com/example/myprofile/shared/notify/snssms"
	"github.com/example/myprofile/shared/phone"
)

// SNS is the service name of the SNS client (app.Deps.SetClient).
const SNS = "sns"

// Texter returns the SNS SMS sender.
func Texter(d *app.Deps) notify.Texter {
	c := app.Client(d, SNS, func(cfg aws.Config) *sns.Client { return sns.NewFromConfig(cfg) })
	return &snssms.Texter{Client: c, SenderID: d.Config.SMSSenderID, Metrics: d.Metrics}
}

// Guard is the gate of every text message carrying a code (phone change
// and sign-in codes share its counters), against SMS toll fraud: mobile
// numbers of the allowed countries only (SMS_COUNTRIES), limits per client
// IP, per account, per destination number and a daily budget (SMS_*).
// Low-credit alerts carry no code and do not pass it.
func Guard(d *app.Deps) phone.SMSGuard {
	c := d.Config
	return phone.NewSMSGuard(d.Store(), d.Now, c.SMSPerAccountHour, c.SMSPerAccountDay, c.SMSPerNumberDay, c.SMSDailyBudget, c.SMSCountries)
}
