//go:build floor_s3

package main

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

func init() {
	clients = append(clients, func(ctx context.Context, cfg aws.Config) error {
		_, err := s3.NewFromConfig(cfg).PutObject(ctx, &s3.PutObjectInput{})
		return err
	})
}
