package dinners

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/motesplats/motesplats/pkg/apperr"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	"github.com/motesplats/motesplats/pkg/proposal"
	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/services/dinners/internal/pool"
)

// eveningGrace is how long a claim on a party's evening counts while its
// seating is not written yet (RecordPastSeating between its claim and its
// proposal). A call that died in between holds the evening that long, so
// another host's record for the party is refused until then; the retry of
// the same record is not (it is the claim's holder).
const eveningGrace = time.Minute

// eveningResource is a party's key in the seat counters for one evening: a
// newcomer's household is at one dinner an evening (ADR 0277). Derived,
// so the counters' keys name neither the person nor the date.
func eveningResource(participantID, date string) string {
	return proposal.ID("dinner-evening", participantID, date)
}

// errEveningTaken refuses a second dinner for a party on one evening.
func errEveningTaken(date string) error {
	return apperr.Errorf(apperr.FailedPrecondition, "the party is recorded at another dinner on %s; a party is at one dinner an evening", date)
}

// claimEvening takes the party's evening for seating id, the compare-and-set
// that lets two records sent at once on two offers seat the party once, then
// looks for a seating of the party that evening written another way (a job's,
// from when the date was ahead). On a refusal the claim is given back; on
// success the caller gives it back if it writes no seating.
func (s *Service) claimEvening(ctx context.Context, participantID, date, id string) error {
	res := eveningResource(participantID, date)
	if err := s.seats.Reserve(ctx, res, 1, 1, id, s.recordHolding); err != nil {
		if errors.Is(err, proposal.ErrNoSlot) {
			return errEveningTaken(date)
		}
		return err
	}
	found, err := s.seatings.Find(store.Query[*pb.Seating]{Index: "participant", Values: []string{participantID},
		Filter: func(p *pb.Seating) bool {
			return p.GetId() != id && p.GetDate() == date && (live(p) || p.GetStatus() == held)
		}})
	if err == nil && len(found.Items) > 0 {
		err = errEveningTaken(date)
	}
	if err != nil {
		s.releaseEvening(ctx, participantID, date, id)
	}
	return err
}

// releaseEvening gives the party's evening back when no seating was written.
// A failure leaves the claim to go stale (eveningHolding).
func (s *Service) releaseEvening(ctx context.Context, participantID, date, id string) {
	if err := s.seats.Release(context.WithoutCancel(ctx), eveningResource(participantID, date), id); err != nil {
		s.log.Warn("release an evening claim", "err", err)
	}
}

// recordHolding is the proposal.Holding of RecordPastSeating's claims (the
// party's evening, the table's seats): a claim counts
// while its seating is live or held, or not yet written within eveningGrace;
// a seating cancelled or erased frees the evening and the seats. A read
// error keeps it.
func (s *Service) recordHolding(ctx context.Context, id string, since time.Time) (bool, error) {
	p, _, err := s.seatings.Get(ctx, id)
	switch {
	case apperr.ErrorCode(err) == apperr.NotFound:
		return s.now().Sub(since) < eveningGrace, nil
	case err != nil:
		return true, err
	}
	return live(p) || p.GetStatus() == held, nil
}

// evenings returns the evening claims an erased guest id may hold: one per
// date of their seatings (a claim of a date with none is gone already or
// never was; Forget of a key not there is harmless).
func (s *Service) evenings(ctx context.Context, kind pool.Kind, id string, erased bool) ([]string, error) {
	if !erased || kind != pool.Guest {
		return nil, nil
	}
	if err := s.seatings.Sync(ctx); err != nil {
		return nil, err
	}
	found, err := s.seatings.Find(store.Query[*pb.Seating]{Index: "participant", Values: []string{id}})
	if err != nil {
		return nil, err
	}
	var out []string
	for _, p := range found.Items {
		if r := eveningResource(id, p.GetDate()); !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out, nil
}
