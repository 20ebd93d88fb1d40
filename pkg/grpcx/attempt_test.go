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
		{"a check-in (its request id is inside the check-in)", "/motesplats.mentoring.v1.MentoringService/RecordCheckIn", &mentoringv1.RecordCheckInRequest{CheckIn: &mentoringv1.CheckIn{RequestId: "r2"}}, plainWrite},
		{"not a message", "/x.v1.X/Update", "text", plainWrite},
	}
	for _, tt := range tests {
		if got := kindOf(tt.method, tt.req); got != tt.want {
			t.Errorf("%s: kindOf(%s) = %v, want %v", tt.name, tt.method, got, tt.want)
		}
	}
}
