package prefs

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/sessions"
)

// Platforms, categories and channels of API.md.
var (
	Platforms  = []string{"web", "mobile"}
	Categories = []string{"messages", "mentions", "assignments", "tasks", "appointments", "opportunities", "account", "contactImports", "billing"}
	Channels   = []string{"inApp", "email", "push", "sms"}
)

// Channel names.
const (
	InApp = "inApp"
	Email = "email"
	Push  = "push"
	SMS   = "sms"
)

// Cell is one category's channels on one platform.
type Cell struct {
	InApp bool `json:"inApp" dynamodbav:"inApp"`
	Email bool `json:"email" dynamodbav:"email"`
	Push  bool `json:"push" dynamodbav:"push"`
	SMS   bool `json:"sms" dynamodbav:"sms"`
}

func (c *Cell) at(channel string) *bool {
	switch channel {
	case InApp:
		return &c.InApp
	case Email:
		return &c.Email
	case Push:
		return &c.Push
	case SMS:
		return &c.SMS
	}
	return nil
}

// Preferences is the whole matrix (API.md NotificationPreferences):
// platform -> category -> channels.
type Preferences map[string]map[string]Cell

// Defaults are the preferences of a user who never changed them, as
// api/openapi.yaml's NotificationPreferences default states (a test
// compares them): in-app notices for everything; email for what needs an
// answer (mentions, assignments), appointments, the account, contact
// imports and billing, but not for the high-volume categories (messages,
// tasks, opportunities), which a member turns on if they want them in
// mail and the daily summary; push on mobile for what is addressed to the
// user; no SMS (it costs money and interrupts) except billing alerts,
// which a member only gets after choosing the SMS channel for them.
func Defaults() Preferences {
	direct := map[string]bool{"messages": true, "mentions": true, "assignments": true, "tasks": true, "appointments": true}
	emailed := map[string]bool{"mentions": true, "assignments": true, "appointments": true, "account": true, "contactImports": true, "billing": true}
	out := Preferences{}
	for _, p := range Platforms {
		out[p] = map[string]Cell{}
		for _, c := range Categories {
			out[p][c] = Cell{
				InApp: true,
				Email: emailed[c],
				Push:  p == "mobile" && direct[c],
				SMS:   c == "billing",
			}
		}
	}
	return out
}

// Allowed reports whether the user's preferences let category be sent by
// channel on platform. Unknown names are not allowed; nil prefs mean the
// defaults.
func Allowed(p Preferences, platform, category, channel string) bool {
	if p == nil {
		p = Defaults()
	}
	cell, ok := p[platform][category]
	if !ok {
		return false
	}
	b := cell.at(channel)
	return b != nil && *b
}

// AllowedAnywhere reports whether channel is allowed for category on any
// platform (email and SMS reach the user wherever they are).
func AllowedAnywhere(p Preferences, category, channel string) bool {
	for _, pl := range Platforms {
		if Allowed(p, pl, category, channel) {
			return true
		}
	}
	return false
}

// Parse reads a (possibly partial) preferences document and merges it over
// the defaults. Every unknown platform, category or channel and every
// non-boolean value is reported under its path ("web.messages.fax").
func Parse(raw []byte) (Preferences, error) {
	var doc map[string]json.RawMessage
	if err := decodeDocument(raw, &doc); err != nil {
		return nil, err
	}
	out := Defaults()
	var v account.Validation
	for _, pl := range sortedKeys(doc) {
		cats, ok := out[pl]
		if !ok {
			v.Add(pl, "unknown platform; use web or mobile")
			continue
		}
		var byCat map[string]json.RawMessage
		if !decodeObject(doc[pl], &byCat) {
			v.Add(pl, "must be an object")
			continue
		}
		for _, cat := range sortedKeys(byCat) {
			cell, ok := cats[cat]
			if !ok {
				v.Add(pl+"."+cat, "unknown category")
				continue
			}
			var byChan map[string]json.RawMessage
			if !decodeObject(byCat[cat], &byChan) {
				v.Add(pl+"."+cat, "must be an object")
				continue
			}
			for _, ch := range sortedKeys(byChan) {
				path := pl + "." + cat + "." + ch
				dst := cell.at(ch)
				if dst == nil {
					v.Add(path, "unknown channel; use inApp, email, push or sms")
					continue
				}
				raw := bytes.TrimSpace(byChan[ch])
				switch string(raw) {
				case "true":
					*dst = true
				case "false":
					*dst = false
				default:
					v.Add(path, "must be true or false")
				}
			}
			cats[cat] = cell
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// Normalize fills the cells a stored document lacks (a category added
// after it was written) with their defaults and drops unknown ones.
func Normalize(p Preferences) Preferences {
	out := Defaults()
	for pl, cats := range out {
		for cat := range cats {
			if c, ok := p[pl][cat]; ok {
				cats[cat] = c
			}
		}
	}
	return out
}

func decodeObject(raw json.RawMessage, dst any) bool {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 || t[0] != '{' {
		return false
	}
	return json.Unmarshal(t, dst) == nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Store keeps a user's preferences.
type Store interface {
	// GetNotificationPrefs returns the stored preferences (normalised) or,
	// when the user never saved any, the defaults.
	GetNotificationPrefs(ctx context.Context, userID string) (Preferences, error)
	// PutNotificationPrefs replaces the user's preferences.
	PutNotificationPrefs(ctx context.Context, userID string, p Preferences) error
}

// Service serves GET/PUT /v1/me/notifications.
type Service struct {
	Store    Store
	Sessions *sessions.Service
}

// Get returns the user's preferences (the defaults if never saved).
func (s *Service) Get(ctx context.Context, u account.User) (Preferences, error) {
	out, err := s.Store.GetNotificationPrefs(ctx, u.ID)
	if err != nil {
		return nil, account.Internal(fmt.Errorf("get notification preferences: %w", err))
	}
	return out, nil
}

// Put replaces the user's preferences with a (possibly partial) document
// merged over the defaults (see Parse) and returns what was stored.
func (s *Service) Put(ctx context.Context, u account.User, doc []byte) (Preferences, error) {
	next, err := Parse(doc)
	if err != nil {
		return nil, err
	}
	if err := s.Store.PutNotificationPrefs(ctx, u.ID, next); err != nil {
		return nil, account.Internal(fmt.Errorf("put notification preferences: %w", err))
	}
	return next, nil
}
