package core

import (
	"context"
	"strings"

	"github.com/motesplats/motesplats/pkg/apperr"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/services/gateway/internal/account"
)

// CheckNewUser returns, in one Invalid answer, every field violation a
// create of u with password would be refused for: before are the
// caller's own (the users form's municipality names no municipality has),
// then the organisation's (checkOrganisation) and the account's
// (account.CheckNew). It stores nothing. The form refused in rounds, the
// organisation first and the e-mail, password and municipalities after,
// so an admin sent it again for each (ADR 0205's Left, 0211). When before
// names a field, what the others say of that field as a whole is left
// out (the account's "needs at least one municipality" when every name
// typed was unknown); what they say of one of its entries stays.
func (g *Gateway) CheckNewUser(ctx context.Context, c Caller, u *gatewayv1.User, password string, before error) error {
	if err := adminOnly(c); err != nil {
		return err
	}
	var v apperr.Validator
	named := map[string]bool{}
	for _, fv := range apperr.Violations(before) {
		v.Add(fv.Field, fv.Description)
		named[strings.TrimPrefix(fv.Field, "user.")] = true
	}
	org := g.checkOrganisation(ctx, c, u)
	if org != nil && apperr.ErrorCode(org) != apperr.Invalid {
		return org
	}
	for _, err := range []error{org, account.CheckNew(u, password)} {
		for _, fv := range apperr.Violations(err) {
			if named[strings.TrimPrefix(fv.Field, "user.")] {
				continue
			}
			v.Add(fv.Field, fv.Description)
		}
	}
	// A form refused for other mistakes names a taken address with them:
	// it came back alone once the rest was right, a round of its own
	// (found from outside, ADR 0223). Alone it stays the create's
	// AlreadyExists.
	if err := v.Err(); err != nil && !namesField(err, "user.email") && g.Accounts.EmailTaken(u.GetEmail()) {
		v.Add("user.email", account.EmailTakenText)
	}
	return v.Err()
}

// namesField says whether err has a violation of field.
func namesField(err error, field string) bool {
	for _, fv := range apperr.Violations(err) {
		if fv.Field == field {
			return true
		}
	}
	return false
}
