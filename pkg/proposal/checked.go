package proposal

import (
	"context"

	"google.golang.org/protobuf/proto"
)

// Person is one side of a proposal in a programme's pool: the side, in the
// programme's own terms (newcomer or mentor, guest or host), and the id.
type Person[K comparable] struct {
	Kind K
	ID   string
}

// Left is what a programme's pool says of a person: whether they left it,
// and whether by erasure (which decides how the programme cleans up).
type Left struct{ Gone, Erased bool }

// Pool is what ProposeChecked needs of a programme's pool of people.
type Pool[R any, K comparable] struct {
	// People are the persons a proposal joins.
	People func(R) []Person[K]
	// GoneOf says, for the persons of every proposal given, whether they
	// left: read from the pool's indexes once they hold every write made
	// before, so a batch costs a round trip per side, not reads per person.
	GoneOf func(context.Context, []R) (map[Person[K]]Left, error)
	// Leave takes a person who left out of the programme; it is idempotent.
	Leave func(ctx context.Context, kind K, id string, erased bool) error
	// Gone says of one person whether they left, and whether by erasure,
	// read from the pool's bucket once the side holds every event published
	// before the call. Only AnyGone and LeaveGone use it: a proposal made
	// one at a time (a job's propose, a coordinator's re-proposal) reads
	// its two people there instead of syncing whole indexes (GoneOf).
	Gone func(ctx context.Context, kind K, id string) (gone, erased bool, err error)
}

// AnyGone reports whether any person of r has left the pool (Gone), as a
// proposal is checked before it is written: someone who left since the
// job's snapshot, or since the coordinator's page, is not proposed.
func (pool Pool[R, K]) AnyGone(ctx context.Context, r R) (bool, error) {
	for _, who := range pool.People(r) {
		gone, _, err := pool.Gone(ctx, who.Kind, who.ID)
		if err != nil || gone {
			return gone, err
		}
	}
	return false, nil
}

// LeaveGone runs Leave for each person of r who has left the pool (Gone),
// as a proposal is cleaned up after it is written: a person may have left
// between AnyGone and the write, and their leaving, reading its own
// replica's index, may have missed the new proposal. Leave is idempotent,
// so a person whose leaving did see it costs one more search.
func (pool Pool[R, K]) LeaveGone(ctx context.Context, r R) error {
	for _, who := range pool.People(r) {
		gone, erased, err := pool.Gone(ctx, who.Kind, who.ID)
		if err != nil {
			return err
		}
		if gone {
			if err := pool.Leave(ctx, who.Kind, who.ID, erased); err != nil {
				return err
			}
		}
	}
	return nil
}

// ProposeChecked is ProposeBatch with the pool around it, as a job proposes
// (the kit's Plan.ProposeBatch): a proposal of someone who already left is
// not written; of those written, held says which the job keeps (created
// here, or its own from an earlier attempt); and people who left while
// the batch was written, whose leaving may have missed these proposals
// (the leaver reads its own replica's index), are cleaned up after. The
// result says, per proposal of ps, whether the job holds it. Every
// programme's job proposes this way, so the race with leaving is handled
// in one place.
func ProposeChecked[R proto.Message, K comparable](ctx context.Context, l *Lifecycle[R], pool Pool[R, K], ps []R,
	id func(R) string, held func(Outcome[R]) bool) ([]bool, error) {
	out := make([]bool, len(ps))
	gone, err := pool.GoneOf(ctx, ps)
	if err != nil {
		return nil, err
	}
	var batch []NewProposal[R]
	var at []int // index in ps of each of batch
	for k, p := range ps {
		if anyGone(gone, pool.People(p)) {
			continue
		}
		batch = append(batch, NewProposal[R]{ID: id(p), R: p})
		at = append(at, k)
	}
	res, err := l.ProposeBatch(ctx, batch)
	if err != nil {
		return nil, err
	}
	var written []R
	for k, o := range res {
		// NotFound: erased with one of its people.
		if o.Err == nil && held(o) {
			out[at[k]] = true
			written = append(written, ps[at[k]])
		}
	}
	if gone, err = pool.GoneOf(ctx, written); err != nil {
		return nil, err
	}
	for _, p := range written {
		for _, who := range pool.People(p) {
			if g := gone[who]; g.Gone {
				if err := pool.Leave(ctx, who.Kind, who.ID, g.Erased); err != nil {
					return nil, err
				}
				delete(gone, who) // once per person
			}
		}
	}
	return out, nil
}

func anyGone[K comparable](gone map[Person[K]]Left, people []Person[K]) bool {
	for _, who := range people {
		if gone[who].Gone {
			return true
		}
	}
	return false
}
