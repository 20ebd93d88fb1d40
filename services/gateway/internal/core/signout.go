package core

import (
	"context"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
)

// Sign-outs in the audit log (ADR 0221): a coordinator reading the log
// after a misuse sees when a session or token stopped, not only when it
// began. An expiry is not recorded: nobody acted, and the session's
// sign-in entry and the TTL say when it ended.

// SignOut ends c's browser session and records it: action "signout" on
// the "session", under c's user. The session ends whatever the log
// answers: a sign-out must never fail for want of an audit entry (a
// failed entry is logged).
func (g *Gateway) SignOut(ctx context.Context, c Caller) error {
	if err := g.Accounts.DeleteSession(ctx, c.SessionID); err != nil {
		return err
	}
	g.recordEnd(ctx, c, "signout", "session", c.SessionID, nil)
	return nil
}

// RevokeToken revokes the API token id ("current": the caller's own) and
// records it under c's user: "signout" when it is the token the caller
// came with (mp logout), "delete" of an "api_token" otherwise (an admin
// ending another's, a user their other one), refusals with their code.
// An admin may revoke any token, others their own (NotFound for the
// rest, as account.DeleteToken answers). A revocation stands whatever
// the log answers (a failed entry is logged).
func (g *Gateway) RevokeToken(ctx context.Context, c Caller, id string) error {
	if id == "current" {
		id = c.TokenID
	}
	owner := c.User.GetId()
	if c.IsAdmin() {
		owner = ""
	}
	err := g.Accounts.DeleteToken(ctx, id, owner)
	action := "delete"
	if id != "" && id == c.TokenID {
		action = "signout"
	}
	g.recordEnd(ctx, c, action, "api_token", id, err)
	return err
}

// recordEnd writes an ended session's or token's entry; a failure is
// logged only.
func (g *Gateway) recordEnd(ctx context.Context, c Caller, action, resource, id string, err error) {
	outcome := "ok"
	if err != nil {
		outcome = string(Public(ctx, g.Log, err).Code)
	}
	aerr := g.Audit.Record(context.WithoutCancel(ctx), &gatewayv1.AuditEntry{
		UserId: c.User.GetId(), Role: c.User.GetRole().String(), Action: action, ResourceType: resource,
		ResourceId: id, RemoteAddr: c.RemoteAddr, Outcome: outcome, Channel: c.Channel,
	})
	if aerr != nil {
		g.Log.ErrorContext(ctx, "audit entry not written", "err", aerr)
	}
}
