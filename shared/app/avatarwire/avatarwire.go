// Package avatarwire builds the avatar capability on the S3 uploads
// bucket: the POST/DELETE /v1/me/avatar routes (profile-edit function), the
// account deletion hook and the avatar function itself.
package avatarwire

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
	"github.com/example/myprofile/shared/app"
	"github.com/example/myprofile/shared/avatar"
	"github.com/example/myprofile/shared/store/uploads"
)

// S3 is the service name of the S3 client (app.Deps.SetClient).
const S3 = "s3"

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

func client(d *app.Deps) *s3.Client { return app.Client(d, S3, NewS3Client) }

// Uploads returns the uploads bucket.
func Uploads(d *app.Deps) avatar.Objects {
	if d.Config.UploadsBucket == "" {
		return unconfiguredUploads{}
	}
	return uploads.NewUploads(client(d), d.Config.UploadsBucket)
}

// Locations says where avatar renditions are served from:
// AVATAR_BASE_URL, else the bucket itself (path-style on a local endpoint).
func Locations(d *app.Deps) avatar.Locations {
	if d.Config.AvatarBaseURL != "" {
		return avatar.Locations{BaseURL: d.Config.AvatarBaseURL}
	}
	bucket := d.Config.UploadsBucket
	if bucket != "" {
		o := client(d).Options()
		if ep := aws.ToString(o.BaseEndpoint); ep != "" {
			return avatar.Locations{BaseURL: ep + "/" + url.PathEscape(bucket)}
		}
		return avatar.Locations{BaseURL: fmt.Sprintf("https://%s.s3.%s.amazonaws.com", bucket, o.Region)}
	}
	return avatar.Locations{BaseURL: "https://" + bucket + ".s3.amazonaws.com"}
}

// Service serves POST and DELETE /v1/me/avatar.
func Service(d *app.Deps) *avatar.Service {
	return &avatar.Service{Objects: Uploads(d), Users: d.Store(), Sessions: d.Sessions(), Locations: Locations(d), Now: d.Now, Log: d.Log}
}

// Processor turns uploads into avatars (the avatar function).
func Processor(d *app.Deps) *avatar.Processor {
	return &avatar.Processor{Objects: Uploads(d), Users: d.Store(), Locations: Locations(d), Now: d.Now, Log: d.Log.With("function", "avatar")}
}

// DeleteHooks remove a deleted account's avatar objects.
func DeleteHooks(d *app.Deps) []func(context.Context, account.User) error {
	return []func(context.Context, account.User) error{Service(d).OnDelete}
}

// Event is the avatar function: one S3 object-created notification.
// Records for another bucket are ignored; an error has Lambda retry the
// event (the processor is idempotent).
func Event(d *app.Deps) app.StorageJob {
	return func(ctx context.Context, ev events.S3Event) error {
		p := Processor(d)
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
