package profile

import (
	"encoding/json"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/profile/basic"
)

// mergeMember applies a JSON merge patch (RFC 7396) to the JSON form of
// current and decodes the result strictly into dst: nested objects merge,
// null members remove (and so fall back to their zero value), unknown
// members are refused. Problems are recorded under field.
func mergeMember(field string, current any, raw json.RawMessage, dst any, v *account.Validation) bool {
	var patch any
	if err := json.Unmarshal(raw, &patch); err != nil {
		v.Add(field, "has the wrong type")
		return false
	}
	if _, ok := patch.(map[string]any); !ok {
		v.Add(field, "must be an object")
		return false
	}
	cur, err := json.Marshal(current)
	if err != nil {
		v.Add(field, "cannot be changed")
		return false
	}
	var target any
	if err := json.Unmarshal(cur, &target); err != nil {
		v.Add(field, "cannot be changed")
		return false
	}
	merged, err := json.Marshal(MergePatch(target, patch))
	if err != nil {
		v.Add(field, "cannot be changed")
		return false
	}
	return basic.DecodeMember(field, merged, dst, v)
}

// MergePatch applies an RFC 7396 merge patch to target (both decoded with
// encoding/json into any) and returns the result.
func MergePatch(target, patch any) any {
	p, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	t, ok := target.(map[string]any)
	if !ok {
		t = map[string]any{}
	}
	out := make(map[string]any, len(t)+len(p))
	for k, val := range t {
		out[k] = val
	}
	for k, val := range p {
		if val == nil {
			delete(out, k)
			continue
		}
		out[k] = MergePatch(out[k], val)
	}
	return out
}
