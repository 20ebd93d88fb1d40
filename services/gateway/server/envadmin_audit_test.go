package server_test

import (
	"net/url"
	"path/filepath"
	"testing"

	"connectrpc.com/connect"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestEnvAdminInTheAuditLogOnce: the admin made from MP_ADMIN_EMAIL had
// no entry in the audit log, while the setup link's has one (ADR 0229),
// so nothing said when the system's first account came to be. The first
// gateway's start writes it (the admin made itself, through the
// gateway's settings, at the time the account was made), and two more
// gateways started on the same NATS, as a restart and a replica, find it
// and write none: one entry (ADR 0236). The audit page says it in words.
func TestEnvAdminInTheAuditLogOnce(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	dir := t.TempDir()
	e.replica(filepath.Join(dir, "a"))
	e.replica(filepath.Join(dir, "b"))
	admin := e.login(adminEmail, adminPass)
	ctx := testutil.Context(t)
	me, err := admin.users.GetUser(ctx, connect.NewRequest(&gatewayv1.GetUserRequest{Id: "me"}))
	if err != nil {
		t.Fatal(err)
	}
	u := me.Msg.GetUser()
	res, err := admin.audit.ListAuditEntries(ctx, connect.NewRequest(&gatewayv1.ListAuditEntriesRequest{PageSize: 1000}))
	if err != nil {
		t.Fatal(err)
	}
	var made []*gatewayv1.AuditEntry
	for _, a := range res.Msg.GetEntries() {
		if a.GetAction() == "create" && a.GetResourceType() == "user" && a.GetResourceId() == u.GetId() {
			made = append(made, a)
		}
	}
	if len(made) != 1 {
		t.Fatalf("%d entries of the environment's admin made, want 1: %v", len(made), made)
	}
	if a := made[0]; a.GetUserId() != u.GetId() || a.GetChannel() != "env" || a.GetOutcome() != "ok" || a.GetRole() != "ROLE_ADMIN" ||
		!a.GetTime().AsTime().Equal(u.GetCreateTime().AsTime()) {
		t.Errorf("the entry %v, want the admin %s making itself on channel env at %v", a, u.GetId(), u.GetCreateTime().AsTime())
	}

	b := e.browser()
	b.signIn(adminEmail, adminPass)
	b.post("/settings/locale", url.Values{"locale": {"sv"}})
	mustContain(t, mustGet(b, "/admin/audit?user_id="+u.GetId()), "gatewayens inställningar")
}
