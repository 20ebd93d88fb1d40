package dinners

import (
	"context"
	"fmt"
	"slices"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/events"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	proposalv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/proposal/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/page"
	"github.com/motesplats/motesplats/pkg/proposal"
	"github.com/motesplats/motesplats/pkg/store"
)

// GetSeating returns seating id if the caller may see it. Returns
// Invalid, NotFound, PermissionDenied.
func (s *Service) GetSeating(ctx context.Context, who auth.Claims, id string) (*pb.Seating, error) {
	if err := canAct(who); err != nil {
		return nil, err
	}
	if !ids.Valid(id) {
		return nil, invalid("id", "is not an id")
	}
	p, _, err := s.seatings.Get(ctx, id)
	if err != nil {
		return nil, notFound(err, "seating")
	}
	if !who.CanSee(p.GetOrganisationId(), p.GetMunicipalityCode()) {
		return nil, apperr.Errorf(apperr.NotFound, "seating not found")
	}
	return p, nil
}

// SeatingFilter narrows ListSeatings.
type SeatingFilter struct {
	JobID, OfferID, SignUpID string
	Statuses                 []eventsv1.SeatingStatus
}

// ListSeatings returns a page of the seatings the caller may see. Returns
// Invalid, PermissionDenied.
func (s *Service) ListSeatings(_ context.Context, who auth.Claims, f SeatingFilter, size int32, token string) ([]*pb.Seating, string, int, error) {
	if err := canAct(who); err != nil {
		return nil, "", 0, err
	}
	var v apperr.Validator
	v.Check(f.JobID == "" || ids.Valid(f.JobID), "job_id", "is not an id")
	v.Check(f.OfferID == "" || ids.Valid(f.OfferID), "offer_id", "is not an id")
	v.Check(f.SignUpID == "" || ids.Valid(f.SignUpID), "sign_up_id", "is not an id")
	v.Check(len(f.Statuses) <= 10, "statuses", "at most 10")
	for k, st := range f.Statuses {
		if _, ok := eventsv1.SeatingStatus_name[int32(st)]; !ok || st == 0 {
			v.Add(fmt.Sprintf("statuses[%d]", k), "is not a seating status")
		}
	}
	limit, after := page.Check(&v, size, token)
	if err := v.Err(); err != nil {
		return nil, "", 0, err
	}
	q := store.Query[*pb.Seating]{After: after, Limit: limit}
	switch {
	case f.JobID != "":
		q.Index, q.Values = "job", []string{f.JobID}
	case f.OfferID != "":
		q.Index, q.Values = "offer", []string{f.OfferID}
	case f.SignUpID != "":
		q.Index, q.Values = "signup", []string{f.SignUpID}
	}
	q.Filter = func(p *pb.Seating) bool {
		return who.CanSee(p.GetOrganisationId(), p.GetMunicipalityCode()) &&
			(f.JobID == "" || p.GetJobId() == f.JobID) && (f.OfferID == "" || p.GetOfferId() == f.OfferID) &&
			(f.SignUpID == "" || p.GetSignUpId() == f.SignUpID) &&
			(len(f.Statuses) == 0 || slices.Contains(f.Statuses, p.GetStatus()))
	}
	found, err := s.seatings.Find(q)
	if err != nil {
		return nil, "", 0, err
	}
	out := make([]*pb.Seating, len(found.Items))
	for k, p := range found.Items {
		out[k] = clone(p)
	}
	return out, page.Encode(found.Next), found.Total, nil
}

// transition runs fn on seating id for the caller under the scope check,
// and stores the seating with the event fn names in one compare-and-set.
// fn returns the event subject ("" for no change) and a fill for it.
func (s *Service) transition(ctx context.Context, who auth.Claims, id string,
	fn func(p *pb.Seating, st *proposal.State, now time.Time) (string, func(*eventsv1.DinnerSeatingChanged), error)) (*pb.Seating, error) {
	if _, err := s.GetSeating(ctx, who, id); err != nil {
		return nil, err
	}
	return s.apply(ctx, who.Subject, id, fn)
}

