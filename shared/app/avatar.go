package app

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/avatar"
	"github.com/example/myprofile/shared/store"
)

// NewS3Client builds the S3 client. With a local endpoint
// (AWS_ENDPOINT_URL_S3) it addresses buckets by path, as emulators need;
// in AWS it uses virtual-hosted addressing.
func NewS3Client(cfg aws.Config) *s3.Client {
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.UsePathStyle = os.Getenv("AWS_ENDPOINT_URL_S3") != ""
		// Emulators send no response checksums; do not log each skip.
		o.DisableLogOutputChecksumValidationSkipped = o.UsePathStyle
	})
}

// Uploads returns the uploads bucket.
func (d *Deps) Uploads() avatar.Objects {
	if d.S3 == nil || d.Config.UploadsBucket == "" {
		return unconfiguredUploads{}
	}
	return store.NewUploads(d.S3, d.Config.UploadsBucket)
}

// AvatarLocations says where avatar renditions are served from:
// AVATAR_BASE_URL, else the bucket itself (path-style on a local endpoint).
func (d *Deps) AvatarLocations() avatar.Locations {
	if d.Config.AvatarBaseURL != "" {
		return avatar.Locations{BaseURL: d.Config.AvatarBaseURL}
	}
	bucket := d.Config.UploadsBucket
	if d.S3 != nil {
		o := d.S3.Options()
		if ep := aws.ToString(o.BaseEndpoint); ep != "" {
			return avatar.Locations{BaseURL: ep + "/" + url.PathEscape(bucket)}
		}
		return avatar.Locations{BaseURL: fmt.Sprintf("https://%s.s3.%s.amazonaws.com", bucket, o.Region)}
	}
	return avatar.Locations{BaseURL: "https://" + bucket + ".s3.amazonaws.com"}
}

// AvatarService serves POST and DELETE /v1/me/avatar.
func (d *Deps) AvatarService() *avatar.Service {
	return &avatar.Service{Objects: d.Uploads(), Users: d.Store(), Sessions: d.Sessions(), Locations: d.AvatarLocations(), Now: d.Now, Log: d.Log}
}

// AvatarProcessor turns uploads into avatars (the avatar function).
func (d *Deps) AvatarProcessor() *avatar.Processor {
	return &avatar.Processor{Objects: d.Uploads(), Users: d.Store(), Locations: d.AvatarLocations(), Now: d.Now, Log: d.Log.With("function", "avatar")}
}

// AvatarEvent is the avatar function: one S3 object-created notification.
// Records for another bucket are ignored; an error has Lambda retry the
// event (the processor is idempotent).
func (d *Deps) AvatarEvent(ctx context.Context, ev events.S3Event) error {
	p := d.AvatarProcessor()
	var errs []error
	for _, rec := range ev.Records {
		if rec.S3.Bucket.Name != d.Config.UploadsBucket {
			d.Log.WarnContext(ctx, "avatar: event for another bucket ignored", "bucket", rec.S3.Bucket.Name)
			continue
		}
		// Keys in S3 notifications are URL-encoded (spaces as '+').
		key, err := url.QueryUnescape(rec.S3.Object.Key)
		if err != nil {
			d.Log.WarnContext(ctx, "avatar: undecodable key ignored", "key", rec.S3.Object.Key)
			continue
		}
		if err := p.Process(ctx, key, rec.S3.Object.Size); err != nil {
			errs = append(errs, fmt.Errorf("avatar %s: %w", key, err))
		}
	}
	return errors.Join(errs...)
}

// errNoUploads is answered (as a 500) when the uploads bucket is not
// configured.
var errNoUploads = errors.New("uploads bucket not configured: set UPLOADS_BUCKET")

type unconfiguredUploads struct{}

func (unconfiguredUploads) PresignPost(context.Context, string, int64, time.Duration) (avatar.PresignedPost, error) {
	return avatar.PresignedPost{}, errNoUploads
}
func (unconfiguredUploads) Get(context.Context, string, int64) ([]byte, error) {
	return nil, errNoUploads
}
func (unconfiguredUploads) Put(context.Context, string, string, []byte) error { return errNoUploads }
func (unconfiguredUploads) Delete(_ context.Context, keys ...string) error {
	if len(keys) == 0 {
		return nil
	}
	return errNoUploads
}

// avatarDeleteHooks remove a deleted account's avatar objects.
func (d *Deps) avatarDeleteHooks() []func(context.Context, account.User) error {
	return []func(context.Context, account.User) error{d.AvatarService().OnDelete}
}
