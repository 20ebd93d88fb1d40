package proposal_test

import (
	"strings"
	"testing"

	"google.golang.org/protobuf/reflect/protoreflect"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	proposalv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/proposal/v1"
	"github.com/motesplats/motesplats/pkg/proposal"
)

// TestWireEnumsAlign: the shared wire enums number their values as
// pkg/proposal.Status and as mentoring's older pair-named enums, so every
// programme converts by number (docs/adr/0036). A value added to one and
// not the others, or renumbered, fails here.
func TestWireEnumsAlign(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name             string
		shared, mentor   protoreflect.EnumDescriptor
		sharedP, mentorP string
	}{
		{"status", proposalv1.ProposalStatus(0).Descriptor(), eventsv1.PairStatus(0).Descriptor(), "PROPOSAL_STATUS_", "PAIR_STATUS_"},
		{"reject", proposalv1.RejectReason(0).Descriptor(), eventsv1.RejectReason(0).Descriptor(), "", ""},
		{"decline", proposalv1.DeclineReason(0).Descriptor(), eventsv1.DeclineReason(0).Descriptor(), "", ""},
		{"end", proposalv1.EndReason(0).Descriptor(), eventsv1.EndReason(0).Descriptor(), "", ""},
	} {
		sv, mv := tc.shared.Values(), tc.mentor.Values()
		if sv.Len() != mv.Len() {
			t.Errorf("%s: %d shared values, %d mentoring values", tc.name, sv.Len(), mv.Len())
			continue
		}
		for k := range sv.Len() {
			s, m := sv.Get(k), mv.Get(k)
			if s.Number() != m.Number() || strings.TrimPrefix(string(s.Name()), tc.sharedP) != strings.TrimPrefix(string(m.Name()), tc.mentorP) {
				t.Errorf("%s: shared %s=%d, mentoring %s=%d", tc.name, s.Name(), s.Number(), m.Name(), m.Number())
			}
		}
	}
	for s := proposal.Unknown; s <= proposal.Withdrawn; s++ {
		want := "PROPOSAL_STATUS_" + strings.ToUpper(s.String())
		if s == proposal.Unknown {
			want = "PROPOSAL_STATUS_UNSPECIFIED"
		}
		if got := s.Proto().String(); got != want || proposal.StatusOf(s.Proto()) != s {
			t.Errorf("status %s: wire %s, want %s", s, got, want)
		}
	}
	if n := proposalv1.ProposalStatus(0).Descriptor().Values().Len(); n != int(proposal.Withdrawn)+1 {
		t.Errorf("the wire enum has %d statuses, pkg/proposal %d", n, proposal.Withdrawn+1)
	}
}
