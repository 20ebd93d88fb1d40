package core

import (
	"context"

	"github.com/motesplats/motesplats/pkg/apperr"
	storev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/storage/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
)

// Sign-ins in the audit log (ADR 0218). An operator investigating a
// misuse asks who signed in, how and when, and which accounts were tried:
// each sign-in is an entry under the user's id (so the user filter finds
// it), its action and record type saying how ("signin" to a "session" or
// an "api_token", "signin_oidc"), its outcome "ok" or why it was refused.
// Never a password or an e-mail: a refusal for an address no account has
// names no one, since whoever typed it is no user; the address is kept
// as its network (audit.Network).

// SignIn says how a sign-in came: Action "signin" (a password) or
// "signin_oidc"; Resource "session" (the browser) or "api_token" (mp
// login, the API); ResourceID the token's or session's id once made;
// Channel "web" or "api"; RemoteAddr the client's address.
type SignIn struct {
	Action, Resource, ResourceID, Channel, RemoteAddr string
}

// Authenticate checks a password sign-in, and records a refusal: under
// the account's id for an account the e-mail names (a wrong password, a
// disabled account), under no one for an address no account has. It
// records every attempt it checks; the sign-in guard decides how many
// reach it (ADR 0048), so the log grows no faster than the lockout lets
// guesses through. Both refusals write one entry, so an address with an
// account and one without cost the same. Returns ErrBadCredentials for
// every refusal; a refusal whose entry failed is logged.
func (g *Gateway) Authenticate(ctx context.Context, email, password string, how SignIn) (*storev1.Account, error) {
	a, why, err := g.Accounts.Check(email, password)
	if err == nil {
		return a, nil
	}
	if aerr := g.recordSignIn(ctx, why.Account, how, why.Reason); aerr != nil {
		g.Log.ErrorContext(ctx, "audit entry not written", "err", aerr)
	}
	return nil, err
}

// SignedIn records a's sign-in: the caller has made the session or token
// and must not hand it out when this fails (Unavailable): a sign-in the
// log does not hold is the misuse it exists to show.
func (g *Gateway) SignedIn(ctx context.Context, a *storev1.Account, how SignIn) error {
	if err := g.recordSignIn(ctx, a, how, "ok"); err != nil {
		g.Log.ErrorContext(ctx, "audit entry not written", "err", err)
		return apperr.Errorf(apperr.Unavailable, "the audit log is not available; try again in a moment")
	}
	return nil
}

// RecordSignInRefusal records a sign-in refused before a password was
// checked (single sign-on's refusals), under a's id when an account is
// known, else under no one.
func (g *Gateway) RecordSignInRefusal(ctx context.Context, a *storev1.Account, how SignIn, reason string) error {
	return g.recordSignIn(ctx, a, how, reason)
}

func (g *Gateway) recordSignIn(ctx context.Context, a *storev1.Account, how SignIn, outcome string) error {
	e := &gatewayv1.AuditEntry{Action: how.Action, ResourceType: how.Resource, ResourceId: how.ResourceID, RemoteAddr: how.RemoteAddr,
		Outcome: outcome, Channel: how.Channel}
	if a != nil {
		e.UserId, e.Role = a.GetUser().GetId(), a.GetUser().GetRole().String()
	}
	return g.Audit.Record(context.WithoutCancel(ctx), e)
}

// SetupAdminMade records the first admin, made through the setup link:
// the admin is both who acted and the record made (no one was signed
// in), on channel "setup". The admin exists whatever this answers; a
// failed entry is logged.
func (g *Gateway) SetupAdminMade(ctx context.Context, u *gatewayv1.User, remoteAddr string) {
	err := g.Audit.Record(context.WithoutCancel(ctx), &gatewayv1.AuditEntry{UserId: u.GetId(), Role: u.GetRole().String(),
		Action: "create", ResourceType: "user", ResourceId: u.GetId(), RemoteAddr: remoteAddr, Outcome: "ok", Channel: "setup"})
	if err != nil {
		g.Log.ErrorContext(ctx, "audit entry not written", "err", err)
	}
}