// apply is transition without the caller checks; by is the author.
func (s *Service) apply(ctx context.Context, by, id string,
	fn func(p *pb.Seating, st *proposal.State, now time.Time) (string, func(*eventsv1.DinnerSeatingChanged), error)) (*pb.Seating, error) {
	out, _, err := s.seatings.Update(ctx, id, func(p *pb.Seating, _ uint64) (store.Change, error) {
		now := s.now().UTC()
		prev := p.GetStatus()
		st := state(p)
		subject, fill, err := fn(p, &st, now)
		if err != nil || subject == "" {
			return nil, err
		}
		if p.GetStatus() != cancelled {
			setState(p, st)
		}
		p.DecideTime, p.UpdatedBy = timestamppb.New(now), by
		ev, err := s.changed(subject, "", p, prev, fill)
		if err != nil {
			return nil, err
		}
		return store.Change{ev}, nil
	})
	if err != nil {
		return nil, notFound(err, "seating")
	}
	return out, nil
}

// Approve invites guest and host to a proposed seating, with an RSVP
// deadline before the dinner. Returns Invalid, NotFound,
// PermissionDenied, FailedPrecondition (not proposed, or too close to the
// dinner).
func (s *Service) Approve(ctx context.Context, who auth.Claims, id string) (*pb.Seating, error) {
	if err := canAct(who); err != nil {
		return nil, err
	}
	return s.transition(ctx, who, id, func(p *pb.Seating, st *proposal.State, now time.Time) (string, func(*eventsv1.DinnerSeatingChanged), error) {
		deadline := s.rules.For(p.GetOrganisationId()).RSVPDeadline(now, startOf(p.GetDate(), p.GetStartTime()))
		if !deadline.After(now) {
			return "", nil, apperr.Errorf(apperr.FailedPrecondition, "the dinner is too close for an invitation")
		}
		if err := st.Approve(now, deadline.Sub(now)); err != nil {
			return "", nil, err
		}
		p.InviteTime = timestamppb.New(now)
		return events.SeatingInvited, nil, nil
	})
}

// Reject ends a proposed seating; the party is not proposed at that
// dinner again. reason is optional (UNSPECIFIED) and kept on the seating.
// Returns Invalid, NotFound, PermissionDenied, FailedPrecondition.
func (s *Service) Reject(ctx context.Context, who auth.Claims, id string, reason proposalv1.RejectReason) (*pb.Seating, error) {
	if err := canAct(who); err != nil {
		return nil, err
	}
	if _, ok := proposalv1.RejectReason_name[int32(reason)]; !ok {
		return nil, invalid("reason", "is not a reject reason")
	}
	return s.transition(ctx, who, id, func(p *pb.Seating, st *proposal.State, _ time.Time) (string, func(*eventsv1.DinnerSeatingChanged), error) {
		if err := st.Reject(); err != nil {
			return "", nil, err
		}
		p.RejectReason = reason
		return events.SeatingRejected, nil, nil
	})
}

func partyOf(p eventsv1.DinnerParty) string {
	if p == eventsv1.DinnerParty_DINNER_PARTY_HOST {
		return partyHost
	}
	return partyGuest
}

