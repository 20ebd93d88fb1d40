package dinners

import (
	"context"
	"strconv"
	"strings"

	"github.com/motesplats/motesplats/pkg/apperr"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
)

// Seats are counted per dinner with the kit's slot counters
// (proposal.Slots): a compare-and-set per dinner key, so replicas can
// never hand out more seats than the offer has. A party of n takes n
// units, one holder each ("<seating id>_<k>" for k < n); a holder counts
// while its seating is open or confirmed and k is below the seating's
// party size (or the larger size being reserved), so units left behind by a crash or a shrunk party are
// dropped as soon as the dinner is full (docs/adr/0060).

func seatResource(offerID, date string) string { return offerID + "_" + date }

func holderID(seatingID string, k int) string { return seatingID + "_" + strconv.Itoa(k) }

// holding is the slot counters' Holding: the bucket's word on whether a
// unit still belongs to its seating. An error keeps the unit.
func (s *Service) holding(ctx context.Context, holder string) (bool, error) {
	at := strings.LastIndexByte(holder, '_')
	if at < 0 {
		return false, nil
	}
	k, err := strconv.Atoi(holder[at+1:])
	if err != nil {
		return false, nil
	}
	p, _, err := s.seatings.Get(ctx, holder[:at])
	if apperr.ErrorCode(err) == apperr.NotFound {
		return false, nil
	}
	if err != nil {
		return true, err
	}
	return live(p) && k < int(max(p.GetPartySize(), p.GetPendingPartySize())), nil
}

// reserve takes units [from, to) of p's dinner, all or none. Returns
// FailedPrecondition when the dinner has too few seats free.
func (s *Service) reserve(ctx context.Context, p *pb.Seating, seats int, from, to int) error {
	res := seatResource(p.GetOfferId(), p.GetDate())
	for k := from; k < to; k++ {
		if err := s.seats.Reserve(ctx, res, seats, holderID(p.GetId(), k), s.holding); err != nil {
			s.release(context.WithoutCancel(ctx), p, from, k)
			if apperr.ErrorCode(err) == apperr.FailedPrecondition {
				return apperr.Errorf(apperr.FailedPrecondition, "the dinner has too few free seats for the party")
			}
			return err
		}
	}
	return nil
}

// release gives units [from, to) of p's dinner back; best effort, since a
// unit left behind is dropped once its seating no longer holds it.
func (s *Service) release(ctx context.Context, p *pb.Seating, from, to int) {
	res := seatResource(p.GetOfferId(), p.GetDate())
	for k := from; k < to; k++ {
		if err := s.seats.Release(ctx, res, holderID(p.GetId(), k)); err != nil {
			s.log.WarnContext(ctx, "release seat", "seating_id", p.GetId(), "err", err)
		}
	}
}

// seatsTaken counts the units the counters hold at a dinner, dropping
// none: what a concurrency test compares with the seats.
func (s *Service) seatsTaken(ctx context.Context, offerID, date string) (int, error) {
	hs, err := s.seats.Holders(ctx, seatResource(offerID, date))
	return len(hs), err
}
