package server

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/auditid"
	"github.com/motesplats/motesplats/pkg/events"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/notify/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/service"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestSentKeepsOnlyIssuedShapes: notify appends to the gateway's audit
// log, which is never purged, and kept whatever ids its message held:
// a personal identity number or a name where a person's or a proposal's
// id belongs stood in the log for good. Its entries now pass the log's
// one rule (auditid.Keep, as the gateway's audit.Log.Record), read back
// from the stream: issued shapes kept, anything else "(invalid)", in
// resource_id and in resource_ids (ADR 0221's cases, 0229).
func TestSentKeepsOnlyIssuedShapes(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	a, err := openAudit(ctx, service.Deps{JS: n.JS, Now: time.Now, IDs: ids.UUIDv7{}})
	if err != nil {
		t.Fatal(err)
	}
	person, proposal := ids.UUIDv7{}.New(), ids.UUIDv7{}.New()
	cases := []struct{ person, proposal, want string }{
		{person, proposal, fmt.Sprint(person, []string{"m", proposal})},
		{person, "", fmt.Sprint(person, []string{"m", ""})},
		{"19850101-1234", proposal, fmt.Sprint(auditid.Invalid, []string{"m", proposal})},
		{"198501011234", proposal, fmt.Sprint(auditid.Invalid, []string{"m", proposal})},
		{person, "Amina_Hassan", fmt.Sprint(person, []string{"m", auditid.Invalid})},
		{strings.ToUpper(person), proposal, fmt.Sprint(auditid.Invalid, []string{"m", proposal})},
		{person + "0", strings.ReplaceAll(proposal, "-", "_"), fmt.Sprint(auditid.Invalid, []string{"m", auditid.Invalid})},
	}
	for i, tt := range cases {
		m := &pb.StoredMessage{Id: fmt.Sprintf("m%040x", i+1), PersonId: tt.person, ProposalId: tt.proposal,
			Template: pb.Template_TEMPLATE_MENTOR_OFFER, Channel: pb.Channel_CHANNEL_EMAIL}
		if err := a.Sent(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	s, err := n.JS.Stream(ctx, events.StreamAudit)
	if err != nil {
		t.Fatal(err)
	}
	for i, tt := range cases {
		raw, err := s.GetMsg(ctx, uint64(i+1))
		if err != nil {
			t.Fatal(err)
		}
		e := &gatewayv1.AuditEntry{}
		if err := proto.Unmarshal(raw.Data, e); err != nil {
			t.Fatal(err)
		}
		msgID := fmt.Sprintf("m%040x", i+1)
		kept := slicesReplace(e.GetResourceIds(), msgID, "m")
		if got := fmt.Sprint(e.GetResourceId(), kept); got != tt.want {
			t.Errorf("person %q, proposal %q kept as %s, want %s", tt.person, tt.proposal, got, tt.want)
		}
	}
}

// slicesReplace is ids with old written as new, so the cases name the
// message's own id by "m".
func slicesReplace(ids []string, old, new string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id
		if id == old {
			out[i] = new
		}
	}
	return out
}
