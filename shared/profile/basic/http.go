package basic

import (
	"net/http"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/httpapi"
	"github.com/example/myprofile/shared/notify"
	"github.com/example/myprofile/shared/sessions"
)

// OrgHeader chooses the organization a request acts in (sessions.OrgHeader).
const OrgHeader = sessions.OrgHeader

// CurrentOrg resolves the organization of the request: see
// sessions.CurrentOrg.
func CurrentOrg(r *http.Request, u account.User) (string, account.Membership, error) {
	return sessions.CurrentOrg(r, u)
}

// Write answers with the user's profile in the request's organization and
// its ETag.
func Write(w http.ResponseWriter, r *http.Request, status int, u account.User) error {
	orgID, _, err := CurrentOrg(r, u)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", ETag(u))
	// Messages to this user (emails, this profile's texts) use the
	// supported language closest to theirs.
	w.Header().Set("Content-Language", notify.Lang(u.Language).String())
	httpapi.WriteJSON(w, status, View(u, orgID))
	return nil
}

// decodeObject is the API's strict decoding of a JSON object body (the
// same checks and messages as every request body), for Apply's patch.
func decodeObject(body []byte, dst any) error { return httpapi.DecodeBytes(body, dst) }
