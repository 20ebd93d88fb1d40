package server_test

import (
	"sync"
	"sync/atomic"
	"testing"

	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	"github.com/motesplats/motesplats/pkg/proposal"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/mentoring/server"
)

// TestReplaceByAMentorErasedMeanwhile: a coordinator replaces a
// proposal's mentor by an alternative who is erased after Replace checked
// the pool and before it wrote the new pair, whose erasure finds no pair
// to erase yet. No pair names the erased mentor afterwards. Replace made
// the pair regardless, where a job's proposal checks its people again
// after the write and cleans up after who left.
func TestReplaceByAMentorErasedMeanwhile(t *testing.T) {
	t.Parallel()
	ctx := testutil.Context(t)
	var (
		armed atomic.Bool // the job's own proposals come first
		once  sync.Once
		erase func()
	)
	hooks := &proposal.Hooks{BeforePropose: func(string) {
		if armed.Load() {
			once.Do(erase)
		}
	}}
	e := startEnv(t, 1, server.Options{ProposalHooks: hooks})
	e.seed(ctx, population(31, 10, 30)) // more mentors than newcomers: alternatives have room
	c := e.as(coordA)
	job := e.runJob(ctx, c, "replace")
	// The first alternative with a free slot: Replace refuses a full one
	// before it writes anything.
	var mentor string
	erased := false
	erase = func() {
		e.publishAll(ctx, []*eventsv1.Envelope{envelope(t, events.VolunteerErased, mentor, &eventsv1.VolunteerErased{VolunteerId: mentor})})
		settled(ctx, t, e)
		erased = true
	}
	armed.Store(true)
	for _, p := range pairsOf(ctx, t, c, job.GetId()) {
		if len(p.GetAlternatives()) == 0 || erased {
			continue
		}
		mentor = p.GetAlternatives()[0].GetVolunteerId()
		_, err := c.ReplaceCandidate(ctx, &pb.ReplaceCandidateRequest{Id: p.GetId(), VolunteerId: mentor})
		t.Logf("replace %s by %s: %v", p.GetId(), mentor, err)
	}
	if !erased {
		t.Fatal("no replacement came as far as its write")
	}
	for _, p := range pairsOf(ctx, t, c, job.GetId()) {
		if p.GetVolunteerId() == mentor {
			t.Errorf("pair %s (%s) proposes the erased mentor", p.GetId(), p.GetStatus())
		}
	}
}
