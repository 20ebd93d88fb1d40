package guides

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	guidesv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	proposalv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/proposal/v1"
)

func TestCountReasons(t *testing.T) {
	t.Parallel()
	rejected := func(r proposalv1.RejectReason) *guidesv1.Assignment {
		return &guidesv1.Assignment{Status: eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_REJECTED, RejectReason: r}
	}
	declined := func(r proposalv1.DeclineReason, by eventsv1.AssignmentParty) *guidesv1.Assignment {
		return &guidesv1.Assignment{Status: eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_DECLINED, DeclineReason: r, DeclinedBy: by}
	}
	ended := func(st eventsv1.AssignmentStatus, r eventsv1.AssignmentEndReason) *guidesv1.Assignment {
		return &guidesv1.Assignment{Status: st, EndReason: r}
	}
	tests := []struct {
		name string
		in   []*guidesv1.Assignment
		want []ReasonCount
	}{
		{name: "none", in: nil, want: []ReasonCount{}},
		{name: "live assignments have no reason", in: []*guidesv1.Assignment{
			{Status: eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_PROPOSED}, {Status: eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_ACTIVE},
		}, want: []ReasonCount{}},
		{name: "counted per outcome, reason and party, most frequent first", in: []*guidesv1.Assignment{
			rejected(proposalv1.RejectReason_REJECT_REASON_POOR_FIT),
			declined(proposalv1.DeclineReason_DECLINE_REASON_NO_TIME, eventsv1.AssignmentParty_ASSIGNMENT_PARTY_NEWCOMER),
			declined(proposalv1.DeclineReason_DECLINE_REASON_NO_TIME, eventsv1.AssignmentParty_ASSIGNMENT_PARTY_NEWCOMER),
			declined(proposalv1.DeclineReason_DECLINE_REASON_NO_TIME, eventsv1.AssignmentParty_ASSIGNMENT_PARTY_ORGANISATION),
			declined(0, eventsv1.AssignmentParty_ASSIGNMENT_PARTY_NEWCOMER),
			ended(eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_ENDED, eventsv1.AssignmentEndReason_ASSIGNMENT_END_REASON_FOUND_WORK),
			ended(eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_WITHDRAWN, eventsv1.AssignmentEndReason_ASSIGNMENT_END_REASON_ORGANISATION_LEFT),
		}, want: []ReasonCount{
			{Status: eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_DECLINED, Reason: "DECLINE_REASON_NO_TIME",
				Party: eventsv1.AssignmentParty_ASSIGNMENT_PARTY_NEWCOMER, Words: "declined by the newcomer: no time", Count: 2},
			{Status: eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_DECLINED, Party: eventsv1.AssignmentParty_ASSIGNMENT_PARTY_NEWCOMER,
				Words: "declined by the newcomer: no reason given", Count: 1},
			{Status: eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_DECLINED, Reason: "DECLINE_REASON_NO_TIME",
				Party: eventsv1.AssignmentParty_ASSIGNMENT_PARTY_ORGANISATION, Words: "declined by the organisation: no time", Count: 1},
			{Status: eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_ENDED, Reason: "ASSIGNMENT_END_REASON_FOUND_WORK",
				Words: "ended: found work", Count: 1},
			{Status: eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_REJECTED, Reason: "REJECT_REASON_POOR_FIT",
				Words: "rejected: poor fit", Count: 1},
			{Status: eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_WITHDRAWN, Reason: "ASSIGNMENT_END_REASON_ORGANISATION_LEFT",
				Words: "withdrawn: organisation left", Count: 1},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, CountReasons(tt.in)); diff != "" {
				t.Errorf("CountReasons (-want +got):\n%s", diff)
			}
		})
	}
}
