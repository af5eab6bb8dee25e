package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"sync/atomic"

	"github.com/aws/aws-lambda-go/events"

	"github.com/example/myprofile/infra/localcloud"
	"github.com/example/myprofile/shared/app/all"
)

const defaultUploadsBucket = "myprofile-uploads-local"

// uploadsHook runs the avatar function on the emulator's object-created
// events, as the bucket notification does in AWS. The app is built after
// the emulator starts (its S3 client needs the endpoint), hence the pointer.
type uploadsHook struct{ deps atomic.Pointer[all.Deps] }

func (h *uploadsHook) created(ctx context.Context, bucket, key string, size int64) error {
	d := h.deps.Load()
	if d == nil {
		return errors.New("the app is not built yet")
	}
	var rec events.S3EventRecord
	rec.EventSource, rec.EventName = "aws:s3", "ObjectCreated:Post"
	rec.S3.Bucket.Name, rec.S3.Object.Key, rec.S3.Object.Size = bucket, key, size
	return d.AvatarEvent(ctx, events.S3Event{Records: []events.S3EventRecord{rec}})
}

// startUploads starts the S3 emulator of the uploads bucket on 127.0.0.1:
// S3_PORT (8007) and points the SDK and the app at it (AWS_ENDPOINT_URL_S3,
// UPLOADS_BUCKET, default myprofile-uploads-local). With AWS_ENDPOINT_URL_S3
// already set nothing is started, and uploads are not processed locally.
func startUploads(ctx context.Context, log *slog.Logger, hook *uploadsHook) (*localcloud.Service, error) {
	bucket := os.Getenv("UPLOADS_BUCKET")
	if bucket == "" {
		bucket = defaultUploadsBucket
		if err := os.Setenv("UPLOADS_BUCKET", bucket); err != nil {
			return nil, fmt.Errorf("set UPLOADS_BUCKET: %w", err)
		}
	}
	if ep := os.Getenv(localcloud.EnvS3Endpoint); ep != "" {
		log.Info("using the S3 endpoint given; avatar uploads are not processed locally", "endpoint", ep)
		return nil, nil
	}
	port := localcloud.DefaultS3Port
	if v := os.Getenv("S3_PORT"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("S3_PORT=%q: want a port number 1-65535", v)
		}
		port = n
	}
	svc, err := localcloud.StartS3(ctx, localcloud.S3Options{
		Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), Buckets: []string{bucket},
		NotifyPrefix: "uploads/", OnCreated: hook.created, Log: log,
	})
	if err != nil {
		return nil, err
	}
	if err := os.Setenv(localcloud.EnvS3Endpoint, svc.Endpoint); err != nil {
		svc.Stop()
		return nil, fmt.Errorf("set %s: %w", localcloud.EnvS3Endpoint, err)
	}
	log.Info("S3 emulator (gofakes3) for avatar uploads", "endpoint", svc.Endpoint, "bucket", bucket)
	return svc, nil
}
