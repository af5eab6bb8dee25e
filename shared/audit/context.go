package audit

import (
	"context"
	"log/slog"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/request"
)

// FromContext builds an entry for a change made while serving a request:
// the request id and the client's IP come from ctx (shared/request), as
// FromRequest takes them from the request. For services that see no
// *http.Request.
func FromContext(ctx context.Context, actor, subject, orgID, action string, details map[string]string) Entry {
	return Entry{
		Actor: actor, Subject: subject, OrgID: orgID, Action: action,
		RequestID: request.ID(ctx), IP: request.Client(ctx).IP,
		Details: details,
	}
}

// RecordOwnContext is RecordOwn for services that see no *http.Request:
// the entry of a change users made to their own account, in their current
// organization; a failure is logged, not returned. A nil sink records
// nothing.
func RecordOwnContext(ctx context.Context, sink Sink, log *slog.Logger, u account.User, action string, details map[string]string) {
	if sink == nil {
		return
	}
	orgID, _, _ := u.CurrentOrg("")
	if err := sink.Record(ctx, FromContext(ctx, u.ID, u.ID, orgID, action, details)); err != nil && log != nil {
		log.ErrorContext(ctx, "audit "+action, "userId", u.ID, "error", err.Error())
	}
}
