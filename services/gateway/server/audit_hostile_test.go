package server_test

import (
	"bytes"
	"net/url"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"github.com/nats-io/nats.go/jetstream"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/gateway/internal/audit"
)

// TestAuditKeepsNoFreeText: the audit stream can be neither purged nor
// deleted from, so what a caller sends where an id belongs (a name and a
// phone number, or a 900 KB string) must not be written into it; the
// refused calls are still recorded.
func TestAuditKeepsNoFreeText(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{notify: true})
	ctx := testutil.Context(t)
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Org", "0880")
	coord := e.coordinator(admin, "c@example.org", org, "0880")
	const marker = "Zqplanted Auditsson 0701234567"
	big := strings.Repeat("zqbig", 180_000)
	info := func() *jetstream.StreamInfo {
		s, err := e.js.Stream(ctx, audit.Stream)
		if err != nil {
			t.Fatal(err)
		}
		i, err := s.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return i
	}
	before := info().State
	for _, c := range []*apiClient{admin, coord} {
		for _, id := range []string{marker, big} {
			_, err := c.registry.GetParticipant(ctx, connect.NewRequest(&gatewayv1.GetParticipantRequest{Id: id}))
			if connect.CodeOf(err) != connect.CodeInvalidArgument && connect.CodeOf(err) != connect.CodeNotFound {
				t.Errorf("GetParticipant(free text): %v", err)
			}
			_, _ = c.dinners.GetDinnerOffer(ctx, connect.NewRequest(&gatewayv1.GetDinnerOfferRequest{Id: id}))
			_, _ = c.dinners.ApproveSeating(ctx, connect.NewRequest(&gatewayv1.ApproveSeatingRequest{Id: id}))
			_, _ = c.guides.ApproveGuideAssignment(ctx, connect.NewRequest(&gatewayv1.ApproveGuideAssignmentRequest{Id: id}))
			_, _ = c.matching.GetPair(ctx, connect.NewRequest(&gatewayv1.GetPairRequest{Id: id}))
			_, _ = c.messages.GetMailboxMessage(ctx, connect.NewRequest(&gatewayv1.GetMailboxMessageRequest{Id: id}))
		}
	}
	b := e.browser()
	b.signIn("c@example.org", password)
	for _, p := range []string{"/participants/", "/volunteers/", "/pairs/", "/dinners/offers/"} {
		b.get(p + url.PathEscape(marker))
	}
	b.get("/dinners/signups/" + url.PathEscape(marker) + "/edit")
	after := info().State
	if after.Msgs <= before.Msgs {
		t.Fatalf("the refused calls were not audited: %d entries before, %d after", before.Msgs, after.Msgs)
	}
	if grown := after.Bytes - before.Bytes; grown > 256<<10 {
		t.Errorf("the audit stream grew by %d bytes for %d refused calls", grown, after.Msgs-before.Msgs)
	}
	s, err := e.js.Stream(ctx, audit.Stream)
	if err != nil {
		t.Fatal(err)
	}
	for seq := before.LastSeq + 1; seq <= after.LastSeq; seq++ {
		m, err := s.GetMsg(ctx, seq)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{"Zqplanted", "0701234567", "zqbigzqbig"} {
			if bytes.Contains(m.Data, []byte(s)) {
				t.Fatalf("audit entry %d holds %q: %q", seq, s, trim(string(m.Data)))
			}
		}
	}
}
