package server_test

import (
	"context"
	"slices"
	"testing"

	"google.golang.org/grpc/codes"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/testutil/servicetest"
	"github.com/motesplats/motesplats/services/guides/server"
)

// TestListAssignmentsByParticipant: the newcomer's page asks for one
// newcomer's assignments (ADR 0279). The filter gives that newcomer's
// alone, with the other filters still applied; a coordinator of other
// municipalities gets none of them, as for an unknown newcomer; a
// malformed id is InvalidArgument on participant_id.
func TestListAssignmentsByParticipant(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := startEnv(t, 1, server.Options{})
	e.publish(ctx, organisation(t, guideOrg, &eventsv1.GuideCapacity{MunicipalityCode: "0180", Language: "sv", Capacity: 3}),
		registered(t, newcomer("p-0001", "0180", "so", typev1.Gender_GENDER_WOMAN)),
		registered(t, newcomer("p-0002", "0180", "so", typev1.Gender_GENDER_MAN)),
		registered(t, newcomer("p-0003", "0180", "ar", typev1.Gender_GENDER_WOMAN)))
	e.waitKeys(ctx, "guides_newcomers", 3)
	e.waitKeys(ctx, "guides_organisations", 1)
	c := e.as(coord)
	job := e.runJob(ctx, c, &pb.StartAssignmentJobRequest{RequestId: "r1"})
	if as := assignments(ctx, t, c, job.GetId()); len(as) != 3 {
		t.Fatalf("%d assignments, want 3", len(as))
	}
	list := func(c pb.GuideServiceClient, req *pb.ListAssignmentsRequest) []*pb.Assignment {
		t.Helper()
		res, err := c.ListAssignments(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if int(res.GetTotalSize()) != len(res.GetAssignments()) {
			t.Errorf("total %d, %d listed", res.GetTotalSize(), len(res.GetAssignments()))
		}
		return res.GetAssignments()
	}
	got := list(c, &pb.ListAssignmentsRequest{ParticipantId: "p-0002"})
	if len(got) != 1 || got[0].GetParticipantId() != "p-0002" {
		t.Fatalf("p-0002's assignments: %v, want theirs alone", got)
	}
	if got := list(c, &pb.ListAssignmentsRequest{ParticipantId: "p-0002", JobId: job.GetId()}); len(got) != 1 {
		t.Errorf("with its job: %d, want 1", len(got))
	}
	if got := list(c, &pb.ListAssignmentsRequest{ParticipantId: "p-0002",
		Statuses: []eventsv1.AssignmentStatus{eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_ENDED}}); len(got) != 0 {
		t.Errorf("ended only: %v, want none", got)
	}
	if got := list(c, &pb.ListAssignmentsRequest{ParticipantId: "p-0002", MunicipalityCode: "1480"}); len(got) != 0 {
		t.Errorf("another municipality: %v, want none", got)
	}
	if got := list(e.as(coordFar), &pb.ListAssignmentsRequest{ParticipantId: "p-0002"}); len(got) != 0 {
		t.Errorf("a coordinator of other municipalities: %v, want none", got)
	}
	if got := list(e.as(admin), &pb.ListAssignmentsRequest{ParticipantId: "p-9999"}); len(got) != 0 {
		t.Errorf("an unknown newcomer: %v, want none", got)
	}
	_, err := c.ListAssignments(ctx, &pb.ListAssignmentsRequest{ParticipantId: "no good!"})
	if code(err) != codes.InvalidArgument || !slices.Equal(servicetest.ViolatedFields(err), []string{"participant_id"}) {
		t.Errorf("malformed participant_id: %v, want InvalidArgument on participant_id", err)
	}
}
