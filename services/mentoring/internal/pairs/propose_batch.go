package pairs

import (
	"context"
	"slices"

	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	"github.com/motesplats/motesplats/pkg/jobs"
	"github.com/motesplats/motesplats/pkg/proposal"
	"github.com/motesplats/motesplats/services/mentoring/internal/pool"
)

// proposeBatchSize is how many proposals one ProposeBatch call writes.
// Proposed one at a time, each pair cost four reads of the pool's buckets
// and two durable writes: the 20,000/5,000 job spent 52 of its 55 s
// proposing 2,598 pairs (issue 12). A batch reads the pool's indexes once
// before and once after, and writes its records with their events in one
// durable write (ADR 0033). 25 keeps the progress reports where they were
// (every 25 proposals: the crash and resume tests stop a job there).
const proposeBatchSize = 25

// checked is the pool as the proposal kit checks a pair's people against
// it: per pair (Gone, propose and a coordinator's re-proposal) or per
// batch (GoneOf).
func (s *Service) checked() proposal.Pool[*pb.Pair, pool.Kind] {
	return proposal.Pool[*pb.Pair, pool.Kind]{People: people, GoneOf: s.goneOf, Gone: s.pool.Gone, Leave: s.Leave}
}

// person is one side of a pair in the pool.
type person = proposal.Person[pool.Kind]

func people(p *pb.Pair) []person {
	return []person{{Kind: pool.Newcomer, ID: p.GetParticipantId()}, {Kind: pool.Mentor, ID: p.GetVolunteerId()}}
}

// proposeBatch is propose for many pairs at once (the kit's
// Plan.ProposeBatch, through proposal.ProposeChecked), with propose's
// outcome for each: a pair of someone who left is not written, one
// proposed before by another job or by a coordinator is not held, and
// people who left while the batch was written are cleaned up after.
func (s *Service) proposeBatch(ctx context.Context, j jobs.Job, ps []*pb.Pair) ([]bool, error) {
	return s.withoutErasedAlternatives(ctx, ps, func() ([]bool, error) {
		return proposal.ProposeChecked(ctx, s.life, s.checked(), ps, (*pb.Pair).GetId, func(o proposal.Outcome[*pb.Pair]) bool {
			// Held only when it is this job's own proposal, as propose decides.
			return o.Created || (o.R.GetJobId() == j.ID && o.R.GetReplaces() == "")
		})
	})
}

// goneOf reads, for each person of ps, whether they left the pool: from
// the pool's indexes once they hold every write made before (Sync), the
// same answer pool.Gone reads from the bucket per person.
func (s *Service) goneOf(ctx context.Context, ps []*pb.Pair) (map[person]proposal.Left, error) {
	out := map[person]proposal.Left{}
	if len(ps) == 0 {
		return out, nil
	}
	if err := s.pool.Newcomers.Sync(ctx); err != nil {
		return nil, err
	}
	if err := s.pool.Mentors.Sync(ctx); err != nil {
		return nil, err
	}
	for _, p := range ps {
		if n, ok := s.pool.Newcomers.Lookup(p.GetParticipantId()); ok {
			out[person{Kind: pool.Newcomer, ID: p.GetParticipantId()}] = proposal.Left{Gone: n.GetGone(), Erased: n.GetErased()}
		}
		if m, ok := s.pool.Mentors.Lookup(p.GetVolunteerId()); ok {
			out[person{Kind: pool.Mentor, ID: p.GetVolunteerId()}] = proposal.Left{Gone: m.GetGone(), Erased: m.GetErased()}
		}
	}
	return out, nil
}

// withoutErasedAlternatives proposes ps with write (proposeBatch's or
// propose's) and keeps erased mentors out of their alternatives, which
// come from the job's snapshot: a mentor erased since is dropped before
// the write, and one erased while it was written (whose erasure searched
// the pairs before these were there) is forgotten after it, as the
// erasure would have. The pairs' own people are checked by the write.
func (s *Service) withoutErasedAlternatives(ctx context.Context, ps []*pb.Pair, write func() ([]bool, error)) ([]bool, error) {
	if err := s.pool.Mentors.Sync(ctx); err != nil {
		return nil, err
	}
	for _, p := range ps {
		p.Alternatives = slices.DeleteFunc(p.Alternatives, func(c *pb.Candidate) bool { return s.mentorErased(c.GetVolunteerId()) })
	}
	held, err := write()
	if err != nil {
		return nil, err
	}
	if err := s.pool.Mentors.Sync(ctx); err != nil {
		return nil, err
	}
	forgot := map[string]bool{}
	for k, p := range ps {
		for _, c := range p.GetAlternatives() {
			if id := c.GetVolunteerId(); held[k] && !forgot[id] && s.mentorErased(id) {
				if err := s.forget(ctx, id); err != nil {
					return nil, err
				}
				forgot[id] = true
			}
		}
	}
	return held, nil
}

// mentorErased reads the mentors' index (synced by the caller): whether
// the volunteer with id was erased.
func (s *Service) mentorErased(id string) bool {
	m, ok := s.pool.Mentors.Lookup(id)
	return ok && m.GetErased()
}
