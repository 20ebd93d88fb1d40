package server_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/grpc/codes"

	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/guides/server"
)

// TestOrganisationLeavesReproposedFirst: a guide organisation leaves; its
// newcomers' assignments end with ORGANISATION_LEFT, and the next job
// gives the one remaining place to such a newcomer before a newcomer who
// has waited the longest.
func TestOrganisationLeavesReproposedFirst(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := startEnv(t, 1, server.Options{})
	moved := newcomer("p-0001", "0180", "so", typev1.Gender_GENDER_MAN)
	e.publish(ctx, organisation(t, "org-leaving", &eventsv1.GuideCapacity{MunicipalityCode: "0180", Language: "sv", Capacity: 1}),
		registered(t, moved))
	e.waitKeys(ctx, "guides_newcomers", 1)
	e.waitKeys(ctx, "guides_organisations", 1)
	c := e.as(coord)
	first := e.runJob(ctx, c, &pb.StartAssignmentJobRequest{RequestId: "r1"})
	as := assignments(ctx, t, c, first.GetId())
	if len(as) != 1 {
		t.Fatalf("first job: %d assignments (%s)", len(as), first.GetErrorMessage())
	}
	if _, err := c.ApproveAssignment(ctx, &pb.ApproveAssignmentRequest{Id: as[0].GetId()}); err != nil {
		t.Fatal(err)
	}

	// The organisation leaves; a newcomer who waited much longer registers
	// and a new organisation offers one place.
	longWait := newcomer("p-0002", "0180", "so", typev1.Gender_GENDER_WOMAN)
	longWait.RegisteredAt = "2025-01-01T10:00:00Z"
	e.publish(ctx, envelope(t, events.OrganisationDeleted, "org-leaving", &eventsv1.OrganisationDeleted{OrganisationId: "org-leaving"}),
		organisation(t, "org-new", &eventsv1.GuideCapacity{MunicipalityCode: "0180", Language: "sv", Capacity: 1}),
		registered(t, longWait))
	testutil.CheckFor(t, 10*time.Second, 20*time.Millisecond, func() error {
		res, err := c.ListAssignments(ctx, &pb.ListAssignmentsRequest{Statuses: []eventsv1.AssignmentStatus{eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_WITHDRAWN}})
		if err != nil {
			return err
		}
		if len(res.GetAssignments()) != 1 || res.GetAssignments()[0].GetEndReason() != eventsv1.AssignmentEndReason_ASSIGNMENT_END_REASON_ORGANISATION_LEFT {
			return errorf("withdrawn: %v", res.GetAssignments())
		}
		return nil
	})
	e.waitKeys(ctx, "guides_newcomers", 2)
	e.waitKeys(ctx, "guides_organisations", 2)
	second := e.runJob(ctx, c, &pb.StartAssignmentJobRequest{RequestId: "r2"})
	as = assignments(ctx, t, c, second.GetId())
	if len(as) != 1 || as[0].GetParticipantId() != "p-0001" || as[0].GetOrganisationId() != "org-new" {
		t.Fatalf("second job: %v, want p-0001 re-proposed first to org-new", as)
	}
	found := false
	for _, p := range as[0].GetScoreParts() {
		found = found || p.GetRule() == "re_proposed"
	}
	if !found {
		t.Errorf("explanation %v lacks the re_proposed part", as[0].GetScoreParts())
	}
}

// TestErasure: an erased newcomer leaves eligibility, assignments, equity
// inputs and the job's stored results.
func TestErasure(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := startEnv(t, 1, server.Options{})
	seedSmall(ctx, e)
	c := e.as(coord)
	job := e.runJob(ctx, c, &pb.StartAssignmentJobRequest{RequestId: "r1"})
	if len(assignments(ctx, t, c, job.GetId())) != 2 {
		t.Fatalf("job: %v", job)
	}
	e.publish(ctx, envelope(t, events.ParticipantErased, "p-0001", &eventsv1.ParticipantErased{ParticipantId: "p-0001"}))
	testutil.CheckFor(t, 10*time.Second, 20*time.Millisecond, func() error {
		for _, a := range assignments(ctx, t, c, job.GetId()) {
			if a.GetParticipantId() == "p-0001" {
				return errorf("assignment of the erased newcomer remains: %s", a.GetStatus())
			}
		}
		return nil
	})
	if _, err := c.GetEligibility(ctx, &pb.GetEligibilityRequest{ParticipantId: "p-0001"}); code(err) != codes.NotFound {
		t.Errorf("eligibility of the erased newcomer: %v", err)
	}
	eq, err := c.GetEquity(ctx, &pb.GetEquityRequest{MinGroupSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range eq.GetRows() {
		if r.GetDimension() == pb.EquityDimension_EQUITY_DIMENSION_GENDER && r.GetGroup() == "woman" && r.GetEntitled() != 0 {
			t.Errorf("equity still counts the erased woman: %v", r)
		}
	}
	// No event left in the stream names the person.
	testutil.CheckFor(t, 10*time.Second, 50*time.Millisecond, func() error {
		st, err := e.nats.JS.Stream(ctx, events.StreamGuides)
		if err != nil {
			return err
		}
		info, err := st.Info(ctx)
		if err != nil || info.State.Msgs == 0 {
			return errorf("stream info: %v", err)
		}
		cons, err := st.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
		if err != nil {
			return err
		}
		batch, err := cons.Fetch(int(info.State.Msgs), jetstream.FetchMaxWait(5*time.Second))
		if err != nil {
			return err
		}
		for m := range batch.Messages() {
			if strings.Contains(string(m.Data()), "p-0001") {
				return errorf("event %s still names the erased newcomer", m.Subject())
			}
		}
		return nil
	})
	// No stored job object names the person.
	obj, err := e.nats.JS.ObjectStore(ctx, "guides_jobdata")
	if err != nil {
		t.Fatal(err)
	}
	// Read again until every object reads: one rewritten by the erasure
	// while it is read loses its chunks under the reader.
	testutil.CheckFor(t, 20*time.Second, 100*time.Millisecond, func() error {
		list, err := obj.List(ctx)
		if err != nil {
			return err
		}
		for _, info := range list {
			raw, err := obj.GetBytes(ctx, info.Name)
			if err != nil {
				return errorf("job object %s: %v", info.Name, err)
			}
			if strings.Contains(string(raw), "p-0001") {
				return errorf("job object %s still names the erased newcomer", info.Name)
			}
		}
		return nil
	})
}
