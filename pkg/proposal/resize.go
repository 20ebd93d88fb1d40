package proposal

import (
	"context"
	"errors"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/apperr"
)

// errRetryResize: the proposal became active between the read and the
// write of a resize; it must go the reserving way.
var errRetryResize = errors.New("retry resize")

// Resize changes what proposal id claims (fn edits the record, such as a
// dinner party's size) on the programme's behalf (by; reason is the
// programme's, carried on the KindChanged change). fn may run more than
// once and must be a function of the record alone.
//
//   - An open proposal holds nothing, so the change is written as it is.
//     An acceptance in flight that reserved the old claims finds them
//     changed at its commit and gives its units back (Conflict).
//   - An active one changes under an intent (one change or acceptance of
//     a proposal at a time): the units it grows by are reserved first,
//     all or none (FailedPrecondition when a resource is full, nothing
//     changed), then the record is written, then the units it shrinks by
//     are given back. A crash in between is settled by Recover, which
//     sets the counters to what the record claims.
//   - A final one is FailedPrecondition.
//
// Returns NotFound (the programme's), FailedPrecondition, Conflict (the
// proposal changed at the same time), Unavailable (another change is in
// flight: try again) and fn's errors.
func (l *Lifecycle[R]) Resize(ctx context.Context, by, id string, reason int32, fn func(r R) error) (R, error) {
	var zero R
	for attempt := 0; attempt < 10; attempt++ {
		cur, _, err := l.repo.Get(ctx, id)
		if apperr.ErrorCode(err) == apperr.NotFound {
			return zero, l.p.NotFound
		}
		if err != nil {
			return zero, err
		}
		switch st := l.p.State(cur).Status; {
		case st.Open():
			out, err := l.transition(ctx, by, id, nil, func(r R, st *State, _ time.Time) (Step, error) {
				if !st.Status.Open() {
					return Step{}, errRetryResize
				}
				if err := fn(r); err != nil {
					return Step{}, err
				}
				return Step{Kind: KindChanged, Reason: reason}, nil
			})
			if errors.Is(err, errRetryResize) {
				continue
			}
			return out, err
		case st == Active:
			return l.resizeActive(ctx, by, id, cur, reason, fn)
		default:
			return zero, failed("only an open or active proposal can change; this one is %s", st)
		}
	}
	return zero, apperr.Errorf(apperr.Unavailable, "too much contention, try again")
}

// resizeActive is Resize of active proposal id, read as cur.
func (l *Lifecycle[R]) resizeActive(ctx context.Context, by, id string, cur R, reason int32, fn func(r R) error) (R, error) {
	var zero R
	next := proto.Clone(cur).(R)
	if err := fn(next); err != nil {
		return zero, err
	}
	before, after := l.p.Claims(cur), l.p.Claims(next)
	start := l.p.Now().UTC()
	in := intent{ID: id, Since: start}
	for _, c := range append(append([]Claim{}, before...), after...) {
		in.Resources = append(in.Resources, c.Resource)
	}
	rev, err := l.p.Slots.intend(ctx, in, 0)
	if err != nil {
		return zero, err
	}
	rctx := context.WithoutCancel(ctx)
	defer l.settle(rctx, id, rev)
	// Grow first, all or none.
	var grown []Claim
	undo := func() {
		if !l.p.Slots.owns(rctx, id, rev) {
			return // Recover took over: the record decides
		}
		for _, c := range grown {
			err := l.p.Slots.Release(rctx, c.Resource, id) // a resource new to the proposal
			if old := unitsOf(before, c.Resource); old > 0 {
				err = l.p.Slots.Resize(rctx, c.Resource, id, old, c.Capacity, nil)
			}
			if err != nil {
				l.p.Logger.Warn(l.p.Name+": undo growth failed; left to recovery", "proposal", id, "err", err)
			}
		}
	}
	for _, c := range after {
		if c.Units <= unitsOf(before, c.Resource) {
			continue
		}
		if c.Capacity, err = l.p.Capacity(ctx, next, c); err == nil {
			if unitsOf(before, c.Resource) == 0 {
				err = l.p.Slots.Reserve(ctx, c.Resource, c.Units, c.Capacity, id, l.holding)
			} else {
				err = l.p.Slots.Resize(ctx, c.Resource, id, c.Units, c.Capacity, l.holding)
			}
		}
		if err != nil {
			undo()
			if errors.Is(err, ErrNoSlot) && c.What != "" {
				return zero, apperr.Errorf(apperr.FailedPrecondition, "the %s has no free slot", c.What)
			}
			return zero, err
		}
		grown = append(grown, c)
	}
	if h := l.p.Hooks; h != nil && h.AfterGrow != nil {
		h.AfterGrow(id)
	}
	out, err := l.transition(ctx, by, id, nil, func(r R, st *State, now time.Time) (Step, error) {
		if st.Status != Active || !sameClaims(l.p.Claims(r), before) {
			return Step{}, apperr.Errorf(apperr.Conflict, "the proposal changed at the same time; try again")
		}
		if now.Sub(start) > l.p.Grace/2 {
			return Step{}, apperr.Errorf(apperr.Unavailable, "the change took too long, try again")
		}
		if err := fn(r); err != nil {
			return Step{}, err
		}
		return Step{Kind: KindChanged, Reason: reason}, nil
	})
	if err != nil {
		undo()
		return out, err
	}
	// Then shrink: what the record no longer claims.
	if l.p.Slots.owns(rctx, id, rev) {
		l.syncUnits(rctx, out)
		for _, c := range before {
			if unitsOf(l.p.Claims(out), c.Resource) == 0 {
				l.release(rctx, id, []Claim{c})
			}
		}
	}
	return out, nil
}

// syncUnits sets the units active proposal r holds of each claim to what
// it claims, where it holds any; growth needs free units (a refused one is
// logged: the holder keeps fewer units than claimed, never more than the
// resource has).
func (l *Lifecycle[R]) syncUnits(ctx context.Context, r R) {
	id := l.p.IDOf(r)
	for _, c := range l.p.Claims(r) {
		capacity, err := l.p.Capacity(ctx, r, c)
		if err == nil {
			err = l.p.Slots.Resize(ctx, c.Resource, id, c.Units, capacity, l.holding)
		}
		if err != nil {
			l.p.Logger.Warn(l.p.Name+": units not set to the record's", "proposal", id, "err", err)
		}
	}
}

// unitsOf is how many units claims take of resource (0: none).
func unitsOf(claims []Claim, resource string) int {
	n := 0
	for _, c := range claims {
		if c.Resource == resource {
			n += max(c.Units, 1)
		}
	}
	return n
}

// sameClaims reports whether a and b take the same units of the same
// resources (capacities and names aside).
func sameClaims(a, b []Claim) bool {
	if len(a) != len(b) {
		return false
	}
	for _, c := range a {
		if unitsOf(a, c.Resource) != unitsOf(b, c.Resource) {
			return false
		}
	}
	return true
}
