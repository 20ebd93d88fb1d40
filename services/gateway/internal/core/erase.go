package core

import (
	"context"

	"github.com/motesplats/motesplats/pkg/apperr"
)

// DeleteUser erases a user (account.Service.DeleteUser): admins only, and
// never the caller themselves ("me" or their own id), so an admin cannot
// lock themselves out by a slip. The audit entry keeps the user's id.
// Returns PermissionDenied, Invalid, NotFound, FailedPrecondition.
func (g *Gateway) DeleteUser(ctx context.Context, c Caller, id string) error {
	if err := adminOnly(c); err != nil {
		return err
	}
	var err error
	if id == "me" || id == c.User.GetId() {
		err = apperr.Errorf(apperr.FailedPrecondition, "you cannot delete yourself: another admin can")
	} else {
		err = g.Accounts.DeleteUser(ctx, id)
	}
	return g.record(ctx, c, "delete", "user", id, err)
}
