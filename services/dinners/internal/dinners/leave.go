package dinners

import (
	"context"

	"github.com/motesplats/motesplats/pkg/apperr"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/services/dinners/internal/pool"
)

// Leave is the pool's Leaver: a guest or host left the programme (consent
// withdrawn, no longer a host, deleted) or was erased. Their live seatings
// end (open ones are withdrawn, confirmed ones cancelled and their seats
// freed, so a host's guests wait again), but for a confirmed seating at a
// dinner whose day has passed, which awaits its attendance (ADR 0282). On
// erasure every trace goes: their
// seatings (events purged, one erased event left), sign-ups or offers,
// seat counters, and their ids in stored job snapshots and results.
// Idempotent: a redelivered event runs it again harmlessly.
func (s *Service) Leave(ctx context.Context, kind pool.Kind, id string, erased bool) error {
	party := partyGuest
	if kind == pool.Host {
		party = partyHost
	}
	// An erased guest's evening claims (RecordPastSeating's) go with
	// their seatings: their dates are read before those are erased.
	evenings, err := s.evenings(ctx, kind, id, erased)
	if err != nil {
		return err
	}
	// And the seats their records hold at past tables (ADR 0280), so the
	// counters keep no id of their seatings.
	var tables map[string]string
	if len(evenings) > 0 {
		if tables, err = s.pastTables(ctx, id); err != nil {
			return err
		}
	}
	// The kit withdraws, cancels or (erased) erases their seatings, freeing
	// seats, from an index that includes seatings another replica just
	// wrote (it syncs it first).
	if err := s.life.Leave(ctx, party, id, erased); err != nil {
		return err
	}
	if !erased {
		return nil
	}
	for _, r := range evenings {
		if err := s.seats.Forget(ctx, r); err != nil {
			return err
		}
	}
	for seating, r := range tables {
		if err := s.seats.Release(ctx, r, seating); err != nil {
			return err
		}
	}
	forget := []string{id}
	// The same holds for their offers and sign-ups.
	if kind == pool.Host {
		if err := s.offers.Sync(ctx); err != nil {
			return err
		}
		offers, err := s.offers.Find(store.Query[*pb.Offer]{Index: "volunteer", Values: []string{id}})
		if err != nil {
			return err
		}
		for _, o := range offers.Items {
			for _, d := range o.GetDinners() {
				if err := s.seats.Forget(ctx, seatResource(o.GetId(), d.GetDate())); err != nil {
					return err
				}
				if err := s.seats.Forget(ctx, pastTableResource(o.GetId(), d.GetDate())); err != nil {
					return err
				}
			}
			if err := s.offers.Remove(ctx, o.GetId(), true); err != nil && apperr.ErrorCode(err) != apperr.NotFound {
				return err
			}
			forget = append(forget, o.GetId())
		}
		// Offers sealed with the host's key that this replica loaded after
		// it was shredded (dinners was down during the erasure): the index
		// dropped them, so Find misses them (docs/adr/0164).
		for _, u := range s.offers.Unreadable(id) {
			if err := s.offers.Remove(ctx, u.Key, true); err != nil && apperr.ErrorCode(err) != apperr.NotFound {
				return err
			}
			forget = append(forget, u.Key)
		}
	} else {
		if err := s.signups.Sync(ctx); err != nil {
			return err
		}
		sus, err := s.signups.Find(store.Query[*pb.SignUp]{Index: "participant", Values: []string{id}})
		if err != nil {
			return err
		}
		for _, su := range sus.Items {
			if err := s.signups.Remove(ctx, su.GetId(), true); err != nil && apperr.ErrorCode(err) != apperr.NotFound {
				return err
			}
			forget = append(forget, su.GetId())
		}
		// The same for sign-ups, sealed with the guest's key.
		for _, u := range s.signups.Unreadable(id) {
			if err := s.signups.Remove(ctx, u.Key, true); err != nil && apperr.ErrorCode(err) != apperr.NotFound {
				return err
			}
			forget = append(forget, u.Key)
		}
	}
	if s.jobs == nil {
		return nil
	}
	for _, f := range forget {
		if err := s.jobs.Forget(ctx, f); err != nil {
			return err
		}
	}
	return nil
}