// RSVP records one side's answer. The second acceptance confirms the
// seating: the party's seats are reserved first (all or none, never more
// than the dinner has), then the seating is marked confirmed; if that
// write fails the seats are given back. Returns Invalid, NotFound,
// PermissionDenied, FailedPrecondition (not invited, past the deadline,
// answered already, too few seats).
func (s *Service) RSVP(ctx context.Context, who auth.Claims, id string, party eventsv1.DinnerParty, accept bool, reason eventsv1.RsvpDeclineReason) (*pb.Seating, error) {
	if err := canAct(who); err != nil {
		return nil, err
	}
	var v apperr.Validator
	v.Check(ids.Valid(id), "id", "is not an id")
	if party != eventsv1.DinnerParty_DINNER_PARTY_GUEST && party != eventsv1.DinnerParty_DINNER_PARTY_HOST {
		v.Add("party", "must be DINNER_PARTY_GUEST or DINNER_PARTY_HOST")
	}
	if _, ok := eventsv1.RsvpDeclineReason_name[int32(reason)]; !ok || (!accept && reason == 0) {
		v.Add("decline_reason", "must be a decline reason when declining")
	}
	if accept && reason != 0 {
		v.Add("decline_reason", "must be empty when accepting")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	name := partyOf(party)
	if !accept {
		return s.transition(ctx, who, id, func(p *pb.Seating, st *proposal.State, now time.Time) (string, func(*eventsv1.DinnerSeatingChanged), error) {
			if err := st.Decline(name, now); err != nil {
				return "", nil, err
			}
			p.DeclinedBy, p.DeclineReason = party, reason
			return events.SeatingDeclined, func(m *eventsv1.DinnerSeatingChanged) { m.Party, m.DeclineReason = party, reason }, nil
		})
	}
	cur, err := s.GetSeating(ctx, who, id)
	if err != nil {
		return nil, err
	}
	st := state(cur)
	complete, err := st.CanAccept(name, s.now().UTC())
	if err != nil {
		return nil, err
	}
	size := cur.GetPartySize()
	attempt := ""
	if complete {
		// The answer that confirms takes the party's seats first, as a
		// registered attempt, and commits them with the transition.
		o, _, err := s.offers.Get(ctx, cur.GetOfferId())
		if err != nil {
			return nil, notFound(err, "offer")
		}
		attempt, err = s.begin(ctx, id, size, func(p *pb.Seating) error {
			if p.GetStatus() != invited || p.GetPartySize() != size {
				return apperr.Errorf(apperr.Conflict, "the seating changed at the same time; answer again")
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		if err := s.reserve(ctx, cur, int(o.GetSeats()), attempt, 0, int(size)); err != nil {
			s.abort(ctx, cur, attempt, 0, 0)
			return nil, err
		}
	}
	out, err := s.apply(ctx, who.Subject, id, func(p *pb.Seating, st *proposal.State, now time.Time) (string, func(*eventsv1.DinnerSeatingChanged), error) {
		if p.GetPartySize() != size || p.GetPendingHolder() != attempt {
			return "", nil, apperr.Errorf(apperr.Conflict, "the seating changed at the same time; answer again")
		}
		done, err := st.Accept(name, now)
		if err != nil {
			return "", nil, err
		}
		if done != complete {
			return "", nil, apperr.Errorf(apperr.Conflict, "the other side answered at the same time; answer again")
		}
		fill := func(m *eventsv1.DinnerSeatingChanged) { m.Party = party }
		if !done {
			return events.SeatingAccepted, fill, nil
		}
		p.SeatHolders, p.PendingHolder, p.PendingPartySize = []string{attempt}, "", 0
		return events.SeatingConfirmed, fill, nil
	})
	if err != nil && complete {
		s.abort(ctx, cur, attempt, 0, int(size))
	}
	return out, err
}

// CancelSeating cancels a confirmed seating on the guest's behalf and
// frees its seats; within the rules' late-cancel window it counts as a
// late cancellation (and towards the no-show streak). Returns Invalid,
// NotFound, PermissionDenied, FailedPrecondition.
func (s *Service) CancelSeating(ctx context.Context, who auth.Claims, id string) (*pb.Seating, error) {
	if err := canAct(who); err != nil {
		return nil, err
	}
	out, err := s.transition(ctx, who, id, func(p *pb.Seating, _ *proposal.State, now time.Time) (string, func(*eventsv1.DinnerSeatingChanged), error) {
		if p.GetStatus() != confirmed {
			return "", nil, apperr.Errorf(apperr.FailedPrecondition, "only a confirmed seating can be cancelled; this one is %s", p.GetStatus())
		}
		p.Status = cancelled
		p.CancelledLate = s.rules.For(p.GetOrganisationId()).LateCancel(now, startOf(p.GetDate(), p.GetStartTime()))
		return events.SeatingCancelled, func(m *eventsv1.DinnerSeatingChanged) { m.Party = eventsv1.DinnerParty_DINNER_PARTY_GUEST }, nil
	})
	if err != nil {
		return nil, err
	}
	s.release(ctx, out, 0, int(out.GetPartySize()))
	return out, nil
}

// end cancels (confirmed) or withdraws (open) seating id and frees its
// seats. Final seatings are left as they are.
func (s *Service) end(ctx context.Context, by, id string, subject string) error {
	out, err := s.apply(ctx, by, id, func(p *pb.Seating, st *proposal.State, _ time.Time) (string, func(*eventsv1.DinnerSeatingChanged), error) {
		switch {
		case p.GetStatus() == confirmed || (subject == events.SeatingCancelled && live(p)):
			p.Status = cancelled
			return events.SeatingCancelled, nil, nil
		case live(p):
			return events.SeatingWithdrawn, nil, st.Withdraw()
		}
		return "", nil, nil
	})
	if apperr.ErrorCode(err) == apperr.NotFound {
		return nil
	}
	if err != nil {
		return err
	}
	s.release(ctx, out, 0, int(out.GetPartySize()))
	return nil
}

// cancelTable cancels every live seating at one dinner (the host cannot
// make it); the guests wait again. Returns the seatings cancelled.
func (s *Service) cancelTable(ctx context.Context, by, offerID, date string) ([]string, error) {
	if err := s.seatings.Sync(ctx); err != nil {
		return nil, err
	}
	found, err := s.seatings.Find(store.Query[*pb.Seating]{Index: "table", Values: []string{tableKey(offerID, date)}, Filter: live})
	if err != nil {
		return nil, err
	}
	var out []string
	for _, p := range found.Items {
		if err := s.end(ctx, by, p.GetId(), events.SeatingCancelled); err != nil {
			return out, err
		}
		out = append(out, p.GetId())
	}
	return out, nil
}

// endSeatings ends the live seatings found by index=id: a leaver's
// (withdrawn, or cancelled when confirmed) or a removed sign-up's.
func (s *Service) endSeatings(ctx context.Context, by, index, id string, _ bool) error {
	if err := s.seatings.Sync(ctx); err != nil {
		return err
	}
	found, err := s.seatings.Find(store.Query[*pb.Seating]{Index: index, Values: []string{id}, Filter: live})
	if err != nil {
		return err
	}
	for _, p := range found.Items {
		if err := s.end(ctx, by, p.GetId(), events.SeatingWithdrawn); err != nil {
			return err
		}
	}
	return nil
}

// resize carries a sign-up's new party size to its live seatings. A
// confirmed seating that grows takes the extra seats first as a registered
// attempt (all or none) and commits them with the new size; one that
// shrinks gives seats back after the write. Returns FailedPrecondition
// when a dinner has too few seats, Conflict when the seating changed at
// the same time.
func (s *Service) resize(ctx context.Context, by, signUpID string, size int32) error {
	if err := s.seatings.Sync(ctx); err != nil {
		return err
	}
	found, err := s.seatings.Find(store.Query[*pb.Seating]{Index: "signup", Values: []string{signUpID}, Filter: live})
	if err != nil {
		return err
	}
	for _, cur := range found.Items {
		if err := s.resizeOne(ctx, by, cur, size); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) resizeOne(ctx context.Context, by string, cur *pb.Seating, size int32) error {
	old := cur.GetPartySize()
	if old == size {
		return nil
	}
	changed := apperr.Errorf(apperr.Conflict, "the seating changed at the same time; try again")
	attempt := ""
	if cur.GetStatus() == confirmed && size > old {
		o, _, err := s.offers.Get(ctx, cur.GetOfferId())
		if err != nil {
			return notFound(err, "offer")
		}
		attempt, err = s.begin(ctx, cur.GetId(), size, func(p *pb.Seating) error {
			if p.GetStatus() != confirmed || p.GetPartySize() != old {
				return changed
			}
			return nil
		})
		if err != nil {
			return err
		}
		if err := s.reserve(ctx, cur, int(o.GetSeats()), attempt, int(old), int(size)); err != nil {
			s.abort(ctx, cur, attempt, 0, 0)
			return err
		}
	}
	out, err := s.apply(ctx, by, cur.GetId(), func(p *pb.Seating, _ *proposal.State, _ time.Time) (string, func(*eventsv1.DinnerSeatingChanged), error) {
		if !live(p) || p.GetStatus() != cur.GetStatus() || p.GetPartySize() != old || p.GetPendingHolder() != attempt && attempt != "" {
			return "", nil, changed
		}
		if attempt == "" && p.GetPendingHolder() != "" {
			return "", nil, changed // an answer or a growth is taking seats for the old size
		}
		p.PartySize = size
		if attempt != "" {
			p.SeatHolders, p.PendingHolder, p.PendingPartySize = append(p.SeatHolders, attempt), "", 0
		}
		return events.SeatingResized, nil, nil
	})
	if err != nil {
		if attempt != "" {
			s.abort(ctx, cur, attempt, int(old), int(size))
		}
		return err
	}
	if out.GetStatus() == confirmed && size < old {
		s.release(ctx, out, int(size), int(old))
	}
	return nil
}

// RecordAttendance records, for a confirmed seating on or after its date,
// what happened with each member of the party; the seating becomes held.
// Returns Invalid, NotFound, PermissionDenied, FailedPrecondition.
func (s *Service) RecordAttendance(ctx context.Context, who auth.Claims, id string, att []*pb.GuestAttendance) (*pb.Seating, error) {
	if err := canAct(who); err != nil {
		return nil, err
	}
	var v apperr.Validator
	v.Check(ids.Valid(id), "id", "is not an id")
	v.Check(len(att) >= 1 && len(att) <= maxSeats, "attendance", fmt.Sprintf("must list 1 to %d members", maxSeats))
	seen := map[int32]bool{}
	for k, a := range att {
		f := fmt.Sprintf("attendance[%d]", k)
		v.Check(a.GetMember() >= 0 && a.GetMember() < maxSeats, f+".member", "is not a member index")
		v.Check(!seen[a.GetMember()], f+".member", "is given twice")
		seen[a.GetMember()] = true
		if _, ok := eventsv1.Attendance_name[int32(a.GetAttendance())]; !ok || a.GetAttendance() == 0 {
			v.Add(f+".attendance", "must be CAME, NO_SHOW or CANCELLED_LATE")
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	today := s.today()
	return s.transition(ctx, who, id, func(p *pb.Seating, st *proposal.State, _ time.Time) (string, func(*eventsv1.DinnerSeatingChanged), error) {
		if p.GetDate() > today {
			return "", nil, apperr.Errorf(apperr.FailedPrecondition, "the dinner has not happened yet")
		}
		if len(att) != int(p.GetPartySize()) {
			return "", nil, apperr.FieldError("attendance", fmt.Sprintf("must list each of the party's %d members once", p.GetPartySize()))
		}
		for k, a := range att {
			if a.GetMember() >= p.GetPartySize() {
				return "", nil, apperr.FieldError(fmt.Sprintf("attendance[%d].member", k), "is not a member of the party")
			}
		}
		if err := st.End(); err != nil {
			return "", nil, apperr.Errorf(apperr.FailedPrecondition, "only a confirmed seating can have attendance; this one is %s", p.GetStatus())
		}
		p.Attendance = att
		return events.SeatingHeld, nil, nil
	})
}

// RecordFeedback records one side's feedback on a held dinner. Returns
// Invalid, NotFound, PermissionDenied, FailedPrecondition.
func (s *Service) RecordFeedback(ctx context.Context, who auth.Claims, id string, party eventsv1.DinnerParty, fb *pb.Feedback) (*pb.Seating, error) {
	if err := canAct(who); err != nil {
		return nil, err
	}
	var v apperr.Validator
	v.Check(ids.Valid(id), "id", "is not an id")
	v.Check(party == eventsv1.DinnerParty_DINNER_PARTY_GUEST || party == eventsv1.DinnerParty_DINNER_PARTY_HOST, "party", "must be DINNER_PARTY_GUEST or DINNER_PARTY_HOST")
	if fb == nil {
		v.Add("feedback", "is required")
	} else {
		v.Check(fb.GetRating() >= 1 && fb.GetRating() <= 5, "feedback.rating", "must be from 1 to 5")
		v.Check(party != eventsv1.DinnerParty_DINNER_PARTY_HOST || !fb.GetFirstTimeInSwedishHome(), "feedback.first_time_in_swedish_home", "is for the guest only")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return s.transition(ctx, who, id, func(p *pb.Seating, _ *proposal.State, _ time.Time) (string, func(*eventsv1.DinnerSeatingChanged), error) {
		if p.GetStatus() != held {
			return "", nil, apperr.Errorf(apperr.FailedPrecondition, "feedback is for held dinners; this one is %s", p.GetStatus())
		}
		if party == eventsv1.DinnerParty_DINNER_PARTY_HOST {
			p.HostFeedback = fb
		} else {
			p.GuestFeedback = fb
		}
		return events.SeatingFeedback, func(m *eventsv1.DinnerSeatingChanged) { m.Party = party }, nil
	})
}

// Sweep expires invitations past their deadline. Safe on every replica:
// the transition is a compare-and-set that only one writer wins.
func (s *Service) Sweep(ctx context.Context) error {
	now := s.now().UTC()
	found, err := s.seatings.Find(store.Query[*pb.Seating]{Filter: func(p *pb.Seating) bool {
		return p.GetStatus() == invited && !now.Before(p.GetRsvpDeadline().AsTime())
	}})
	if err != nil {
		return err
	}
	for _, p := range found.Items {
		_, err := s.apply(ctx, "sweep", p.GetId(), func(_ *pb.Seating, st *proposal.State, now time.Time) (string, func(*eventsv1.DinnerSeatingChanged), error) {
			if !st.Expired(now) {
				return "", nil, nil
			}
			return events.SeatingExpired, nil, st.Expire(now)
		})
		if err != nil && apperr.ErrorCode(err) != apperr.NotFound {
			return err
		}
	}
	return nil
}

// Run sweeps every interval until ctx ends.
func (s *Service) Run(ctx context.Context, every time.Duration) error {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			if err := s.Sweep(ctx); err != nil {
				s.log.WarnContext(ctx, "dinners sweep", "err", err)
			}
		}
	}
}
