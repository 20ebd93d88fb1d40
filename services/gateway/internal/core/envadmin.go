package core

import (
	"context"
	"crypto/sha256"
	"encoding/hex"

	"google.golang.org/protobuf/types/known/timestamppb"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
)

// The first admin made from the environment (MP_ADMIN_EMAIL and
// MP_ADMIN_PASSWORD) had no entry in the audit log, while the setup
// link's has one (ADR 0229): the gateway made it at start, with no one
// signed in and no request to record (ADR 0236). Each gateway started
// with MP_ADMIN_EMAIL now writes the entry unless the log holds it, as
// LogSetupAdmin does for the link's admin: the entry's id derives from
// the admin's, so two gateways at once write one entry (the stream
// dedupes), a restart finds it (audit.Log.RecordOnce), and a gateway
// killed between the account and its entry leaves it to the next start.

// envChannel is the env admin's entry's channel: made by the gateway's
// settings, not through the web, the API or mp.
const envChannel = "env"

// LogEnvAdmin writes the audit entry of the admin made from the
// environment's e-mail email when the log lacks it, and says whether it
// wrote. The account is the environment's admin when it has that e-mail,
// is an admin and is the first account made (the environment makes one
// only into an empty store), and is not the setup link's admin (the link
// records its own): an admin added later under that e-mail was recorded
// by whoever added them. Returns the accounts' or the log's errors
// (Unavailable, ...).
func (g *Gateway) LogEnvAdmin(ctx context.Context, email string) (bool, error) {
	a, _ := g.Accounts.ByEmail(email)
	u := a.GetUser()
	if u == nil || u.GetRole() != gatewayv1.Role_ROLE_ADMIN {
		return false, nil
	}
	first, _, err := g.Accounts.ListUsers(1, "")
	if err != nil {
		return false, err
	}
	if len(first) == 0 || first[0].GetId() != u.GetId() {
		return false, nil
	}
	setupID, _, _, err := g.Accounts.SetupAdmin(ctx)
	if err != nil {
		return false, err
	}
	if setupID == u.GetId() {
		return false, nil
	}
	return g.Audit.RecordOnce(context.WithoutCancel(ctx), envEntry(u), sameCreated(u.GetId()))
}

// envEntry is the entry of the environment's admin u: the admin is both
// who acted and the record made (no one was signed in), at the time the
// account was made, from no address. The same entry whichever gateway
// writes it.
func envEntry(u *gatewayv1.User) *gatewayv1.AuditEntry {
	at := u.GetCreateTime()
	if at == nil {
		at = timestamppb.Now()
	}
	return &gatewayv1.AuditEntry{Id: envEntryID(u.GetId()), Time: at, UserId: u.GetId(), Role: gatewayv1.Role_ROLE_ADMIN.String(),
		Action: "create", ResourceType: "user", ResourceId: u.GetId(), Outcome: "ok", Channel: envChannel}
}

// sameCreated matches any entry saying the admin id made its own account
// (the environment's or the setup link's): one such entry is enough.
func sameCreated(id string) func(*gatewayv1.AuditEntry) bool {
	return func(e *gatewayv1.AuditEntry) bool {
		return e.GetAction() == "create" && e.GetResourceType() == "user" && e.GetResourceId() == id && e.GetOutcome() == "ok"
	}
}

// envEntryID is the env entry's id for the admin id, as setupEntryID,
// from another prefix so the two never share an id.
func envEntryID(adminID string) string {
	sum := sha256.Sum256([]byte("motesplats env admin entry\x00" + adminID))
	sum[6] = sum[6]&0x0f | 0x80
	sum[8] = sum[8]&0x3f | 0x80
	h := hex.EncodeToString(sum[:16])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
