package avatar

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/sessions"
)

// UploadTTL is how long a presigned upload stays usable.
const UploadTTL = 5 * time.Minute

// Key prefixes in the uploads bucket. Only UploadPrefix triggers the
// processor (the bucket notification filters on it), so writing the
// renditions cannot trigger it again.
const (
	UploadPrefix = "uploads/"
	AvatarPrefix = "avatars/"
)

// AcceptedTypes are the image types an upload may have.
var AcceptedTypes = []string{"image/png", "image/jpeg"}

// ErrNotFound is returned by Objects.Get for a missing object.
var ErrNotFound = errors.New("avatar: object not found")

// PresignedPost is a form upload: POST multipart/form-data to URL with
// Fields first and the file last, in a field named "file".
type PresignedPost struct {
	URL    string
	Fields map[string]string
}

// Objects is the uploads bucket.
type Objects interface {
	// PresignPost signs a form upload of one object at key whose size is
	// 1..maxBytes and whose Content-Type starts with "image/", valid for ttl.
	PresignPost(ctx context.Context, key string, maxBytes int64, ttl time.Duration) (PresignedPost, error)
	// Get reads an object, at most limit bytes (a larger object is
	// returned truncated to limit+1 bytes so callers can tell).
	// ErrNotFound if it does not exist.
	Get(ctx context.Context, key string, limit int64) ([]byte, error)
	// Put writes an object.
	Put(ctx context.Context, key, contentType string, data []byte) error
	// Delete removes objects; missing ones are not an error.
	Delete(ctx context.Context, keys ...string) error
}

// Users reads and writes user records (conditioned on their version).
type Users interface {
	GetUser(ctx context.Context, userID string) (account.User, error)
	SaveUser(ctx context.Context, u account.User, expectVersion int64) error
}

// Locations turns keys into the public URLs stored in avatarUrl.
type Locations struct {
	// BaseURL is where the bucket's objects are served from, without a
	// trailing slash (a CDN, or the bucket's own URL).
	BaseURL string
}

// URL is the public address of key.
func (l Locations) URL(key string) string { return strings.TrimRight(l.BaseURL, "/") + "/" + key }

// Key is the object key of one of our avatar URLs ("" for anything else).
func (l Locations) Key(url string) string {
	prefix := strings.TrimRight(l.BaseURL, "/") + "/" + AvatarPrefix
	if !strings.HasPrefix(url, prefix) {
		return ""
	}
	return url[len(strings.TrimRight(l.BaseURL, "/"))+1:]
}

// newUploadID is time-ordered (so a late event for an older upload never
// replaces a newer avatar) and unguessable.
func newUploadID(now time.Time) (string, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("avatar: random: %w", err)
	}
	return fmt.Sprintf("%016x-%s", now.UnixNano(), hex.EncodeToString(b[:])), nil
}

// Service serves POST and DELETE /v1/me/avatar.
type Service struct {
	Objects   Objects
	Users     Users
	Sessions  *sessions.Service
	Locations Locations
	Now       func() time.Time
	Log       *slog.Logger
}

// UploadForm is the answer of POST /v1/me/avatar.
type UploadForm struct {
	URL           string            `json:"url"`
	Fields        map[string]string `json:"fields"`
	ExpiresAt     time.Time         `json:"expiresAt"`
	MaxBytes      int64             `json:"maxBytes"`
	AcceptedTypes []string          `json:"acceptedTypes"`
}

// Begin signs an upload of a new avatar for u: the form to POST the image
// to, valid for UploadTTL. The avatar changes once the upload is processed.
func (s *Service) Begin(ctx context.Context, u account.User) (UploadForm, error) {
	now := s.Now().UTC()
	id, err := newUploadID(now)
	if err != nil {
		return UploadForm{}, account.Internal(err)
	}
	post, err := s.Objects.PresignPost(ctx, UploadKey(u.ID, id), MaxBytes, UploadTTL)
	if err != nil {
		return UploadForm{}, account.Internal(fmt.Errorf("avatar: presign: %w", err))
	}
	return UploadForm{
		URL: post.URL, Fields: post.Fields, ExpiresAt: now.Add(UploadTTL).Truncate(time.Second),
		MaxBytes: MaxBytes, AcceptedTypes: AcceptedTypes,
	}, nil
}

