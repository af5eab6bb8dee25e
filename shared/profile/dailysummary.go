package profile

import (
	"encoding/json"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/httpapi"
)

// patchDailySummary is a placeholder: the daily summary issue replaces it
// with the real validation and the due index maintenance. Until then the
// member is refused rather than stored unchecked.
func patchDailySummary(u *account.User, raw json.RawMessage, v *httpapi.Validation) {
	v.Add("dailySummary", "cannot be changed yet")
}
