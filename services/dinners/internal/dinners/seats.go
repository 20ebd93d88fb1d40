package dinners

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/motesplats/motesplats/pkg/apperr"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	"github.com/motesplats/motesplats/pkg/store"
)

// Seats are counted per dinner with the kit's slot counters
// (proposal.Slots): a compare-and-set per dinner key, so replicas can
// never hand out more seats than the offer has. A party of n takes n
// units. Each reservation is an attempt with its own id: it is first
// registered on the seating as pending (pending_holder, with the size it
// reserves for), then takes its units under holder ids
// "<seating>:<attempt>:<k>", then commits (the seating lists the attempt
// in seat_holders) or gives its own units back. A unit counts while its
// seating is open or confirmed, its attempt is committed or pending, and
// k is below the size that attempt stands for; anything else (a failed or
// overtaken attempt, a crash half-way, a shrunk party) is dropped as soon
// as the dinner is full. Units of different attempts never share an id,
// so giving back one attempt's units cannot free another's
// (docs/adr/0060).

func seatResource(offerID, date string) string { return offerID + "_" + date }

func holderID(seatingID, attempt string, k int) string {
	return seatingID + ":" + attempt + ":" + strconv.Itoa(k)
}

// holding is the slot counters' Holding: the bucket's word on whether a
// unit still belongs to its seating. An error keeps the unit.
func (s *Service) holding(ctx context.Context, holder string, _ time.Time) (bool, error) {
	parts := strings.Split(holder, ":")
	if len(parts) != 3 {
		return false, nil
	}
	k, err := strconv.Atoi(parts[2])
	if err != nil {
		return false, nil
	}
	p, _, err := s.seatings.Get(ctx, parts[0])
	if apperr.ErrorCode(err) == apperr.NotFound {
		return false, nil
	}
	if err != nil {
		return true, err
	}
	return holds(p, parts[1], k), nil
}

// holds reports whether unit k of attempt belongs to seating p.
func holds(p *pb.Seating, attempt string, k int) bool {
	if !live(p) {
		return false
	}
	if slices.Contains(p.GetSeatHolders(), attempt) && k < int(p.GetPartySize()) {
		return true
	}
	return attempt == p.GetPendingHolder() && k < int(p.GetPendingPartySize())
}

// begin registers a reservation attempt of size seats on seating id, if
// check accepts the seating, and returns the attempt id.
func (s *Service) begin(ctx context.Context, id string, size int32, check func(*pb.Seating) error) (string, error) {
	attempt := s.ids.New()
	_, _, err := s.seatings.Update(ctx, id, func(p *pb.Seating, _ uint64) (store.Change, error) {
		if err := check(p); err != nil {
			return nil, err
		}
		p.PendingHolder, p.PendingPartySize = attempt, size
		return nil, nil
	})
	return attempt, notFound(err, "seating")
}

// abort gives an attempt's units back and clears it from the seating if
// it is still the pending one. Best effort: what stays behind is dropped
// once the dinner is full.
func (s *Service) abort(ctx context.Context, p *pb.Seating, attempt string, from, to int) {
	ctx = context.WithoutCancel(ctx)
	s.releaseUnits(ctx, p, attempt, from, to)
	_, _, err := s.seatings.Update(ctx, p.GetId(), func(cur *pb.Seating, _ uint64) (store.Change, error) {
		if cur.GetPendingHolder() == attempt {
			cur.PendingHolder, cur.PendingPartySize = "", 0
		}
		return nil, nil
	})
	if err != nil && apperr.ErrorCode(err) != apperr.NotFound {
		s.log.WarnContext(ctx, "clear seat attempt", "seating_id", p.GetId(), "err", err)
	}
}

// reserve takes units [from, to) of p's dinner for attempt, all or none.
// Returns FailedPrecondition when the dinner has too few seats free.
func (s *Service) reserve(ctx context.Context, p *pb.Seating, seats int, attempt string, from, to int) error {
	res := seatResource(p.GetOfferId(), p.GetDate())
	for k := from; k < to; k++ {
		if err := s.seats.Reserve(ctx, res, 1, seats, holderID(p.GetId(), attempt, k), s.holding); err != nil {
			s.releaseUnits(context.WithoutCancel(ctx), p, attempt, from, k)
			if apperr.ErrorCode(err) == apperr.FailedPrecondition {
				return apperr.Errorf(apperr.FailedPrecondition, "the dinner has too few free seats for the party")
			}
			return err
		}
	}
	return nil
}

// releaseUnits gives units [from, to) of one attempt back.
func (s *Service) releaseUnits(ctx context.Context, p *pb.Seating, attempt string, from, to int) {
	res := seatResource(p.GetOfferId(), p.GetDate())
	for k := from; k < to; k++ {
		if err := s.seats.Release(ctx, res, holderID(p.GetId(), attempt, k)); err != nil {
			s.log.WarnContext(ctx, "release seat", "seating_id", p.GetId(), "err", err)
		}
	}
}

// release gives back units [from, to) of every attempt p holds by.
func (s *Service) release(ctx context.Context, p *pb.Seating, from, to int) {
	for _, a := range append(slices.Clone(p.GetSeatHolders()), p.GetPendingHolder()) {
		if a != "" {
			s.releaseUnits(ctx, p, a, from, to)
		}
	}
}
