package proposal

import (
	"context"
	"errors"
	"time"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/store"
)

// Leave acts on a person leaving the programme as party: their open
// proposals are withdrawn and their active ones end early (Change.Left),
// the other party's units released, but for those Programme.KeepsOnLeave
// keeps. With erased, every proposal naming
// them is erased instead (the Repo's purge hooks drop its events; no
// withdrawal or end event names them after), the units released first,
// and the counter keyed by their id forgotten. Safe to call again and in
// any order with other changes: replaying it gives the same state.
func (l *Lifecycle[R]) Leave(ctx context.Context, party, person string, erased bool) error {
	index, ok := l.p.PartyIndex[party]
	if !ok {
		return apperr.FieldError("party", "is not a party of the programme")
	}
	if !ids.Valid(person) {
		return apperr.FieldError("id", "is not an id")
	}
	// The index must hold what every replica wrote before the person
	// left: another replica may have proposed them a moment before, and
	// a proposal this search misses stays open, or names the erased.
	if err := l.repo.Sync(ctx); err != nil {
		return err
	}
	page, err := l.repo.Find(store.Query[R]{Index: index, Values: []string{person}})
	if err != nil {
		return err
	}
	var errs []error
	for _, r := range page.Items {
		st := l.p.State(r)
		id := l.p.IDOf(r)
		switch {
		case erased:
			errs = append(errs, l.erase(ctx, id, r, party))
		case st.Status.Live() && (l.p.KeepsOnLeave == nil || !l.p.KeepsOnLeave(r)):
			_, err := l.closeOne(ctx, l.p.Name, id, Step{Left: true, Party: party}, nil)
			errs = append(errs, err)
		}
	}
	if erased {
		errs = append(errs, l.eraseUnreadable(ctx, person, party))
		if err := l.p.Slots.Forget(ctx, person); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// unreadables is the part of a store.Repo that knows the records its
// index dropped because their person's key is shredded.
type unreadables interface {
	Unreadable(subject string) []store.Unreadable
}

// eraseUnreadable erases the proposals sealed with the erased person's
// key that the index never held: the key was shredded before this
// replica loaded them (the programme was down or restarting during the
// erasure), so Find misses them. Their claims are sealed too, so the
// units they hold are found by holder in every resource; then each is
// erased as erase does, its erased event built from the ids kept beside
// the seal (docs/adr/0164). A no-op without Programme.Unreadable.
func (l *Lifecycle[R]) eraseUnreadable(ctx context.Context, person, party string) error {
	repo, ok := l.repo.(unreadables)
	if !ok || l.p.Unreadable == nil {
		return nil
	}
	lost := repo.Unreadable(person)
	if len(lost) == 0 {
		return nil
	}
	held := make([]string, len(lost))
	for k, u := range lost {
		held[k] = u.Key
	}
	if err := l.p.Slots.ReleaseEverywhere(ctx, held...); err != nil {
		return err
	}
	var errs []error
	for _, u := range lost {
		ev, err := l.p.Event(l.p.Unreadable(u), Change{Kind: KindErased, Party: party, By: l.p.Name, Now: l.p.Now().UTC(),
			EventID: ID(u.Key, KindErased.String())})
		if err == nil {
			err = l.repo.Remove(ctx, u.Key, true, ev)
		}
		if err != nil && apperr.ErrorCode(err) != apperr.NotFound {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// erase erases proposal id (record r as the index had it) because party
// was erased. No withdrawal or end event is published: it would name the
// person after the purge. The erasure's Change names the party (a side,
// not a person), so the programme's event can say who is left to tell.
// Every claim's units are released first (a no-op where none are held),
// so the erasure frees the other party's capacity even if it was active.
func (l *Lifecycle[R]) erase(ctx context.Context, id string, r R, party string) error {
	for _, c := range l.p.Claims(r) {
		if err := l.p.Slots.Release(ctx, c.Resource, id); err != nil {
			return err
		}
	}
	now := l.p.Now().UTC()
	ev, err := l.p.Event(r, Change{Kind: KindErased, Previous: l.p.State(r).Status, Party: party, By: l.p.Name, Now: now,
		EventID: ID(id, KindErased.String())})
	if err != nil {
		return err
	}
	if err := l.repo.Remove(ctx, id, true, ev); err != nil && apperr.ErrorCode(err) != apperr.NotFound {
		return err
	}
	// An intent of this proposal, if a crash left one, is settled by
	// Recover: the record is gone, so it releases what the intent names.
	return nil
}

// Close ends proposal id on the programme's own decision, not a
// caller's (a table cancelled, a sign-up removed): an open one is
// withdrawn, an active one ended and its units released, a final one left
// as it is. by names the author, reason is the programme's. Returns the
// record; NotFound (the programme's) when it is gone.
func (l *Lifecycle[R]) Close(ctx context.Context, by, id string, reason int32) (R, error) {
	out, err := l.closeOne(ctx, by, id, Step{Reason: reason}, nil)
	if apperr.ErrorCode(err) == apperr.NotFound {
		return out, l.p.NotFound
	}
	return out, err
}

// ErrMoved is returned (Conflict) by CloseIf when the proposal's status is
// no longer the one the caller decided from.
var ErrMoved = apperr.Errorf(apperr.Conflict, "the proposal changed meanwhile; decide again")

// CloseIf is Close for a caller that chose id by the status it read,
// seen (a capacity drop closes open proposals before taken-up ones): when
// the stored status is another by now (both parties accepted in
// between, on any replica), nothing changes and it returns ErrMoved, so
// the caller decides again from fresh records.
func (l *Lifecycle[R]) CloseIf(ctx context.Context, by, id string, reason int32, seen Status) (R, error) {
	out, err := l.closeOne(ctx, by, id, Step{Reason: reason}, func(r R) error {
		if l.p.State(r).Status != seen {
			return ErrMoved
		}
		return nil
	})
	if apperr.ErrorCode(err) == apperr.NotFound {
		return out, l.p.NotFound
	}
	return out, err
}

// closeOne withdraws open proposal id or ends it if active, with step's
// party, reason and Left; an active one's units are released. A missing
// proposal is not an error for a leaver (nothing to close). check, when
// not nil, may refuse the stored record (its error is returned).
func (l *Lifecycle[R]) closeOne(ctx context.Context, by, id string, step Step, check func(R) error) (R, error) {
	if h := l.p.Hooks; h != nil && h.BeforeClose != nil {
		h.BeforeClose(id)
	}
	out, err := l.transition(ctx, by, id, check, func(_ R, st *State, _ time.Time) (Step, error) {
		ch := step
		switch {
		case st.Status.Open():
			if err := st.Withdraw(); err != nil {
				return Step{}, err
			}
			ch.Kind = KindWithdrawn
		case st.Status == Active:
			if err := st.End(); err != nil {
				return Step{}, err
			}
			ch.Kind = KindEnded
		default:
			return Step{}, nil
		}
		return ch, nil
	})
	if apperr.ErrorCode(err) == apperr.NotFound && step.Left {
		return out, nil
	}
	if err != nil {
		return out, err
	}
	if s := l.p.State(out).Status; s == Ended || s == Withdrawn {
		// Releasing what is not held is a no-op, so a replayed leave and
		// a withdrawn offer whose accept was in flight both end clean.
		l.release(ctx, id, l.p.Claims(out))
	}
	return out, nil
}

// ExpireOffers marks offers past their expiry expired. Every replica runs
// it; the compare-and-set makes the second a no-op.
func (l *Lifecycle[R]) ExpireOffers(ctx context.Context) {
	now := l.p.Now()
	page, err := l.repo.Find(store.Query[R]{Filter: func(r R) bool {
		st := l.p.State(r)
		return st.Expired(now)
	}})
	if err != nil {
		return
	}
	for _, r := range page.Items {
		id := l.p.IDOf(r)
		if err := l.expire(ctx, id, l.p.Name); err != nil {
			l.p.Logger.Warn(l.p.Name+": expire failed", "proposal", id, "err", err)
		}
	}
}

func (l *Lifecycle[R]) expire(ctx context.Context, id, by string) error {
	_, err := l.transition(ctx, by, id, nil, func(_ R, st *State, now time.Time) (Step, error) {
		if st.Expire(now) != nil {
			return Step{}, nil // no longer due: someone acted first
		}
		return Step{Kind: KindExpired}, nil
	})
	return err
}

// Recover finds reservations not followed by their transition (the
// process died between the two) once they are Grace old, and resolves
// each: a proposal that is active keeps its units; one still offered
// whose every party had accepted (the missing acceptance is the one the
// reservation was for) is completed, reserving again what is missing;
// any other is released. Run calls it at start and then periodically, so
// capacity is back within seconds of a restart. Returns how many it
// resolved.
func (l *Lifecycle[R]) Recover(ctx context.Context) (int, error) {
	ins, err := l.p.Slots.pending(ctx)
	n := 0
	for _, in := range ins {
		now := l.p.Now().UTC()
		if now.Sub(in.Since) < l.p.Grace {
			continue // may still be in flight
		}
		if rerr := l.resolve(ctx, in, now); rerr != nil {
			l.p.Logger.Warn(l.p.Name+": reservation not recovered; retried next sweep", "proposal", in.ID, "err", rerr)
			continue
		}
		n++
	}
	return n, err
}

func (l *Lifecycle[R]) resolve(ctx context.Context, in intent, now time.Time) error {
	r, _, err := l.repo.Get(ctx, in.ID)
	notFound := apperr.ErrorCode(err) == apperr.NotFound
	if err != nil && !notFound {
		return err
	}
	if !notFound {
		st := l.p.State(r)
		if st.Status == Active {
			// A Resize that died between its steps leaves the counters
			// unlike the record: the record decides.
			l.syncUnits(ctx, r)
			return l.p.Slots.settle(ctx, in.ID, in.rev)
		}
		if complete, cerr := st.CanAccept(in.Party, now); cerr == nil && complete {
			if claims, err := l.claims(ctx, r); err == nil {
				// complete takes the intent over (another replica's sweep
				// that got there first makes this one errInFlight) and
				// settles it, releasing the units unless the proposal
				// ends up active.
				_, err := l.complete(ctx, l.p.Name, in.ID, in.Party, claims, now, in.rev, nil)
				switch apperr.ErrorCode(err) {
				case "", apperr.FailedPrecondition:
					return nil
				}
				if errors.Is(err, errInFlight) {
					return nil
				}
				return err
			}
		}
	}
	// Gone, or no longer to be completed: take the intent over, so a
	// stalled accept that wakes up now cannot give back units twice, and
	// release what it names.
	rev, err := l.p.Slots.intend(ctx, in, in.rev)
	if errors.Is(err, errInFlight) {
		return nil // another replica resolved it
	}
	if err != nil {
		return err
	}
	for _, res := range in.Resources {
		if err := l.p.Slots.Release(ctx, res, in.ID); err != nil {
			return err
		}
	}
	return l.p.Slots.settle(ctx, in.ID, rev)
}

// Run expires offers now and then every every, and recovers reservations
// now and then every Grace/2 (the sweep lists the intents bucket, so it
// runs no more often than it must to free capacity within seconds), until
// ctx ends. Run it on every replica.
func (l *Lifecycle[R]) Run(ctx context.Context, every time.Duration) {
	if every <= 0 {
		every = l.p.Grace / 2
	}
	expire := time.NewTicker(every)
	defer expire.Stop()
	sweep := time.NewTicker(l.p.Grace / 2)
	defer sweep.Stop()
	l.recoverLogged(ctx)
	l.ExpireOffers(ctx)
	for {
		select {
		case <-ctx.Done():
			return
		case <-expire.C:
			l.ExpireOffers(ctx)
		case <-sweep.C:
			l.recoverLogged(ctx)
		}
	}
}

func (l *Lifecycle[R]) recoverLogged(ctx context.Context) {
	if _, err := l.Recover(ctx); err != nil && ctx.Err() == nil {
		l.p.Logger.Warn(l.p.Name+": recovery sweep failed", "err", err)
	}
}
