package dinners

import (
	"context"
	"errors"
	"slices"

	"github.com/motesplats/motesplats/pkg/apperr"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	"github.com/motesplats/motesplats/pkg/proposal"
	"github.com/motesplats/motesplats/pkg/store"
)

// pastTableResource is a dinner before today's key in the seat counters:
// the parties RecordPastSeating seats there hold their seats under it
// (ADR 0280). A key of its own, not seatResource's: that one's holders are
// the kit's (a job's seatings confirmed while the dinner was ahead, each
// given back once held), judged by the kit's own Holding. Derived, as the
// evening's key is.
func pastTableResource(offerID, date string) string {
	return proposal.ID("dinner-past-table", offerID, date)
}

// claimTable takes size seats for seating id at offer o's dinner on date,
// a compare-and-set on the table's counter, so two records sent at once
// through any replicas never seat more than the dinner has: before ADR
// 0280 both read the seats left and both wrote. The seatings at the table
// that hold nothing in the counter (a job's confirmed or held ones from
// when the date was ahead, records from before ADR 0280) are taken off the
// capacity: at a table before today they never grow (no job looks there).
// They are read before the holders, so a record whose seating this read
// sees is among the holders read next (it reserved before it wrote) and
// counts once. The same record again is the holder and passes. Returns
// FailedPrecondition when the party does not fit; on success the caller
// gives the seats back (releaseTable) if it writes no seating.
func (s *Service) claimTable(ctx context.Context, o *pb.Offer, date, id string, size int32) error {
	res := pastTableResource(o.GetId(), date)
	at, err := s.seatings.Find(store.Query[*pb.Seating]{Index: "table", Values: []string{tableKey(o.GetId(), date)},
		Filter: func(p *pb.Seating) bool { return p.GetStatus() == confirmed || p.GetStatus() == held }})
	if err != nil {
		return err
	}
	holders, err := s.seats.Holders(ctx, res)
	if err != nil {
		return err
	}
	others := int32(0)
	for _, p := range at.Items {
		if !slices.Contains(holders, p.GetId()) {
			others += p.GetPartySize()
		}
	}
	err = s.seats.Reserve(ctx, res, int(size), int(o.GetSeats()-others), id, s.recordHolding)
	if !errors.Is(err, proposal.ErrNoSlot) {
		return err
	}
	taken, uerr := s.seats.Used(ctx, res)
	if uerr != nil {
		return uerr
	}
	return apperr.Errorf(apperr.FailedPrecondition, "the dinner has %d seats and %d are taken; the party of %d does not fit", o.GetSeats(), int(others)+taken, size)
}

// releaseTable gives seating id's seats at a dinner before today back when
// no seating was written. A failure leaves them to go stale (recordHolding).
func (s *Service) releaseTable(ctx context.Context, offerID, date, id string) {
	if err := s.seats.Release(context.WithoutCancel(ctx), pastTableResource(offerID, date), id); err != nil {
		s.log.Warn("release a past table's seats", "err", err)
	}
}

// pastTables returns the table claims an erased guest's records may hold:
// a seating id for each resource, given back once the seatings are erased
// (the counter then keeps no id of theirs; a claim not there is a no-op).
func (s *Service) pastTables(ctx context.Context, id string) (map[string]string, error) {
	found, err := s.seatings.Find(store.Query[*pb.Seating]{Index: "participant", Values: []string{id}})
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, p := range found.Items {
		out[p.GetId()] = pastTableResource(p.GetOfferId(), p.GetDate())
	}
	return out, nil
}
