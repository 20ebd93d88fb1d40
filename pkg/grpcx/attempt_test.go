package grpcx

import (
	"testing"

	"google.golang.org/protobuf/types/known/emptypb"

	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
)

func TestKindOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		method string
		req    any
		want   callKind
	}{
		{"a read", "/motesplats.participants.v1.ParticipantService/GetParticipant", &participantsv1.GetParticipantRequest{Id: "p"}, read},
		{"a list", "/motesplats.mentoring.v1.MentoringService/ListPairs", &mentoringv1.ListPairsRequest{}, read},
		{"a health check", "/grpc.health.v1.Health/Check", &emptypb.Empty{}, read},
		{"a create with its request id", "/motesplats.participants.v1.ParticipantService/CreateParticipant", &participantsv1.CreateParticipantRequest{RequestId: "r1"}, keyedWrite},
		{"a create without one", "/motesplats.participants.v1.ParticipantService/CreateParticipant", &participantsv1.CreateParticipantRequest{}, plainWrite},
		{"an approval", "/motesplats.mentoring.v1.MentoringService/ApproveProposal", &mentoringv1.ApproveProposalRequest{}, plainWrite},
		// RecordCheckIn keeps its request id in the check-in it records
		// (ADR 0142): one level down, found by the same rule.
		{"a check-in with its request id", "/motesplats.mentoring.v1.MentoringService/RecordCheckIn", &mentoringv1.RecordCheckInRequest{Id: "p", CheckIn: &mentoringv1.CheckIn{RequestId: "r2"}}, keyedWrite},
		{"a check-in without one", "/motesplats.mentoring.v1.MentoringService/RecordCheckIn", &mentoringv1.RecordCheckInRequest{Id: "p", CheckIn: &mentoringv1.CheckIn{Met: true}}, plainWrite},
		{"a check-in without its message", "/motesplats.mentoring.v1.MentoringService/RecordCheckIn", &mentoringv1.RecordCheckInRequest{Id: "p"}, plainWrite},
		// A list of records with their request ids keys no write.
		{"records in a list", "/x.v1.X/UpdatePair", &mentoringv1.Pair{CheckIns: []*mentoringv1.CheckIn{{RequestId: "r3"}}}, plainWrite},
		{"not a message", "/x.v1.X/Update", "text", plainWrite},
	}
	for _, tt := range tests {
		if got := kindOf(tt.method, tt.req); got != tt.want {
			t.Errorf("%s: kindOf(%s) = %v, want %v", tt.name, tt.method, got, tt.want)
		}
	}
}
