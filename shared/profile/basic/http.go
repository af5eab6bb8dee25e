package basic

import (
	"net/http"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/httpapi"
	"github.com/example/myprofile/shared/notify"
	"github.com/example/myprofile/shared/sessions"
)

// Routes serve GET /v1/me: the signed-in user's profile, from the user the
// session check loaded (no other read). The phone's display formats are the
// ones stored when it was verified, so no phone number parser is linked;
// the signature was sanitized when it was stored.
func Routes(s *sessions.Service) httpapi.Routes {
	return httpapi.Routes{"GET /v1/me": s.Require(httpapi.Handle(get))}
}

func get(w http.ResponseWriter, r *http.Request) error {
	p, _ := sessions.FromContext(r.Context())
	if inm := r.Header.Get("If-None-Match"); inm != "" && inm == ETag(p.User) {
		w.Header().Set("ETag", ETag(p.User))
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	return Write(w, r, http.StatusOK, p.User)
}

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
