// Package uploads is the S3 uploads bucket (avatar.Objects): presigned
// POSTs, reads, writes and deletes of raw uploads and avatar renditions.
package uploads

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/example/myprofile/shared/avatar"
)

// S3API is the part of the S3 client the uploads bucket uses.
type S3API interface {
	GetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	PutObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.Options)) (*s3.PutObjectOutput, error)
	DeleteObjects(ctx context.Context, in *s3.DeleteObjectsInput, opts ...func(*s3.Options)) (*s3.DeleteObjectsOutput, error)
}

// Uploads is the uploads bucket (avatars).
type Uploads struct {
	Client  S3API
	Presign *s3.PresignClient
	Bucket  string
}

var _ avatar.Objects = (*Uploads)(nil)

// NewUploads returns the uploads bucket on client.
func NewUploads(client *s3.Client, bucket string) *Uploads {
	return &Uploads{Client: client, Presign: s3.NewPresignClient(client), Bucket: bucket}
}

// PresignPost signs a browser form upload of key: 1..maxBytes bytes
// (content-length-range), a Content-Type starting with image/, valid for ttl.
func (u *Uploads) PresignPost(ctx context.Context, Key string, maxBytes int64, ttl time.Duration) (avatar.PresignedPost, error) {
	if u.Bucket == "" {
		return avatar.PresignedPost{}, errors.New("uploads bucket: UPLOADS_BUCKET is not set")
	}
	req, err := u.Presign.PresignPostObject(ctx, &s3.PutObjectInput{Bucket: &u.Bucket, Key: &Key}, func(o *s3.PresignPostOptions) {
		o.Expires = ttl
		o.Conditions = []any{
			[]any{"content-length-range", 1, maxBytes},
			[]any{"starts-with", "$Content-Type", "image/"},
		}
	})
	if err != nil {
		return avatar.PresignedPost{}, fmt.Errorf("presign post: %w", err)
	}
	return avatar.PresignedPost{URL: req.URL, Fields: req.Values}, nil
}

// Get reads at most limit+1 bytes of an object.
func (u *Uploads) Get(ctx context.Context, Key string, limit int64) ([]byte, error) {
	out, err := u.Client.GetObject(ctx, &s3.GetObjectInput{Bucket: &u.Bucket, Key: &Key})
	var nsk *s3types.NoSuchKey
	if errors.As(err, &nsk) {
		return nil, avatar.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get object: %w", err)
	}
	defer out.Body.Close()
	data, err := io.ReadAll(io.LimitReader(out.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read object: %w", err)
	}
	return data, nil
}

// Put writes an object.
func (u *Uploads) Put(ctx context.Context, Key, contentType string, data []byte) error {
	_, err := u.Client.PutObject(ctx, &s3.PutObjectInput{
		Bucket: &u.Bucket, Key: &Key, Body: bytes.NewReader(data), ContentType: &contentType,
		ContentLength: aws.Int64(int64(len(data))),
		CacheControl:  aws.String("public, max-age=31536000, immutable"), // keys are never reused
	})
	if err != nil {
		return fmt.Errorf("put object: %w", err)
	}
	return nil
}

// Delete removes objects (missing ones are fine).
func (u *Uploads) Delete(ctx context.Context, keys ...string) error {
	if len(keys) == 0 {
		return nil
	}
	ids := make([]s3types.ObjectIdentifier, 0, len(keys))
	for _, k := range keys {
		ids = append(ids, s3types.ObjectIdentifier{Key: aws.String(k)})
	}
	out, err := u.Client.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: &u.Bucket, Delete: &s3types.Delete{Objects: ids, Quiet: aws.Bool(true)}})
	if err != nil {
		return fmt.Errorf("delete objects: %w", err)
	}
	if len(out.Errors) > 0 {
		return fmt.Errorf("delete objects: %d failed (%s)", len(out.Errors), aws.ToString(out.Errors[0].Code))
	}
	return nil
}
