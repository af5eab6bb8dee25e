package basic

import (
	"bytes"
	"encoding/json"
	"sort"

	"github.com/example/myprofile/shared/account"
)

// derived are the Profile members a save changes by itself (the version,
// the time, the phone's display formats): never reported as changed.
var derived = map[string]bool{"version": true, "updatedAt": true, "phoneFormatted": true}

// ChangedFields lists, sorted, the members of the merge patch whose
// Profile value differs between before and after (the field names of a
// Profile Updated event; never their values). Empty for a no-op patch.
// What a patched member changes by itself elsewhere (the availability's
// effective time zone after a timezone) is not listed.
func ChangedFields(before, after account.User, patch []byte) []string {
	var patched map[string]json.RawMessage
	if err := json.Unmarshal(patch, &patched); err != nil {
		return nil
	}
	a, errA := members(before)
	b, errB := members(after)
	if errA != nil || errB != nil {
		return nil
	}
	var out []string
	for k := range patched {
		if !derived[k] && !bytes.Equal(a[k], b[k]) {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func members(u account.User) (map[string]json.RawMessage, error) {
	raw, err := json.Marshal(View(u, ""))
	if err != nil {
		return nil, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	return m, nil
}
