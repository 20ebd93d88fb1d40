package core

import (
	"context"

	"github.com/motesplats/motesplats/pkg/apperr"
)

// DeleteUser erases a user (account.Service.DeleteUser): admins only, and
// never the caller themselves ("me" or their own id), so an admin cannot
// lock themselves out by a slip. The audit entry keeps the user's id;
// the sessions and API tokens the erasure ended get an entry of their own
// before it ("end_sessions", their ids), so an investigator sees when a
// sign-in's session stopped (ADR 0218). Returns PermissionDenied,
// Invalid, NotFound, FailedPrecondition.
func (g *Gateway) DeleteUser(ctx context.Context, c Caller, id string) error {
	if err := adminOnly(c); err != nil {
		return err
	}
	var err error
	if id == "me" || id == c.User.GetId() {
		err = apperr.Errorf(apperr.FailedPrecondition, "you cannot delete yourself: another admin can")
	} else {
		var ended []string
		ended, err = g.Accounts.EraseUser(ctx, id)
		if len(ended) > 0 {
			// A failed entry is logged there; the erasure's own entry
			// below says whether the caller hears it.
			_ = g.recordIDs(ctx, c, "end_sessions", "user", id, ended, nil)
		}
	}
	return g.record(ctx, c, "delete", "user", id, err)
}
