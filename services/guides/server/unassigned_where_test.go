package server_test

import (
	"context"
	"testing"

	"github.com/motesplats/motesplats/pkg/auth"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/services/guides/server"
)

// TestUnassignedReasonIsTheFirstRuleThatFails: a newcomer in Uppsala,
// where no guide organisation works, is left out because no unit works
// there, not because none guides in their language (outside round s32:
// the list said the latter); a Somali speaker in Stockholm, where only an
// Arabic unit works, is left out for the language (ADR 0184).
func TestUnassignedReasonIsTheFirstRuleThatFails(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := startEnv(t, 1, server.Options{})
	e.publish(ctx,
		organisation(t, guideOrg, &eventsv1.GuideCapacity{MunicipalityCode: "0180", Language: "ar", Capacity: 2}),
		registered(t, newcomer("p-0001", "0380", "ar", typev1.Gender_GENDER_WOMAN)),
		registered(t, newcomer("p-0002", "0180", "so", typev1.Gender_GENDER_MAN)))
	e.waitKeys(ctx, "guides_newcomers", 2)
	e.waitKeys(ctx, "guides_organisations", 1)
	both := auth.Claims{Subject: "u-both", Role: auth.RoleCoordinator, Organisation: coordOrg, Municipalities: []string{"0180", "0380"}}
	c := e.as(both)
	job := e.runJob(ctx, c, &pb.StartAssignmentJobRequest{RequestId: "where"})
	if job.GetState() != pb.JobState_JOB_STATE_SUCCEEDED || job.GetCounts()["unassigned"] != 2 {
		t.Fatalf("job: %v %q, counts %v; want succeeded with 2 unassigned", job.GetState(), job.GetErrorMessage(), job.GetCounts())
	}
	res, err := c.ListUnassigned(ctx, &pb.ListUnassignedRequest{JobId: job.GetId()})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]pb.UnassignedReason{
		"p-0001": pb.UnassignedReason_UNASSIGNED_REASON_NO_UNIT_IN_MUNICIPALITY,
		"p-0002": pb.UnassignedReason_UNASSIGNED_REASON_NO_ELIGIBLE_UNIT,
	}
	if len(res.GetUnassigned()) != len(want) {
		t.Fatalf("%d unassigned, want %d", len(res.GetUnassigned()), len(want))
	}
	for _, u := range res.GetUnassigned() {
		if got := u.GetReason(); got != want[u.GetParticipantId()] {
			t.Errorf("%s: reason %v, want %v", u.GetParticipantId(), got, want[u.GetParticipantId()])
		}
	}
}
