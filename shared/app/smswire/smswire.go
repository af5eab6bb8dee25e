// Package smswire builds the SMS sender (SNS) of the functions that send
// text messages.
package smswire

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/example/myprofile/shared/app"
	"github.com/example/myprofile/shared/notify"
	"github.com/example/myprofile/shared/notify/snssms"
)

// SNS is the service name of the SNS client (app.Deps.SetClient).
const SNS = "sns"

// Texter returns the SNS SMS sender.
func Texter(d *app.Deps) notify.Texter {
	c := app.Client(d, SNS, func(cfg aws.Config) *sns.Client { return sns.NewFromConfig(cfg) })
	return &snssms.Texter{Client: c, SenderID: d.Config.SMSSenderID, Metrics: d.Metrics}
}
