package pairs_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"

	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	"github.com/motesplats/motesplats/pkg/jobs"
	"github.com/motesplats/motesplats/services/mentoring/internal/pairs"
)

func cand(id string, score int32) *pb.Candidate {
	return &pb.Candidate{VolunteerId: id, Score: score, Parts: []*pb.ScorePart{{Rule: "language", Points: score}}}
}

// TestRedact: an erased person leaves a snapshot (as newcomer, mentor, in
// an excluded pair or with the counts of who holds their slots, ADR 0171) and a result (as unmatched newcomer or as someone
// else's eligible mentor, score parts and all); others stay as they were,
// and data without them is reported unchanged.
func TestRedact(t *testing.T) {
	t.Parallel()
	snap := &pb.JobSnapshot{
		Newcomers:     []*pb.PoolNewcomer{{ParticipantId: "p-1"}, {ParticipantId: "p-2"}},
		Mentors:       []*pb.PoolMentor{{VolunteerId: "v-1"}, {VolunteerId: "v-2"}},
		ExcludedPairs: []string{"p-1/v-1", "p-2/v-2", "p-3/v-1"},
		RulesVersion:  "r1",
		HeldSlots:     []*pb.HeldSlots{{VolunteerId: "v-1", Proposals: 1, Pairs: 1}, {VolunteerId: "v-2", Pairs: 2}},
	}
	res := &pb.JobResult{Unmatched: []*pb.UnmatchedNewcomer{
		{ParticipantId: "p-1", Eligible: []*pb.Candidate{cand("v-1", 9), cand("v-2", 5)}},
		{ParticipantId: "p-2", Eligible: []*pb.Candidate{cand("v-2", 7)}},
	}}
	for _, tc := range []struct {
		name string
		kind jobs.Kind
		in   proto.Message
		id   string
		want proto.Message // nil: unchanged
	}{
		{"snapshot newcomer", jobs.SnapshotKind, snap, "p-1", &pb.JobSnapshot{
			Newcomers: []*pb.PoolNewcomer{{ParticipantId: "p-2"}}, Mentors: snap.Mentors,
			ExcludedPairs: []string{"p-2/v-2", "p-3/v-1"}, RulesVersion: "r1", HeldSlots: snap.HeldSlots}},
		{"snapshot mentor", jobs.SnapshotKind, snap, "v-1", &pb.JobSnapshot{
			Newcomers: snap.Newcomers, Mentors: []*pb.PoolMentor{{VolunteerId: "v-2"}},
			ExcludedPairs: []string{"p-2/v-2"}, RulesVersion: "r1", HeldSlots: snap.HeldSlots[1:]}},
		{"snapshot without them", jobs.SnapshotKind, snap, "p-9", nil},
		{"result newcomer", jobs.ResultKind, res, "p-2", &pb.JobResult{Unmatched: res.Unmatched[:1]}},
		{"result mentor", jobs.ResultKind, res, "v-2", &pb.JobResult{Unmatched: []*pb.UnmatchedNewcomer{
			{ParticipantId: "p-1", Eligible: []*pb.Candidate{cand("v-1", 9)}}, {ParticipantId: "p-2"}}}},
		{"result without them", jobs.ResultKind, res, "v-9", nil},
	} {
		raw, err := proto.Marshal(tc.in)
		if err != nil {
			t.Fatal(err)
		}
		out, changed, err := pairs.Redact(tc.kind, raw, tc.id)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if changed != (tc.want != nil) {
			t.Errorf("%s: changed %v, want %v", tc.name, changed, tc.want != nil)
		}
		if tc.want == nil {
			continue
		}
		got := tc.want.ProtoReflect().New().Interface()
		if err := proto.Unmarshal(out, got); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tc.want, got, protocmp.Transform()); diff != "" {
			t.Errorf("%s: (-want +got)\n%s", tc.name, diff)
		}
	}
	if _, _, err := pairs.Redact(jobs.ResultKind, []byte{0xff, 0xff}, "p-1"); err == nil {
		t.Error("undecodable result: no error")
	}
}
