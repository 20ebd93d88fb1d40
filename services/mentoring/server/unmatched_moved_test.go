package server_test

import (
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/mentoring/server"
)

// TestUnmatchedFollowsWhoTheCallerSeesNow: after a job of organisation A,
// a newcomer it left unmatched and a mentor it named as eligible for
// another move to organisation B. A's coordinator no longer sees either
// anywhere else, so the job's unmatched list, which the gateway fills
// with names, must list neither: not the newcomer's row, not the mentor
// among anyone's eligible mentors. B's people are B's; an administrator
// still sees both.
func TestUnmatchedFollowsWhoTheCallerSeesNow(t *testing.T) {
	t.Parallel()
	ctx := testutil.Context(t)
	e := startEnv(t, 1, server.Options{})
	pop := population(31, 60, 10)
	e.seed(ctx, pop)
	c := e.as(coordA)
	job := e.runJob(ctx, c, "moved")
	un := unmatchedOf(ctx, t, c, job.GetId())
	var newcomer, mentor string
	for _, u := range un {
		if newcomer == "" {
			newcomer = u.GetParticipantId()
			continue
		}
		if len(u.GetEligible()) > 0 && mentor == "" {
			mentor = u.GetEligible()[0].GetVolunteerId()
		}
	}
	if newcomer == "" || mentor == "" {
		t.Fatalf("the population gives no unmatched newcomer (%q) or eligible mentor of another (%q)", newcomer, mentor)
	}

	var envs []*eventsv1.Envelope
	for _, n := range pop.newcomers {
		if n.GetParticipantId() == newcomer {
			n.OrganisationId = orgB
			envs = append(envs, envelope(t, events.ParticipantUpdated, newcomer, &eventsv1.ParticipantUpdated{Facts: n, ChangedFields: []string{"organisation_id"}}))
		}
	}
	for _, m := range pop.mentors {
		if m.GetVolunteerId() == mentor {
			m.OrganisationId = orgB
			envs = append(envs, envelope(t, events.VolunteerUpdated, mentor, &eventsv1.VolunteerUpdated{Facts: m, ChangedFields: []string{"organisation_id"}}))
		}
	}
	e.publishAll(ctx, envs)
	settled(ctx, t, e)
	testutil.CheckFor(t, 10*time.Second, 50*time.Millisecond, func() error {
		for _, u := range unmatchedOf(ctx, t, c, job.GetId()) {
			if u.GetParticipantId() == newcomer {
				return errorf("A's coordinator still sees %s, now of organisation B, unmatched", newcomer)
			}
			if eligibleSomewhere([]*pb.UnmatchedNewcomer{u}, mentor) {
				return errorf("A's coordinator still sees %s, now of organisation B, eligible for %s", mentor, u.GetParticipantId())
			}
		}
		return nil
	})
	all := unmatchedOf(ctx, t, e.as(admin), job.GetId())
	if len(all) != len(un) || !eligibleSomewhere(all, mentor) {
		t.Errorf("an administrator sees %d unmatched (want %d) and the moved mentor eligible: %v", len(all), len(un), eligibleSomewhere(all, mentor))
	}
}
