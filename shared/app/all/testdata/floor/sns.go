//go:build floor_sns

package main

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
)

func init() {
	clients = append(clients, func(ctx context.Context, cfg aws.Config) error {
		_, err := sns.NewFromConfig(cfg).Publish(ctx, &sns.PublishInput{})
		return err
	})
}
