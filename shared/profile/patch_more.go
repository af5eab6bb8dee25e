package profile

import (
	"encoding/json"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/httpapi"
)

// The complete validation of these members is part of the profile issue;
// until then they are refused rather than stored unchecked.

func patchSignature(u *account.User, raw json.RawMessage, v *httpapi.Validation) {
	v.Add("signature", "cannot be changed yet")
}

func patchAvailability(u *account.User, raw json.RawMessage, v *httpapi.Validation) {
	v.Add("availability", "cannot be changed yet")
}

func patchCalendar(u *account.User, raw json.RawMessage, v *httpapi.Validation) {
	v.Add("calendar", "cannot be changed yet")
}
