package sessions

import (
	"net/http"
	"strings"

	"github.com/example/myprofile/shared/account"
)

// OrgHeader chooses the organization a request acts in.
const OrgHeader = "X-Organization-Id"

// CurrentOrg resolves the organization of the request from the
// X-Organization-Id header (default: the first joined). A header naming an
// organization the user is not in is answered 404, as if it did not exist.
func CurrentOrg(r *http.Request, u account.User) (string, account.Membership, error) {
	want := strings.TrimSpace(r.Header.Get(OrgHeader))
	id, m, ok := u.CurrentOrg(want)
	if !ok && want != "" {
		return "", account.Membership{}, account.Errorf(account.CodeNotFound, "No such organization.")
	}
	return id, m, nil
}
