package proposal

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/ids"
)

// errRetryAccept: the other party accepted between the read and the write.
var errRetryAccept = errors.New("retry accept")

// Accept records that party accepts offer id. The acceptance that
// completes it first records its intent, then reserves the units of every
// claim (compare-and-set counters, so concurrent accepts on any replicas
// never oversell), then marks the proposal active; without free units it
// fails and nothing is recorded. An acceptance already stored (a retry)
// stands: OK with the proposal, nothing written (stands.go). Returns
// Invalid, NotFound, FailedPrecondition (expired, no free units, not
// offered), Unavailable (too slow: try again).
func (l *Lifecycle[R]) Accept(ctx context.Context, who auth.Claims, id, party string) (R, error) {
	var zero R
	if err := l.p.MayChange(who); err != nil {
		return zero, err
	}
	var v apperr.Validator
	v.Check(ids.Valid(id), "id", "is not an id")
	v.Check(slices.Contains(l.p.Parties, party), "party", "is not a party of the offer")
	if err := v.Err(); err != nil {
		return zero, err
	}
	visible := func(r R) error {
		if !l.p.Visible(who, r) {
			return l.p.NotFound
		}
		return nil
	}
	for attempt := 0; ; attempt++ {
		cur, err := l.Get(ctx, who, id)
		if err != nil {
			return zero, err
		}
		now := l.p.Now().UTC()
		st := l.p.State(cur)
		if accepted(st, party, now) {
			return cur, nil // the read every accept makes tells a retry
		}
		complete, err := st.CanAccept(party, now)
		if err != nil {
			if st.Expired(now) {
				_ = l.expire(ctx, id, who.Subject)
			}
			return zero, err
		}
		if !complete {
			out, err := l.transition(ctx, who.Subject, id, visible, func(_ R, st *State, now time.Time) (Step, error) {
				if accepted(*st, party, now) {
					return stands, nil // the same acceptance landed meanwhile
				}
				done, err := st.Accept(party, now)
				switch {
				case err != nil:
					return Step{}, err
				case done:
					return Step{}, errRetryAccept
				}
				return Step{Kind: KindAccepted, Party: party}, nil
			})
			if errors.Is(err, errRetryAccept) && attempt < 10 {
				continue // now it completes: reserve first
			}
			if errors.Is(err, errRetryAccept) {
				err = apperr.Errorf(apperr.Unavailable, "too much contention, try again")
			}
			return out, err
		}
		claims, err := l.claims(ctx, cur)
		if err != nil {
			return zero, err
		}
		return l.complete(ctx, who.Subject, id, party, claims, now, 0, visible)
	}
}

// claims returns r's claims with their capacity now.
func (l *Lifecycle[R]) claims(ctx context.Context, r R) ([]Claim, error) {
	cs := l.p.Claims(r)
	for k := range cs {
		c, err := l.p.Capacity(ctx, r, cs[k])
		if err != nil {
			return nil, err
		}
		cs[k].Capacity = c
	}
	return cs, nil
}

// complete runs the acceptance of party that completes offer id: intent,
// reservation, transition to active, settlement. start is when the accept
// began: a transition not written by start+Grace/2 gives up, since Recover
// may take the reservation over after Grace. rev is 0 for a new intent, or
// the revision of the intent Recover takes over.
func (l *Lifecycle[R]) complete(ctx context.Context, by, id, party string, claims []Claim, start time.Time, rev uint64, check func(R) error) (R, error) {
	var zero R
	in := intent{ID: id, Party: party, Since: start}
	for _, c := range claims {
		in.Resources = append(in.Resources, c.Resource)
	}
	rev, err := l.p.Slots.intend(ctx, in, rev)
	if err != nil {
		return zero, err
	}
	rctx := context.WithoutCancel(ctx)
	if err := l.p.Slots.ReserveAll(ctx, claims, id, l.holding); err != nil {
		l.settle(rctx, id, rev)
		return zero, err
	}
	if h := l.p.Hooks; h != nil && h.AfterReserve != nil {
		h.AfterReserve(id)
	}
	out, err := l.transition(ctx, by, id, check, func(r R, st *State, now time.Time) (Step, error) {
		if accepted(*st, party, now) {
			// The same acceptance completed the offer meanwhile (a retry
			// sent while the first was in flight): it stands, and the
			// units stay with the active proposal below.
			return stands, nil
		}
		if now.Sub(start) > l.p.Grace/2 {
			return Step{}, apperr.Errorf(apperr.Unavailable, "the acceptance took too long, try again")
		}
		if !sameClaims(l.p.Claims(r), claims) {
			// Resized since the units were reserved (a party grew while
			// its offer was open): what is held is not what it claims.
			return Step{}, apperr.Errorf(apperr.Conflict, "the offer changed at the same time; answer again")
		}
		done, err := st.Accept(party, now)
		if err != nil {
			return Step{}, err
		}
		if !done {
			return Step{Kind: KindAccepted, Party: party}, nil
		}
		return Step{Kind: KindActivated, Party: party}, nil
	})
	// Give the units back unless the proposal is known to be active, and
	// only while this call still owns the reservation (Recover may have
	// taken a stalled one over); if the proposal cannot be read, the
	// intent stays and Recover decides later.
	r, _, gerr := l.repo.Get(rctx, id)
	switch {
	case gerr == nil && l.p.State(r).Status == Active:
	case gerr == nil || apperr.ErrorCode(gerr) == apperr.NotFound:
		if l.p.Slots.owns(rctx, id, rev) {
			l.release(rctx, id, claims)
		}
	default:
		return out, err
	}
	l.settle(rctx, id, rev)
	return out, err
}

// settle deletes the intent at rev; a failure leaves it to Recover.
func (l *Lifecycle[R]) settle(ctx context.Context, id string, rev uint64) {
	if err := l.p.Slots.settle(ctx, id, rev); err != nil {
		l.p.Logger.Warn(l.p.Name+": intent not settled; left to recovery", "proposal", id, "err", err)
	}
}

// release gives back the units proposal id holds of claims. A failure is
// logged: the holder is dropped as stale at the next full reservation.
func (l *Lifecycle[R]) release(ctx context.Context, id string, claims []Claim) {
	for _, c := range claims {
		if err := l.p.Slots.Release(ctx, c.Resource, id); err != nil {
			l.p.Logger.Warn(l.p.Name+": release failed; left for the stale sweep", "proposal", id, "err", err)
		}
	}
}

// holding is the counters' Holding: a holder keeps its units while its
// proposal is active, or open within Grace of the reservation (its accept
// is in flight); it loses them once the proposal is final or gone, or
// still open after Grace (a reservation whose transition never came). A
// read error keeps the holder rather than oversell.
func (l *Lifecycle[R]) holding(ctx context.Context, id string, since time.Time) (bool, error) {
	r, _, err := l.repo.Get(ctx, id)
	if apperr.ErrorCode(err) == apperr.NotFound {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	switch st := l.p.State(r).Status; {
	case st == Active:
		return true, nil
	case st.Open():
		return l.p.Now().Sub(since) < l.p.Grace, nil
	}
	return false, nil
}