// Remove clears u's avatar (nothing to do when there is none) and deletes
// its renditions; objects left behind are logged, not an error.
func (s *Service) Remove(ctx context.Context, u account.User) error {
	old, _, err := setAvatar(ctx, s.Users, u, s.Now, func(u account.User) (string, bool) { return "", u.AvatarURL != "" })
	if err != nil {
		return account.Internal(err)
	}
	if err := s.Objects.Delete(ctx, renditionKeys(s.Locations, old)...); err != nil {
		// The profile no longer points at them; a leftover object is
		// only storage.
		s.Log.WarnContext(ctx, "old avatar objects not deleted", "err", err)
	}
	return nil
}

// UploadKey is where a user's upload goes.
func UploadKey(userID, uploadID string) string { return UploadPrefix + userID + "/" + uploadID }

// ParseUploadKey splits an upload key.
func ParseUploadKey(key string) (userID, uploadID string, ok bool) {
	rest, ok := strings.CutPrefix(key, UploadPrefix)
	if !ok {
		return "", "", false
	}
	userID, uploadID, ok = strings.Cut(rest, "/")
	if !ok || userID == "" || uploadID == "" || strings.Contains(uploadID, "/") {
		return "", "", false
	}
	return userID, uploadID, true
}

// RenditionKey is where one size of an avatar goes.
func RenditionKey(userID, uploadID string, size int, ext string) string {
	return fmt.Sprintf("%s%s/%s-%d.%s", AvatarPrefix, userID, uploadID, size, ext)
}

// renditionKeys are every size's key of the avatar at url.
func renditionKeys(l Locations, url string) []string {
	k := l.Key(url)
	if k == "" {
		return nil
	}
	i := strings.LastIndex(k, "-")
	j := strings.LastIndex(k, ".")
	if i < 0 || j < i {
		return []string{k}
	}
	var out []string
	for _, size := range Sizes {
		out = append(out, fmt.Sprintf("%s-%d%s", k[:i], size, k[j:]))
	}
	return out
}

// maxSaveRetries bounds the re-reads when a concurrent write changed the
// user between read and write.
const maxSaveRetries = 5

// setAvatar sets avatarUrl with a version-conditioned write, re-reading on
// a conflict. next returns the new URL and whether to write at all. It
// returns the URL replaced and whether it wrote; an error wrapping
// account.ErrNotFound if the user is gone.
func setAvatar(ctx context.Context, users Users, u account.User, now func() time.Time, next func(account.User) (string, bool)) (string, bool, error) {
	for attempt := 0; ; attempt++ {
		url, write := next(u)
		if !write {
			return "", false, nil
		}
		old := u.AvatarURL
		n := u
		n.AvatarURL = url
		n.Version = u.Version + 1
		n.UpdatedAt = now().UTC()
		err := users.SaveUser(ctx, n, u.Version)
		if err == nil {
			return old, true, nil
		}
		if !errors.Is(err, account.ErrConflict) || attempt >= maxSaveRetries {
			return "", false, fmt.Errorf("avatar: save user: %w", err)
		}
		if u, err = users.GetUser(ctx, u.ID); err != nil {
			return "", false, fmt.Errorf("avatar: read user: %w", err)
		}
	}
}

// OnDelete removes a deleted account's avatar objects (an org.Service
// OnDelete hook; idempotent). Uploads still in flight find no user and
// delete themselves.
func (s *Service) OnDelete(ctx context.Context, u account.User) error {
	if err := s.Objects.Delete(ctx, renditionKeys(s.Locations, u.AvatarURL)...); err != nil {
		return fmt.Errorf("avatar: delete %s's renditions: %w", u.ID, err)
	}
	return nil
}
