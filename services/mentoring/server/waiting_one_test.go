package server_test

import (
	"slices"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/servicetest"
	"github.com/motesplats/motesplats/services/mentoring/server"
)

// TestWaitingNewcomerByParticipant: the newcomer's page asks whether one
// newcomer waits (ADR 0279). For every newcomer and every caller, the
// answer for participant_id is exactly that newcomer's row of the
// caller's whole list, or none when the list has none (proposed by a job,
// no mentoring consent, another organisation's or municipality's,
// unknown); malformed input is InvalidArgument on its field.
func TestWaitingNewcomerByParticipant(t *testing.T) {
	t.Parallel()
	ctx := testutil.Context(t)
	e := startEnv(t, 1, server.Options{})
	pop := population(43, 10, 2)
	mentoring := eventsv1.ConsentPurpose_CONSENT_PURPOSE_MENTORING
	other := []*eventsv1.ParticipantFacts{
		{ParticipantId: "p-b-0001", OrganisationId: orgB, MunicipalityCode: "0180", ConsentedPurposes: []eventsv1.ConsentPurpose{mentoring}},
		{ParticipantId: "p-a2-0001", OrganisationId: orgA, MunicipalityCode: "1480", ConsentedPurposes: []eventsv1.ConsentPurpose{mentoring}},
		{ParticipantId: "p-no-0001", OrganisationId: orgA, MunicipalityCode: "0180", ConsentedPurposes: []eventsv1.ConsentPurpose{eventsv1.ConsentPurpose_CONSENT_PURPOSE_DINNERS}},
	}
	envs := registrations(t, pop)
	for _, n := range other {
		envs = append(envs, envelope(t, events.ParticipantRegistered, n.GetParticipantId(), &eventsv1.ParticipantRegistered{Facts: n}))
	}
	e.publishAll(ctx, envs)
	e.waitPool(ctx, len(pop.newcomers)+len(other), len(pop.mentors))
	if j := e.runJob(ctx, e.as(coordA), "r1"); j.GetState() != pb.JobState_JOB_STATE_SUCCEEDED {
		t.Fatalf("job %v", j.GetState())
	}
	ids := []string{"p-9999"}
	for _, n := range pop.newcomers {
		ids = append(ids, n.GetParticipantId())
	}
	for _, n := range other {
		ids = append(ids, n.GetParticipantId())
	}
	busy := 0
	for _, who := range []auth.Claims{coordA, coordA2, coordB, admin} {
		c := e.as(who)
		all, err := waitingOf(ctx, t, c, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range ids {
			res, err := c.ListWaitingNewcomers(ctx, &pb.ListWaitingNewcomersRequest{ParticipantId: id})
			if err != nil {
				t.Fatalf("%s, %s: %v", who.Subject, id, err)
			}
			k := slices.IndexFunc(all, func(w *pb.WaitingNewcomer) bool { return w.GetParticipantId() == id })
			switch {
			case k < 0 && (len(res.GetNewcomers()) != 0 || res.GetTotalSize() != 0):
				t.Errorf("%s, %s: %v, want none (not on the list)", who.Subject, id, res.GetNewcomers())
			case k >= 0 && (len(res.GetNewcomers()) != 1 || res.GetTotalSize() != 1 || !proto.Equal(res.GetNewcomers()[0], all[k])):
				t.Errorf("%s, %s: %v, want the list's row %v", who.Subject, id, res.GetNewcomers(), all[k])
			}
			if who.Subject == coordA.Subject && k < 0 && id[:4] == "p-00" {
				busy++
			}
		}
	}
	if busy == 0 {
		t.Error("the job proposed no one: every one of A's newcomers still waits, so the test shows nothing of a busy one")
	}
	c := e.as(coordA)
	_, err := c.ListWaitingNewcomers(ctx, &pb.ListWaitingNewcomersRequest{ParticipantId: "no good!", PageToken: "x", PageSize: -1})
	if code(err) != codes.InvalidArgument {
		t.Fatalf("malformed: %v, want InvalidArgument", err)
	}
	got := servicetest.ViolatedFields(err)
	slices.Sort(got)
	if want := []string{"page_size", "page_token", "participant_id"}; !slices.Equal(got, want) {
		t.Errorf("violations %v, want %v", got, want)
	}
	if _, err := e.as(operator).ListWaitingNewcomers(ctx, &pb.ListWaitingNewcomersRequest{ParticipantId: "p-0001"}); code(err) != codes.PermissionDenied {
		t.Errorf("operator: %v, want PermissionDenied", err)
	}
}
