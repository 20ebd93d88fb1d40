package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/motesplats/motesplats/pkg/auth"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestAuditNamesAServiceAsAService: every message notify sends is an
// entry under the user id "notify" with the role service (ADR 0018), and
// the audit page looked that id up among the accounts, found none, and
// named it as it names an erased account: "raderad användare notify",
// once per message (found from outside, ADR 0227). An admin asking who
// sent a newcomer a message read that someone's account had been erased.
// The page now names a service's entry as the service's, without looking
// for an account, and an erased account still reads as erased.
func TestAuditNamesAServiceAsAService(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	ctx := testutil.Context(t)
	// The entry as notify writes it (services/notify/server/audit.go).
	entry := &gatewayv1.AuditEntry{Id: "audit-m0123456789abcdef0123456789abcdef01234567", Time: timestamppb.New(time.Now()),
		UserId: "notify", Role: string(auth.RoleService), Action: "notify_offer_mentee", ResourceType: "participant",
		ResourceId: "01a24d07-2c2d-7049-a2e3-c643e880abf7", Outcome: "ok", Channel: "mailbox"}
	data, err := proto.Marshal(entry)
	if err != nil {
		t.Fatal(err)
	}
	msg := &nats.Msg{Subject: "audit.notify.participant.notify_offer_mentee", Data: data, Header: nats.Header{}}
	msg.Header.Set(jetstream.MsgIDHeader, entry.GetId())
	if _, err := e.js.PublishMsg(ctx, msg); err != nil {
		t.Fatal(err)
	}

	b := e.browser()
	b.signIn(adminEmail, adminPass)
	for _, lang := range []struct{ locale, service, erased string }{
		{"sv", `tjänst <a href="/admin/audit?user_id=notify">`, `raderad användare <a href="/admin/audit?user_id=notify">`},
		{"en", `service <a href="/admin/audit?user_id=notify">`, `erased user <a href="/admin/audit?user_id=notify">`},
	} {
		if code, _ := b.post("/settings/locale", url.Values{"locale": {lang.locale}}); code != http.StatusSeeOther {
			t.Fatalf("set locale %s: %d", lang.locale, code)
		}
		code, page := b.get("/admin/audit?user_id=notify")
		if code != http.StatusOK || !strings.Contains(page, lang.service) || strings.Contains(page, lang.erased) {
			t.Errorf("%s: notify's entry on the audit page: %d, want %q and no %q: %s", lang.locale, code, lang.service, lang.erased, trim(page))
		}
	}
}
