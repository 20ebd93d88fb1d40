package dinners

// A job's writes: each seating it chose, created once and checked against
// who left the pool meanwhile, then brought up to date with the offers and
// sign-ups as they are after the write (split from job.go, which holds the
// snapshot and the build).

import (
	"context"
	"slices"

	"github.com/motesplats/motesplats/pkg/apperr"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	"github.com/motesplats/motesplats/pkg/jobs"
	"github.com/motesplats/motesplats/pkg/proposal"
	"github.com/motesplats/motesplats/services/dinners/internal/pool"
	"github.com/motesplats/motesplats/services/dinners/internal/rules"
)

// propose creates one seating, once, and reports whether the job holds
// it (the kit's Plan.Propose, kept for a plan without batches).
func (s *Service) propose(ctx context.Context, p *pb.Seating) (bool, error) {
	// The snapshot may be older than the pool: someone who left (or was
	// erased) since is not proposed.
	if gone, err := s.checked().AnyGone(ctx, p); err != nil || gone {
		return false, err
	}
	cur, created, err := s.life.Propose(ctx, p.GetId(), p, "")
	switch {
	case apperr.ErrorCode(err) == apperr.NotFound:
		return false, nil // erased with its guest or host
	case err != nil:
		return false, err
	case !created && cur.GetJobId() != p.GetJobId():
		return false, nil // proposed before by another job
	}
	// They may have left between the check and the create: check again
	// and clean up after them (Leave is idempotent).
	if err := s.checked().LeaveGone(ctx, p); err != nil {
		return true, err
	}
	held := []bool{true}
	err = s.settleSeatings(ctx, []*pb.Seating{p}, held)
	return held[0], err
}

// proposeBatch is propose for a job's seatings at once (the kit's
// Plan.ProposeBatch, through proposal.ProposeChecked): one read of each
// pool side before and after instead of four bucket reads per seating,
// and the records with their events in one durable write per 999
// (proposal.ProposeBatch, ADR 0033) instead of three per seating. The
// outcome per seating is propose's: a seating of someone who left is not
// written, one proposed before by another job is not held, and people who
// left while the batch was written are cleaned up after. ADR 0063.
func (s *Service) proposeBatch(ctx context.Context, j jobs.Job, ps []*pb.Seating) ([]bool, error) {
	held, err := proposal.ProposeChecked(ctx, s.life, s.checked(), ps, (*pb.Seating).GetId, func(o proposal.Outcome[*pb.Seating]) bool {
		return o.Created || o.R.GetJobId() == j.ID // another job's: not ours
	})
	if err != nil {
		return held, err
	}
	return held, s.settleSeatings(ctx, ps, held)
}

// settleSeatings brings the seatings of ps the job holds up to date with
// the offers and sign-ups as they are after the write, where the job
// chose from its snapshot: a seating whose dinner was cancelled (or offer
// removed) or whose sign-up was removed is closed, and one whose party
// changed size takes the new size. The cancel, removal or party change
// acted on the seatings it found, which a seating written after that
// search was not among. Each of them searches the seatings after writing
// its record (CancelDinner), or again after it (DeleteOffer, DeleteSignUp,
// UpdateSignUp); here the seating was written before the offers and
// sign-ups are synced, so one of the two always sees the other's write
// (ADR 0141). held is updated in place: a closed seating is not the job's.
func (s *Service) settleSeatings(ctx context.Context, ps []*pb.Seating, held []bool) error {
	if !slices.Contains(held, true) {
		return nil
	}
	if err := s.offers.Sync(ctx); err != nil {
		return err
	}
	if err := s.signups.Sync(ctx); err != nil {
		return err
	}
	for k, p := range ps {
		if !held[k] {
			continue
		}
		su, ok := s.signups.Lookup(p.GetSignUpId())
		reason := endSignUpRemoved
		switch {
		case ok && !s.dinnerOff(p.GetOfferId(), p.GetDate()):
			if err := s.resizeProposed(ctx, p, int32(rules.PartySize(su))); err != nil {
				return err
			}
			continue
		case ok:
			reason = endTableCancelled
		}
		if _, err := s.life.Close(ctx, p.GetUpdatedBy(), p.GetId(), reason); err != nil && apperr.ErrorCode(err) != apperr.NotFound {
			return err
		}
		held[k] = false
	}
	return nil
}

// resizeProposed gives the job's seating p the party size its sign-up has
// now, when that changed since the job's snapshot. One that has moved on
// meanwhile (closed, or changed by someone) is left as it is.
func (s *Service) resizeProposed(ctx context.Context, p *pb.Seating, size int32) error {
	if size == p.GetPartySize() {
		return nil
	}
	_, err := s.life.Resize(ctx, p.GetUpdatedBy(), p.GetId(), changeResized, func(x *pb.Seating) error {
		x.PartySize = size
		return nil
	})
	switch apperr.ErrorCode(err) {
	case "", apperr.NotFound, apperr.FailedPrecondition, apperr.Conflict:
		return nil
	}
	return err
}

// dinnerOff reports whether offer's dinner on date is no more: the offer
// removed, the date cancelled or no longer among its dinners.
func (s *Service) dinnerOff(offerID, date string) bool {
	o, ok := s.offers.Lookup(offerID)
	if !ok {
		return true
	}
	return !slices.ContainsFunc(o.GetDinners(), func(d *pb.Dinner) bool { return d.GetDate() == date && !d.GetCancelled() })
}

// goneOf reads once per pool side whether the guests and hosts of ps have
// left: the sides' indexes, synced to their buckets first, say what a
// bucket read of each would (Pool.Gone), in two round trips.
func (s *Service) goneOf(ctx context.Context, ps []*pb.Seating) (map[person]proposal.Left, error) {
	out := map[person]proposal.Left{}
	if len(ps) == 0 {
		return out, nil
	}
	if err := s.pool.Guests.Sync(ctx); err != nil {
		return nil, err
	}
	if err := s.pool.Hosts.Sync(ctx); err != nil {
		return nil, err
	}
	for _, p := range ps {
		if g, ok := s.pool.Guests.Lookup(p.GetParticipantId()); ok {
			out[person{Kind: pool.Guest, ID: p.GetParticipantId()}] = proposal.Left{Gone: g.GetGone(), Erased: g.GetErased()}
		}
		if h, ok := s.pool.Hosts.Lookup(p.GetVolunteerId()); ok {
			out[person{Kind: pool.Host, ID: p.GetVolunteerId()}] = proposal.Left{Gone: h.GetGone(), Erased: h.GetErased()}
		}
	}
	return out, nil
}

// checked is the pool as the proposal kit checks a seating's people
// against it: per seating (Gone, propose) or per batch (GoneOf).
func (s *Service) checked() proposal.Pool[*pb.Seating, pool.Kind] {
	return proposal.Pool[*pb.Seating, pool.Kind]{People: people, GoneOf: s.goneOf, Gone: s.pool.Gone, Leave: s.Leave}
}

// person is one side of a seating in the pool.
type person = proposal.Person[pool.Kind]

func people(p *pb.Seating) []person {
	return []person{{Kind: pool.Guest, ID: p.GetParticipantId()}, {Kind: pool.Host, ID: p.GetVolunteerId()}}
}
