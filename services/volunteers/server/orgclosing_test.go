package server_test

import (
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/motesplats/motesplats/pkg/events"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestVolunteerRegisteredWhileTheOrganisationGoes: a volunteer registered
// on one replica while another deletes the organisation, in the order
// neither side's first check can see (ADR 0141 "Left open"): the create
// found the organisation, then the delete found no volunteer and removed
// it, then the create stored the volunteer. Before the closing mark the
// volunteer stood (and was announced) for an organisation nobody has.
// Now the create, after storing, finds the organisation gone, deletes its
// record unpublished and says so in words (ADR 0150).
//
// The window is made on purpose: the create runs on the replica whose
// bytes arrive 400 ms late, and its read of the organisation starts the
// delete on the current replica, which is done before the answer of that
// read reaches the late replica.
func TestVolunteerRegisteredWhileTheOrganisationGoes(t *testing.T) {
	t.Parallel()
	ctx := testutil.Context(t)
	n, now, late, o := replicaBehind(t)

	// The create's read of the organisation deletes it on the current
	// replica.
	deleted := make(chan error, 1)
	onFirstRequest(t, n, "$JS.API.DIRECT.GET.KV_organisations.$KV.organisations."+o.GetId(), func() {
		_, err := now.client.DeleteOrganisation(ctx, &pb.DeleteOrganisationRequest{Id: o.GetId()}, now.as(t, admin))
		deleted <- err
	})
	_, cerr := late.client.CreateVolunteer(ctx, &pb.CreateVolunteerRequest{Volunteer: volunteerIn(o.GetId(), "0380")}, late.as(t, admin))
	if err := <-deleted; err != nil {
		t.Fatalf("delete the organisation during the create: %v", err)
	}
	wantCode(t, cerr, codes.FailedPrecondition)
	if got := status.Convert(cerr).Message(); got != "the organisation is being removed" {
		t.Errorf("create answered %q, want the organisation is being removed", got)
	}
	// Deleted unpublished: no replica lists it, no event announced it.
	for _, h := range []*harness{now, late} {
		res, err := h.client.ListVolunteers(ctx, &pb.ListVolunteersRequest{}, h.as(t, admin))
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range res.GetVolunteers() {
			t.Errorf("volunteer %s stands for removed organisation %s", v.GetId(), v.GetOrganisationId())
		}
	}
	envs, _ := now.streamEvents(t)
	for _, e := range envs {
		if e.GetType() == events.VolunteerRegistered {
			t.Errorf("volunteer %s announced for a removed organisation", e.GetSubjectId())
		}
	}
}
