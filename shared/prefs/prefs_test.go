package prefs

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"

	"github.com/example/myprofile/api"
)

func TestAllowed(t *testing.T) {
	p := Defaults()
	c := p["web"]["billing"]
	c.Email = false
	p["web"]["billing"] = c
	tests := []struct {
		name                        string
		prefs                       Preferences
		platform, category, channel string
		want                        bool
	}{
		{"default in-app is on", nil, "web", "messages", InApp, true},
		{"default SMS for messages is off", nil, "mobile", "messages", SMS, false},
		{"default SMS for billing alerts is on", nil, "mobile", "billing", SMS, true},
		{"default email for tasks is off (high volume)", nil, "web", "tasks", Email, false},
		{"default email for messages is off (high volume)", nil, "mobile", "messages", Email, false},
		{"default email for mentions is on", nil, "web", "mentions", Email, true},
		{"default mobile push for mentions is on", nil, "mobile", "mentions", Push, true},
		{"a cell turned off is refused", p, "web", "billing", Email, false},
		{"the other platform keeps its value", p, "mobile", "billing", Email, true},
		{"unknown category is refused", p, "web", "gossip", Email, false},
		{"unknown channel is refused", p, "web", "billing", "fax", false},
		{"unknown platform is refused", p, "watch", "billing", Email, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Allowed(tc.prefs, tc.platform, tc.category, tc.channel); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
	if !AllowedAnywhere(p, "billing", Email) || AllowedAnywhere(nil, "messages", SMS) {
		t.Error("AllowedAnywhere disagrees with the cells")
	}
}

// The defaults a new user gets are the ones the API document states: its
// NotificationPreferences default (which the document's validation checks
// against the schema) equals Defaults, cell by cell.
func TestDefaultsMatchTheAPIDocument(t *testing.T) {
	doc, err := api.Load(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	ref, ok := doc.Components.Schemas["NotificationPreferences"]
	if !ok || ref.Value == nil || ref.Value.Default == nil {
		t.Fatal("api/openapi.yaml: NotificationPreferences has no default")
	}
	raw, err := json.Marshal(ref.Value.Default)
	if err != nil {
		t.Fatal(err)
	}
	var documented Preferences
	if err := json.Unmarshal(raw, &documented); err != nil {
		t.Fatalf("NotificationPreferences default: %v", err)
	}
	code := Defaults()
	for _, pl := range Platforms {
		for _, cat := range Categories {
			for _, ch := range Channels {
				d, ok := documented[pl][cat]
				if !ok {
					t.Errorf("%s.%s: missing from the document's default", pl, cat)
					continue
				}
				c := code[pl][cat]
				if got, want := *c.at(ch), *d.at(ch); got != want {
					t.Errorf("%s: code default %v, api/openapi.yaml says %v", fmt.Sprintf("%s.%s.%s", pl, cat, ch), got, want)
				}
			}
		}
	}
	if len(documented) != len(code) {
		t.Errorf("document has %d platforms, code %d", len(documented), len(code))
	}
}

func TestDefaultsCoverEveryCell(t *testing.T) {
	d := Defaults()
	if len(d) != len(Platforms) {
		t.Fatalf("%d platforms, want %d", len(d), len(Platforms))
	}
	for _, pl := range Platforms {
		if len(d[pl]) != len(Categories) {
			t.Errorf("%s has %d categories, want %d", pl, len(d[pl]), len(Categories))
		}
	}
}

func TestParse(t *testing.T) {
	t.Run("partial merges over defaults", func(t *testing.T) {
		p, err := Parse([]byte(`{"web":{"tasks":{"sms":true}}}`))
		if err != nil {
			t.Fatal(err)
		}
		want := Defaults()
		c := want["web"]["tasks"]
		c.SMS = true
		want["web"]["tasks"] = c
		if p["web"]["tasks"] != want["web"]["tasks"] || p["mobile"]["tasks"] != want["mobile"]["tasks"] {
			t.Errorf("got %+v", p["web"]["tasks"])
		}
	})
	for _, in := range []string{`{"web":[]}`, `{"web":{"tasks":{"email":null}}}`, `{"web":{"tasks":1}}`, `[]`, `{"web":{"tasks":{"email":true}},"x":1}`} {
		t.Run("refuses "+in, func(t *testing.T) {
			if _, err := Parse([]byte(in)); err == nil {
				t.Error("accepted")
			}
		})
	}
}

// Parse reads untrusted JSON: no panic, and what it accepts is a full
// matrix that survives a round trip.
func FuzzParse(f *testing.F) {
	for _, s := range []string{`{}`, `{"web":{"tasks":{"email":true}}}`, `{"mobile":{"billing":{"sms":false,"push":true}}}`, `{"web":{"x":{}}}`, `{"web":null}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		p, err := Parse(raw)
		if err != nil {
			return
		}
		for _, pl := range Platforms {
			if len(p[pl]) != len(Categories) {
				t.Fatalf("%s has %d categories", pl, len(p[pl]))
			}
		}
		if !reflect.DeepEqual(Normalize(p), p) {
			t.Fatal("accepted preferences are not normal")
		}
	})
}
