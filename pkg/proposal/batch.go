package proposal

import (
	"context"

	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/apperr"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	"github.com/motesplats/motesplats/pkg/store"
)

// BatchRepo is a Repo that can create many records with a durable write
// per batch rather than per record; *store.Repo is one.
type BatchRepo[R proto.Message] interface {
	// CreateBatch creates each item whose id never held a record and
	// returns, per item, nil (created here), AlreadyExists or Invalid.
	CreateBatch(ctx context.Context, items []store.Item[R]) ([]error, error)
}

var _ BatchRepo[proto.Message] = (*store.Repo[proto.Message])(nil)

// NewProposal is one proposal for ProposeBatch: its id (derived with ID from
// what identifies it) and the record.
type NewProposal[R any] struct {
	ID string
	R  R
}

// Outcome is what ProposeBatch did with one proposal: the stored record
// and whether this call created it (false: a record was there before, as
// Propose returns it). Err is NotFound when the id was erased.
type Outcome[R any] struct {
	R       R
	Created bool
	Err     error
}

// ProposeBatch is Propose for many proposals at once, with the same
// create-once outcome per proposal, for jobs that write thousands: with a
// repository that is a BatchRepo the records and their proposed events
// take a durable write per batch of up to 999 instead of two per proposal
// (docs/adr/0033-batched-durable-writes.md); otherwise it calls Propose
// for each. Proposals that existed are read back as Propose does. The
// error return is for a failure of the whole call.
func (l *Lifecycle[R]) ProposeBatch(ctx context.Context, ps []NewProposal[R]) ([]Outcome[R], error) {
	out := make([]Outcome[R], len(ps))
	br, ok := l.repo.(BatchRepo[R])
	if !ok {
		for i, p := range ps {
			r, created, err := l.Propose(ctx, p.ID, p.R, "")
			if err != nil && apperr.ErrorCode(err) != apperr.NotFound {
				return nil, err
			}
			out[i] = Outcome[R]{R: r, Created: created, Err: err}
		}
		return out, nil
	}
	now := l.p.Now().UTC()
	items := make([]store.Item[R], len(ps))
	for i, p := range ps {
		st := l.p.State(p.R)
		st.Status = Proposed
		l.p.SetState(p.R, st)
		ch := Change{Kind: KindProposed, By: l.p.Name, Now: now, EventID: ID(p.ID, KindProposed.String())}
		ev, err := l.p.Event(p.R, ch)
		if err != nil {
			return nil, err
		}
		items[i] = store.Item[R]{ID: p.ID, V: p.R, Events: []*eventsv1.Envelope{ev}}
	}
	if h := l.p.Hooks; h != nil && h.BeforePropose != nil {
		for _, p := range ps {
			h.BeforePropose(p.ID)
		}
	}
	res, err := br.CreateBatch(ctx, items)
	if err != nil {
		return nil, err
	}
	for i, err := range res {
		switch apperr.ErrorCode(err) {
		case "":
			out[i] = Outcome[R]{R: ps[i].R, Created: true}
		case apperr.AlreadyExists:
			cur, _, err := l.repo.Get(ctx, ps[i].ID)
			if err != nil && apperr.ErrorCode(err) != apperr.NotFound {
				return nil, err
			}
			out[i] = Outcome[R]{R: cur, Err: err} // NotFound: erased with one of its people
		default:
			return nil, err
		}
	}
	return out, nil
}
