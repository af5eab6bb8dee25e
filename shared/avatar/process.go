package avatar

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/example/myprofile/shared/account"
)

// Processor turns an upload into the user's avatar (the avatar function).
type Processor struct {
	Objects   Objects
	Users     Users
	Locations Locations
	Now       func() time.Time
	Log       *slog.Logger
}

// Process handles one object-created event. A bad upload (wrong type,
// too large, unknown user) is deleted and logged, not retried: only
// storage failures return an error, so the event is retried.
func (p *Processor) Process(ctx context.Context, key string, size int64) error {
	log := p.Log.With("key", key)
	userID, uploadID, ok := ParseUploadKey(key)
	if !ok {
		log.WarnContext(ctx, "avatar upload ignored: not an upload key")
		return nil
	}
	log = log.With("userId", userID)
	reject := func(reason string) error {
		log.InfoContext(ctx, "avatar upload rejected", "reason", reason)
		return p.Objects.Delete(ctx, key)
	}
	if size > MaxBytes {
		return reject(fmt.Sprintf("%d bytes", size))
	}
	data, err := p.Objects.Get(ctx, key, MaxBytes)
	if errors.Is(err, ErrNotFound) {
		return nil // processed already (events are delivered at least once)
	}
	if err != nil {
		return err
	}
	rs, err := Render(data)
	if errors.Is(err, ErrRejected) {
		return reject(err.Error())
	}
	if err != nil {
		return err
	}
	u, err := p.Users.GetUser(ctx, userID)
	if errors.Is(err, account.ErrNotFound) {
		return reject("no such user")
	}
	if err != nil {
		return err
	}
	keys := make([]string, 0, len(rs))
	var main string
	for _, r := range rs {
		k := RenditionKey(userID, uploadID, r.Size, r.Ext)
		if err := p.Objects.Put(ctx, k, r.ContentType, r.Data); err != nil {
			return err
		}
		keys = append(keys, k)
		if r.Size == Sizes[0] {
			main = k
		}
	}
	url := p.Locations.URL(main)
	old, applied, err := setAvatar(ctx, p.Users, u, p.Now, func(u account.User) (string, bool) {
		// A late event for an older upload never replaces a newer avatar
		// (upload ids are time-ordered).
		if newer(p.Locations.Key(u.AvatarURL), main) {
			return "", false
		}
		return url, true
	})
	if errors.Is(err, account.ErrNotFound) {
		return p.Objects.Delete(ctx, append(keys, key)...)
	}
	if err != nil {
		return err
	}
	if !applied {
		log.InfoContext(ctx, "avatar upload superseded by a newer one")
		return p.Objects.Delete(ctx, append(keys, key)...)
	}
	log.InfoContext(ctx, "avatar set")
	return p.Objects.Delete(ctx, append(renditionKeys(p.Locations, old), key)...)
}

// newer reports whether rendition key cur comes from a later upload than
// key next: upload ids start with the upload time (16 hex digits of Unix
// nanoseconds), so equal times (a frozen clock) let the later event win.
func newer(cur, next string) bool {
	_, cid, ok1 := strings.Cut(strings.TrimPrefix(cur, AvatarPrefix), "/")
	_, nid, ok2 := strings.Cut(strings.TrimPrefix(next, AvatarPrefix), "/")
	if !ok1 || !ok2 || len(cid) < 16 || len(nid) < 16 {
		return false
	}
	return cid[:16] > nid[:16]
}
