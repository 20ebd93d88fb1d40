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
// disabled account), one entry each, since the sign-in guard decides how
// many reach it (ADR 0048); under no one for an address no account has,
// tallied per minute and network (refusals.go, ADR 0221), since
// addresses sprayed from many hosts get past the guard. Either is written
// off the answer's path, so the two answers cost the same. Returns
// ErrBadCredentials for every refusal.
func (g *Gateway) Authenticate(ctx context.Context, email, password string, how SignIn) (*storev1.Account, error) {
	a, why, err := g.Accounts.Check(email, password)
	if err == nil {
		return a, nil
	}
	g.refusalLog().add(signInEntry(why.Account, how, why.Reason), why.Account == nil)
	return nil, err
}

// HeldBack records a sign-in the sign-in guard refused before any check
// (too many attempts; ADR 0048): under the account email names, if any,
// so the user filter finds an attack on it, else under no one; never the
// address typed. Such refusals come as fast as anyone sends them, so
// they are tallied per minute and network (refusals.go, ADR 0221). email
// is "" when the attempt named no account yet (single sign-on's first
// limit).
func (g *Gateway) HeldBack(email string, how SignIn) {
	var a *storev1.Account
	if email != "" {
		a, _ = g.Accounts.ByEmail(email)
	}
	g.refusalLog().add(signInEntry(a, how, string(TooManyRequests)), true)
}

// SignedIn records a's sign-in: the caller has made the session or token
// and must not hand it out when this fails (Unavailable): a sign-in the
// log does not hold is the misuse it exists to show.
func (g *Gateway) SignedIn(ctx context.Context, a *storev1.Account, how SignIn) error {
	if a.GetUser().GetRole() == gatewayv1.Role_ROLE_ADMIN {
		// The setup's admin before anything it does (setup.go): a kill
		// may have left its birth out of the log on another gateway.
		if err := g.LogSetupAdmin(ctx); err != nil {
			g.Log.ErrorContext(ctx, "the setup's audit entry not checked", "err", err)
		}
	}
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
	return g.Audit.Record(context.WithoutCancel(ctx), signInEntry(a, how, outcome))
}

// signInEntry is the entry of a sign-in as how came, under a's id when an
// account is known, with its outcome.
func signInEntry(a *storev1.Account, how SignIn, outcome string) *gatewayv1.AuditEntry {
	e := &gatewayv1.AuditEntry{Action: how.Action, ResourceType: how.Resource, ResourceId: how.ResourceID, RemoteAddr: how.RemoteAddr,
		Outcome: outcome, Channel: how.Channel}
	if a != nil {
		e.UserId, e.Role = a.GetUser().GetId(), a.GetUser().GetRole().String()
	}
	return e
}
