package server_test

import (
	"context"
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	proposalv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/proposal/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/guides/server"
)

// TestRejectionIsOfTheOrganisation (ADR 0257): a newcomer in Stockholm
// who speaks Arabic and Persian is proposed to organisation X for Arabic,
// and the coordinator rejects it. The next job does not propose X's
// Persian place in Stockholm (before, it did: the exclusion was X's
// Arabic unit alone, which a coordinator read as the rejection ignored);
// she is left out as proposed before, with 1 pair counted. Organisation
// Y's Persian place in Stockholm may be proposed to her; and when she
// moves to Gothenburg, X's office there (another office, a new
// situation) may be too.
func TestRejectionIsOfTheOrganisation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := startEnv(t, 1, server.Options{})
	const x, y = guideOrg, "org-guide-y"
	f := newcomer("p-0001", "0180", "ar", typev1.Gender_GENDER_WOMAN)
	f.Languages = append(f.Languages, &typev1.LanguageSkill{Code: "fa", Level: typev1.LanguageLevel_LANGUAGE_LEVEL_FLUENT})
	e.publish(ctx,
		organisation(t, x, &eventsv1.GuideCapacity{MunicipalityCode: "0180", Language: "ar", Capacity: 1},
			&eventsv1.GuideCapacity{MunicipalityCode: "0180", Language: "fa", Capacity: 1},
			&eventsv1.GuideCapacity{MunicipalityCode: "1480", Language: "fa", Capacity: 1}),
		registered(t, f))
	e.waitKeys(ctx, "guides_newcomers", 1)
	e.waitKeys(ctx, "guides_organisations", 1)
	c := e.as(coord)

	// run runs a job as cl and returns its one assignment's unit, "" for
	// none, rejecting it when reject is set.
	run := func(cl pb.GuideServiceClient, req string, reject bool) (*pb.Job, string) {
		t.Helper()
		j := e.runJob(ctx, cl, &pb.StartAssignmentJobRequest{RequestId: req})
		as := assignments(ctx, t, cl, j.GetId())
		if len(as) == 0 {
			return j, ""
		}
		a := as[0]
		if reject {
			if _, err := cl.RejectAssignment(ctx, &pb.RejectAssignmentRequest{Id: a.GetId(), Reason: proposalv1.RejectReason_REJECT_REASON_LOGISTICS}); err != nil {
				t.Fatal(err)
			}
		}
		return j, a.GetOrganisationId() + "/" + a.GetMunicipalityCode() + "/" + a.GetLanguage()
	}
	if _, got := run(c, "first", true); got != x+"/0180/ar" {
		t.Fatalf("first job proposed %q, want %s's Arabic place in 0180 (her first language)", got, x)
	}

	second, got := run(c, "second", false)
	if n := second.GetCounts(); got != "" || n["excluded_pairs"] != 1 || n["unassigned"] != 1 {
		t.Errorf("second job proposed %q, counts %v; want nothing (the organisation that rejected her in 0180 is not proposed again "+
			"in Persian), 1 excluded pair, 1 unassigned", got, n)
	}
	un, err := c.ListUnassigned(ctx, &pb.ListUnassignedRequest{JobId: second.GetId()})
	if err != nil {
		t.Fatal(err)
	}
	if u := un.GetUnassigned(); len(u) != 1 || u[0].GetReason() != pb.UnassignedReason_UNASSIGNED_REASON_PROPOSED_BEFORE {
		t.Errorf("second job left out %v, want p-0001 as PROPOSED_BEFORE", u)
	}

	// Another organisation in the same municipality is another answer.
	e.publish(ctx, organisation(t, y, &eventsv1.GuideCapacity{MunicipalityCode: "0180", Language: "fa", Capacity: 1}))
	e.waitKeys(ctx, "guides_organisations", 2)
	if _, got := run(c, "third", true); got != y+"/0180/fa" {
		t.Errorf("third job proposed %q, want %s's Persian place in 0180", got, y)
	}

	// She moves to 1480: X's office there has not met her.
	f.MunicipalityCode = "1480"
	e.publish(ctx, envelope(t, events.ParticipantUpdated, f.GetParticipantId(),
		&eventsv1.ParticipantUpdated{Facts: f, ChangedFields: []string{"municipality_code"}}))
	far := e.as(coordFar)
	testutil.CheckFor(t, 10*time.Second, 20*time.Millisecond, func() error {
		if _, err := far.GetEligibility(ctx, &pb.GetEligibilityRequest{ParticipantId: "p-0001"}); err != nil {
			return errorf("1480's coordinator does not see the newcomer who moved there: %v", err)
		}
		return nil
	})
	if j, got := run(far, "moved", false); got != x+"/1480/fa" {
		t.Errorf("the job in 1480 proposed %q (counts %v), want %s's Persian place there: another office of the organisation", got, j.GetCounts(), x)
	}
}
