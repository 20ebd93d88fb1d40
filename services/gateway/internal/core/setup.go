package core

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/netip"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/motesplats/motesplats/pkg/apperr"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/services/gateway/internal/audit"
)

// The first admin in the audit log, whatever kills a gateway (ADR 0018,
// 0218, 0229). Every other change is recorded by the gateway that made it,
// after the call and before the answer; a gateway killed in between left
// the first admin, made through the setup link while no one was signed
// in, with no "create user" entry at all, and no one else saw it happen
// (found from outside with kill -9 50 ms into the form, ADR 0223).
//
// The admin's id is chosen as the form takes the link and is written in
// the link's state before the account exists (account.TakeSetupFor).
// From then on any gateway can tell the admin is unrecorded: each checks
// at its start and at an admin's sign-in (before the sign-in's own
// entry) until it has seen the entry, and writes it if it is missing,
// with the time the account was made. The entry's id derives from the
// admin's, so gateways writing it at once are deduplicated by the stream,
// and one writing later finds it first (audit.Log.RecordOnce): one entry,
// whichever gateways start, sign in or die.

// SetupAdmin makes the first admin through the setup link tok with
// password, and records it, as the setup form sent from remoteAddr asks.
// took is false when the link refused the form (account.ErrSetupUsed,
// account.ErrSetupBusy, NotFound: CheckSetup's answers) or could not be
// read; true with the create's error otherwise (Invalid, AlreadyExists),
// after which the link is given back for another try.
func (g *Gateway) SetupAdmin(ctx context.Context, tok string, u *gatewayv1.User, password, remoteAddr string) (made *gatewayv1.User, took bool, err error) {
	id, done, err := g.Accounts.TakeSetupFor(ctx, tok, networkAddr(remoteAddr))
	if err != nil {
		return nil, false, err
	}
	made, err = g.Accounts.CreateUserWithID(ctx, id, u, password)
	if err == nil {
		if g.setupCreated != nil {
			g.setupCreated()
		}
		g.setupAdminMade(ctx, made, remoteAddr)
	}
	done(err == nil)
	return made, true, err
}

// setupAdminMade records the first admin, made through the setup link:
// the admin is both who acted and the record made (no one was signed
// in), on channel "setup", at the time the account was made. The admin
// exists whatever this answers; a failed entry is logged, and written by
// the next gateway to start or the admin's first sign-in (LogSetupAdmin).
func (g *Gateway) setupAdminMade(ctx context.Context, u *gatewayv1.User, remoteAddr string) {
	if _, err := g.Audit.RecordOnce(context.WithoutCancel(ctx), setupEntry(u, remoteAddr), sameSetup(u.GetId())); err != nil {
		g.Log.ErrorContext(ctx, "audit entry not written", "err", err)
		return
	}
	g.setupLogged.Store(true)
}

// LogSetupAdmin writes the setup's entry of the admin the link made if
// the audit log does not hold it (a gateway died between the create and
// the entry), once whoever asks. The server calls it at start, SignedIn
// at an admin's sign-in, until the entry is seen: then it costs nothing.
// Returns the log's or the accounts' errors (Unavailable, ...).
func (g *Gateway) LogSetupAdmin(ctx context.Context) error {
	if g.setupLogged.Load() {
		return nil
	}
	id, network, over, err := g.Accounts.SetupAdmin(ctx)
	if err != nil {
		return err
	}
	if id == "" {
		// No form took the link yet (ask again at the next sign-in), or
		// an older gateway's did, which kept no id (nothing to find).
		if over {
			g.setupLogged.Store(true)
		}
		return nil
	}
	u, err := g.Accounts.GetUser(ctx, id)
	switch {
	case apperr.ErrorCode(err) == apperr.NotFound:
		// A form still making it, or one killed before the create (a new
		// link follows); or, over, an admin made and since erased, whose
		// entry is the erasure's business.
		if over {
			g.setupLogged.Store(true)
		}
		return nil
	case err != nil:
		return err
	}
	wrote, err := g.Audit.RecordOnce(context.WithoutCancel(ctx), setupEntry(u, network), sameSetup(id))
	if err != nil {
		return err
	}
	if wrote {
		g.Log.InfoContext(ctx, "the setup's admin was not in the audit log; its entry is written now")
	}
	g.setupLogged.Store(true)
	return nil
}

// setupEntry is the setup's entry for the admin u, made from the network
// of addr: the same entry whichever gateway writes it.
func setupEntry(u *gatewayv1.User, addr string) *gatewayv1.AuditEntry {
	at := u.GetCreateTime()
	if at == nil {
		at = timestamppb.Now()
	}
	return &gatewayv1.AuditEntry{Id: setupEntryID(u.GetId()), Time: at, UserId: u.GetId(), Role: gatewayv1.Role_ROLE_ADMIN.String(),
		Action: "create", ResourceType: "user", ResourceId: u.GetId(), RemoteAddr: addr, Outcome: "ok", Channel: "setup"}
}

// sameSetup matches the setup's entry of the admin id, whoever wrote it
// (a gateway before ADR 0229 gave it a random id).
func sameSetup(id string) func(*gatewayv1.AuditEntry) bool {
	return func(e *gatewayv1.AuditEntry) bool {
		return e.GetChannel() == "setup" && e.GetResourceType() == "user" && e.GetResourceId() == id && e.GetOutcome() == "ok"
	}
}

// setupEntryID is the setup entry's id for the admin id: a UUID (version
// 8, RFC 9562) of a hash of it, so every gateway writes the same id.
func setupEntryID(adminID string) string {
	sum := sha256.Sum256([]byte("motesplats setup entry\x00" + adminID))
	sum[6] = sum[6]&0x0f | 0x80
	sum[8] = sum[8]&0x3f | 0x80
	h := hex.EncodeToString(sum[:16])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// networkAddr is the first address of addr's network as the audit log
// keeps it (audit.Network), which the link's state holds for an entry
// written later: the log makes the same network of it, and the state
// holds no more of the host than the log. "" when addr is no address.
func networkAddr(addr string) string {
	p, err := netip.ParsePrefix(audit.Network(addr))
	if err != nil {
		return ""
	}
	return p.Addr().String()
}
