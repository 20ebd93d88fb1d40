package server_test

import (
	"context"
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/guides/server"
)

// TestUnassignedFollowsWhereTheNewcomerLivesNow: a job in 0180 leaves a
// Somali speaker out; she then moves to 1480. A coordinator of 0180 no
// longer sees her anywhere (her eligibility is NotFound to them), so the
// job's left-out list, which the gateway fills with her name, must not
// list her either; the one left out beside her stays, and the total
// counts what is listed.
func TestUnassignedFollowsWhereTheNewcomerLivesNow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := startEnv(t, 1, server.Options{})
	moving := newcomer("p-0001", "0180", "so", typev1.Gender_GENDER_WOMAN)
	e.publish(ctx,
		organisation(t, guideOrg, &eventsv1.GuideCapacity{MunicipalityCode: "0180", Language: "ar", Capacity: 1}),
		registered(t, moving), registered(t, newcomer("p-0002", "0180", "so", typev1.Gender_GENDER_MAN)))
	e.waitKeys(ctx, "guides_newcomers", 2)
	e.waitKeys(ctx, "guides_organisations", 1)
	c := e.as(coord)
	job := e.runJob(ctx, c, &pb.StartAssignmentJobRequest{RequestId: "moved"})
	if job.GetState() != pb.JobState_JOB_STATE_SUCCEEDED || job.GetCounts()["unassigned"] != 2 {
		t.Fatalf("job: %v %q, counts %v; want succeeded with 2 unassigned", job.GetState(), job.GetErrorMessage(), job.GetCounts())
	}

	moving.MunicipalityCode = "1480"
	e.publish(ctx, envelope(t, events.ParticipantUpdated, moving.GetParticipantId(),
		&eventsv1.ParticipantUpdated{Facts: moving, ChangedFields: []string{"municipality_code"}}))
	testutil.CheckFor(t, 10*time.Second, 20*time.Millisecond, func() error {
		if _, err := c.GetEligibility(ctx, &pb.GetEligibilityRequest{ParticipantId: "p-0001"}); code(err) != 5 { // NotFound
			return errorf("the moved newcomer's eligibility to 0180's coordinator: %v, want NotFound", err)
		}
		return nil
	})
	res, err := c.ListUnassigned(ctx, &pb.ListUnassignedRequest{JobId: job.GetId()})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range res.GetUnassigned() {
		if u.GetParticipantId() == "p-0001" {
			t.Errorf("0180's coordinator still sees the newcomer who moved to 1480: %v", u)
		}
	}
	if len(res.GetUnassigned()) != 1 || res.GetTotalSize() != 1 || res.GetUnassigned()[0].GetParticipantId() != "p-0002" {
		t.Errorf("rows %v, total %d; want p-0002 alone", res.GetUnassigned(), res.GetTotalSize())
	}
	// An administrator, who sees every municipality, still does.
	all, err := e.as(admin).ListUnassigned(ctx, &pb.ListUnassignedRequest{JobId: job.GetId()})
	if err != nil || all.GetTotalSize() != 2 {
		t.Errorf("as an administrator: %v (total %d), want both", err, all.GetTotalSize())
	}
}
