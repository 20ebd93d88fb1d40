package dinners_test

import (
	"testing"

	"google.golang.org/protobuf/proto"

	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	"github.com/motesplats/motesplats/pkg/jobs"
	"github.com/motesplats/motesplats/services/dinners/internal/dinners"
)

// TestRedactCountsTheFullDinnersAgain: a result's totals are counted
// again over the parties left when one is erased (ADR 0180): a dinner
// the erased party alone fitted goes, one another party fits stays,
// counted once; with no DINNERS_FULL party left there are no totals. A
// result stored before the counted dinners keeps its totals.
func TestRedactCountsTheFullDinnersAgain(t *testing.T) {
	full := pb.UnseatedReason_UNSEATED_REASON_DINNERS_FULL
	res := &pb.JobResult{
		Unseated: []*pb.UnseatedParty{
			{SignUpId: "s-a", Reason: full, CountedDinners: []uint32{0, 1}},
			// Dinners 1 and 2, stored as differences.
			{SignUpId: "s-b", Reason: full, CountedDinners: []uint32{1, 1}},
			{SignUpId: "s-c", Reason: pb.UnseatedReason_UNSEATED_REASON_NO_DATE},
		},
		FullDinners: &pb.FullDinners{Dinners: 3, SeatsHeldByProposals: 7, SeatsHeldByApproved: 3},
		CountedDinners: []*pb.CountedDinner{
			{SeatsHeldByProposals: 4}, {SeatsHeldByProposals: 1, SeatsHeldByApproved: 1}, {SeatsHeldByProposals: 2, SeatsHeldByApproved: 2},
		},
	}
	tests := []struct {
		name  string
		in    *pb.JobResult
		erase []string
		want  *pb.FullDinners
	}{
		{"the other party's dinners stay", res, []string{"s-a"}, &pb.FullDinners{Dinners: 2, SeatsHeldByProposals: 3, SeatsHeldByApproved: 3}},
		{"a shared dinner stays once", res, []string{"s-b"}, &pb.FullDinners{Dinners: 2, SeatsHeldByProposals: 5, SeatsHeldByApproved: 1}},
		{"none left", res, []string{"s-a", "s-b"}, nil},
		{"another reason's party leaves the totals", res, []string{"s-c"}, res.GetFullDinners()},
		{"stored before", &pb.JobResult{Unseated: []*pb.UnseatedParty{{SignUpId: "s-a", Reason: full}, {SignUpId: "s-b", Reason: full}},
			FullDinners: &pb.FullDinners{Dinners: 3, SeatsHeldByProposals: 7}}, []string{"s-a"}, &pb.FullDinners{Dinners: 3, SeatsHeldByProposals: 7}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			raw, err := proto.Marshal(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			for _, id := range tc.erase {
				out, changed, err := dinners.Redact(jobs.ResultKind, raw, id)
				if err != nil || !changed {
					t.Fatalf("Redact(%s): changed %v, %v", id, changed, err)
				}
				raw = out
			}
			var got pb.JobResult
			if err := proto.Unmarshal(raw, &got); err != nil {
				t.Fatal(err)
			}
			if !proto.Equal(got.GetFullDinners(), tc.want) {
				t.Errorf("full dinners: got %v, want %v", got.GetFullDinners(), tc.want)
			}
		})
	}
}
