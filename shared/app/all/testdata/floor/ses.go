//go:build floor_ses

package main

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
)

func init() {
	clients = append(clients, func(ctx context.Context, cfg aws.Config) error {
		_, err := sesv2.NewFromConfig(cfg).SendEmail(ctx, &sesv2.SendEmailInput{})
		return err
	})
}
