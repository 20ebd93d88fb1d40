package pairs

import (
	"context"

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

// person is one side of a pair in the pool.
type person struct {
	kind pool.Kind
	id   string
}

// left is what the pool says of a person: gone, and erased.
type left struct{ gone, erased bool }

func people(p *pb.Pair) []person {
	return []person{{pool.Newcomer, p.GetParticipantId()}, {pool.Mentor, p.GetVolunteerId()}}
}

// proposeBatch is propose for many pairs at once (the kit's
// Plan.ProposeBatch), with propose's outcome for each: a pair of someone
// who left is not written, one proposed before by another job or by a
// coordinator is not held, and people who left while the batch was
// written are cleaned up after (Leave is idempotent).
func (s *Service) proposeBatch(ctx context.Context, j jobs.Job, ps []*pb.Pair) ([]bool, error) {
	held := make([]bool, len(ps))
	gone, err := s.goneOf(ctx, ps)
	if err != nil {
		return nil, err
	}
	var batch []proposal.NewProposal[*pb.Pair]
	var at []int // index in ps of each of batch
	for k, p := range ps {
		if gone[person{pool.Newcomer, p.GetParticipantId()}].gone || gone[person{pool.Mentor, p.GetVolunteerId()}].gone {
			continue
		}
		batch = append(batch, proposal.NewProposal[*pb.Pair]{ID: p.GetId(), R: p})
		at = append(at, k)
	}
	res, err := s.life.ProposeBatch(ctx, batch)
	if err != nil {
		return nil, err
	}
	var written []*pb.Pair
	for k, o := range res {
		// NotFound: erased with one of its people. Held only when it is
		// this job's own proposal, as propose decides.
		if o.Err == nil && (o.Created || (o.R.GetJobId() == j.ID && o.R.GetReplaces() == "")) {
			held[at[k]] = true
			written = append(written, ps[at[k]])
		}
	}
	// They may have left between the check and the write, and the leaver,
	// reading its own replica's index, may have missed these pairs.
	if gone, err = s.goneOf(ctx, written); err != nil {
		return nil, err
	}
	for _, p := range written {
		for _, who := range people(p) {
			if g := gone[who]; g.gone {
				if err := s.Leave(ctx, who.kind, who.id, g.erased); err != nil {
					return nil, err
				}
			}
		}
	}
	return held, nil
}

// goneOf reads, for each person of ps, whether they left the pool: from
// the pool's indexes once they hold every write made before (Sync), the
// same answer pool.Gone reads from the bucket per person.
func (s *Service) goneOf(ctx context.Context, ps []*pb.Pair) (map[person]left, error) {
	out := map[person]left{}
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
			out[person{pool.Newcomer, p.GetParticipantId()}] = left{n.GetGone(), n.GetErased()}
		}
		if m, ok := s.pool.Mentors.Lookup(p.GetVolunteerId()); ok {
			out[person{pool.Mentor, p.GetVolunteerId()}] = left{m.GetGone(), m.GetErased()}
		}
	}
	return out, nil
}
