package dinners

import (
	"context"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/events"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	"github.com/motesplats/motesplats/pkg/proposal"
	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/services/dinners/internal/pool"
)

// Leave is the pool's Leaver: a guest or host left the programme (consent
// withdrawn, no longer a host, deleted) or was erased. Their live seatings
// end (open ones are withdrawn, confirmed ones cancelled and their seats
// freed, so a host's guests wait again). On erasure every trace goes: their
// seatings (events purged, one erased event left), sign-ups or offers,
// seat counters, and their ids in stored job snapshots and results.
// Idempotent: a redelivered event runs it again harmlessly.
func (s *Service) Leave(ctx context.Context, kind pool.Kind, id string, erased bool) error {
	index := "participant"
	if kind == pool.Host {
		index = "volunteer"
	}
	if err := s.endSeatings(ctx, "pool", index, id, erased); err != nil {
		return err
	}
	if !erased {
		return nil
	}
	found, err := s.seatings.Find(store.Query[*pb.Seating]{Index: index, Values: []string{id}})
	if err != nil {
		return err
	}
	for _, p := range found.Items {
		if err := s.eraseSeating(ctx, p.GetId()); err != nil {
			return err
		}
	}
	forget := []string{id}
	if kind == pool.Host {
		offers, err := s.offers.Find(store.Query[*pb.Offer]{Index: "volunteer", Values: []string{id}})
		if err != nil {
			return err
		}
		for _, o := range offers.Items {
			for _, d := range o.GetDinners() {
				if err := s.seats.Forget(ctx, seatResource(o.GetId(), d.GetDate())); err != nil {
					return err
				}
			}
			if err := s.offers.Remove(ctx, o.GetId(), true); err != nil && apperr.ErrorCode(err) != apperr.NotFound {
				return err
			}
			forget = append(forget, o.GetId())
		}
	} else {
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

// eraseSeating purges a seating and its earlier events, leaving the one
// erased event with its id only.
func (s *Service) eraseSeating(ctx context.Context, id string) error {
	ev, err := events.NewEnvelope(proposal.ID(id, "erased"), events.SeatingErased, id, s.now(), &eventsv1.DinnerSeatingErased{SeatingId: id})
	if err != nil {
		return err
	}
	if err := s.seatings.Remove(ctx, id, true, ev); err != nil && apperr.ErrorCode(err) != apperr.NotFound {
		return err
	}
	return nil
}
