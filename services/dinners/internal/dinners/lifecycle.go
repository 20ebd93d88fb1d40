package dinners

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/auth"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	proposalv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/proposal/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/jobs"
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
	return s.life.Get(ctx, who, id)
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
	if f.JobID != "" {
		jobs.CheckID(&v, "job_id", f.JobID)
	}
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

// Approve invites guest and host to a proposed seating, with an RSVP
// deadline before the dinner. Returns Invalid, NotFound,
// PermissionDenied, FailedPrecondition (not proposed, or too close to the
// dinner). Sent again on the invited seating it stands (ADR 0273).
func (s *Service) Approve(ctx context.Context, who auth.Claims, id string) (*pb.Seating, error) {
	if err := canAct(who); err != nil {
		return nil, err
	}
	return s.life.Approve(ctx, who, id)
}

// Reject ends a proposed seating; the party is not proposed at that
// dinner again. reason is optional (UNSPECIFIED) and kept on the seating;
// the same reject again stands (ADR 0273). Returns Invalid, NotFound,
// PermissionDenied, FailedPrecondition.
func (s *Service) Reject(ctx context.Context, who auth.Claims, id string, reason proposalv1.RejectReason) (*pb.Seating, error) {
	if err := canAct(who); err != nil {
		return nil, err
	}
	if _, ok := proposalv1.RejectReason_name[int32(reason)]; !ok {
		return nil, apperr.FieldError("reason", "is not a reject reason")
	}
	return s.life.Reject(ctx, who, id, int32(reason))
}

func partyOf(p eventsv1.DinnerParty) string {
	if p == eventsv1.DinnerParty_DINNER_PARTY_HOST {
		return partyHost
	}
	return partyGuest
}

// RSVP records one side's answer. The second acceptance confirms the
// seating through the kit: the party's seats are reserved first (all or
// none, never more than the dinner has), then the seating is marked
// confirmed; if that fails the seats are given back. The same answer sent
// again (a retry whose answer was lost) stands: OK, nothing written (the
// kit, ADR 0273). Returns Invalid, NotFound, PermissionDenied,
// FailedPrecondition (not invited, past the deadline, answered otherwise
// already, too few seats), Aborted (the seating changed or was answered
// at the same time: answer again).
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
	if !accept {
		return s.life.Decline(ctx, who, id, partyOf(party), int32(reason))
	}
	out, err := s.life.Accept(ctx, who, id, partyOf(party))
	return out, raced(err)
}

// CancelSeating cancels a confirmed seating on the guest's behalf and
// frees its seats; within the rules' late-cancel window it counts as a
// late cancellation (and towards the no-show streak). The seating keeps
// why it was cancelled and requestID (optional), so the same cancel sent
// again (a retry whose answer was lost) stands: OK with the seating,
// nothing written or published (ADR 0280). With a request id the id
// decides, so a different, later cancel is refused as before; without
// one, a seating cancelled on the guest's behalf already stands (ADR
// 0272's rule: the record holds what the call would write). Returns
// Invalid, NotFound, PermissionDenied, FailedPrecondition.
func (s *Service) CancelSeating(ctx context.Context, who auth.Claims, id, requestID string) (*pb.Seating, error) {
	if err := canAct(who); err != nil {
		return nil, err
	}
	var v apperr.Validator
	v.Check(ids.Valid(id), "id", "is not an id")
	v.Check(requestID == "" || ids.Valid(requestID), "request_id", "must be 1 to 64 letters, digits, '-' or '_'")
	if err := v.Err(); err != nil {
		return nil, err
	}
	return s.life.Transition(ctx, who, id, func(p *pb.Seating, st *proposal.State, _ time.Time) (proposal.Step, error) {
		if cancelStands(p, requestID) {
			return proposal.Step{Kind: proposal.KindStands}, nil
		}
		if p.GetStatus() != confirmed {
			return proposal.Step{}, apperr.Errorf(apperr.FailedPrecondition, "only a confirmed seating can be cancelled; this one is %s", p.GetStatus())
		}
		if err := st.End(); err != nil {
			return proposal.Step{}, err
		}
		p.CancelRequestId = requestID
		return proposal.Step{Kind: proposal.KindEnded, Reason: endGuestCancelled}, nil
	})
}

// cancelStands reports whether p holds what CancelSeating with requestID
// would write: cancelled on the guest's behalf and, when the call has a
// request id, with that id.
func cancelStands(p *pb.Seating, requestID string) bool {
	return p.GetStatus() == cancelled && p.GetCancelReason() == pb.SeatingCancelReason_SEATING_CANCEL_REASON_GUEST &&
		(requestID == "" || requestID == p.GetCancelRequestId())
}

// cancelTable cancels every live seating at one dinner (the host cannot
// make it); the guests wait again. Returns the seatings cancelled.
func (s *Service) cancelTable(ctx context.Context, by, offerID, date string) ([]string, error) {
	return s.closeSeatings(ctx, by, "table", tableKey(offerID, date), endTableCancelled, live)
}

// endSeatings ends the live seatings of a removed sign-up: open ones are
// withdrawn, confirmed ones cancelled and their seats freed.
func (s *Service) endSeatings(ctx context.Context, by, signUpID string) error {
	_, err := s.closeSeatings(ctx, by, "signup", signUpID, endSignUpRemoved, live)
	return err
}

// closeSeatings closes, through the kit, the seatings found by index=key
// that which selects (live, or open), and returns their ids.
func (s *Service) closeSeatings(ctx context.Context, by, index, key string, reason int32, which func(*pb.Seating) bool) ([]string, error) {
	if err := s.seatings.Sync(ctx); err != nil {
		return nil, err
	}
	found, err := s.seatings.Find(store.Query[*pb.Seating]{Index: index, Values: []string{key}, Filter: which})
	if err != nil {
		return nil, err
	}
	var out []string
	for _, p := range found.Items {
		if _, err := s.life.Close(ctx, by, p.GetId(), reason); err != nil && apperr.ErrorCode(err) != apperr.NotFound {
			return out, err
		}
		out = append(out, p.GetId())
	}
	return out, nil
}

// resize carries a sign-up's new party size to its live seatings through
// the kit: an open one changes at once (it holds no seats yet); a
// confirmed one that grows takes the extra seats first (all or none), one
// that shrinks gives them back after the write. Returns FailedPrecondition
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
		if cur.GetPartySize() == size {
			continue
		}
		_, err := s.life.Resize(ctx, by, cur.GetId(), changeResized, func(p *pb.Seating) error {
			p.PartySize = size
			return nil
		})
		if err != nil && apperr.ErrorCode(err) != apperr.NotFound {
			return raced(err)
		}
	}
	return nil
}

// RecordAttendance records, for a confirmed seating on or after its date,
// what happened with each member of the party; the seating becomes held.
// On a seating held by the same attendance (a retry) it answers OK with
// it. Returns Invalid, NotFound, PermissionDenied, FailedPrecondition.
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
	return s.life.Transition(ctx, who, id, func(p *pb.Seating, st *proposal.State, _ time.Time) (proposal.Step, error) {
		if p.GetStatus() == held {
			// Held by this very attendance: a retry of a call whose
			// answer was lost (its replica killed after the write, ADR
			// 0270) is told it stands; nothing is written (ADR 0272,
			// 0273).
			if sameAttendance(p.GetAttendance(), att) {
				return proposal.Step{Kind: proposal.KindStands}, nil
			}
			return proposal.Step{}, apperr.Errorf(apperr.FailedPrecondition, "this dinner's attendance is recorded already, and differs from this one")
		}
		if p.GetDate() > today {
			return proposal.Step{}, apperr.Errorf(apperr.FailedPrecondition, "the dinner has not happened yet")
		}
		if len(att) != int(p.GetPartySize()) {
			return proposal.Step{}, apperr.FieldError("attendance", fmt.Sprintf("must list each of the party's %d members once", p.GetPartySize()))
		}
		for k, a := range att {
			if a.GetMember() >= p.GetPartySize() {
				return proposal.Step{}, apperr.FieldError(fmt.Sprintf("attendance[%d].member", k), "is not a member of the party")
			}
		}
		if err := st.End(); err != nil {
			return proposal.Step{}, apperr.Errorf(apperr.FailedPrecondition, "only a confirmed seating can have attendance; this one is %s", p.GetStatus())
		}
		p.Attendance = att
		return proposal.Step{Kind: proposal.KindEnded, Reason: endHeld}, nil
	})
}

// RecordFeedback records one side's feedback on a held dinner. A retry
// stands (OK, nothing written or published): with a request id, one with
// the id of the side's stored feedback or of one a newer feedback
// replaced (a late retry, which must not bring the older opinion back);
// without, the same feedback as the stored one. Returns Invalid,
// NotFound, PermissionDenied, FailedPrecondition.
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
		v.Check(fb.GetRequestId() == "" || ids.Valid(fb.GetRequestId()), "feedback.request_id", "must be 1 to 64 letters, digits, '-' or '_'")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return s.life.Transition(ctx, who, id, func(p *pb.Seating, _ *proposal.State, _ time.Time) (proposal.Step, error) {
		if p.GetStatus() != held {
			return proposal.Step{}, apperr.Errorf(apperr.FailedPrecondition, "feedback is for held dinners; this one is %s", p.GetStatus())
		}
		side := feedbackOf(p, party)
		if side.stands(fb) {
			// A retry of a call whose answer was lost, or a late one
			// after a newer feedback of the side: nothing changes, so
			// nothing is written and no feedback event goes out (ADR
			// 0272, 0273).
			return proposal.Step{Kind: proposal.KindStands}, nil
		}
		side.store(fb)
		return proposal.Step{Kind: proposal.KindChanged, Reason: changeFeedback, Party: partyOf(party)}, nil
	})
}

// sameAttendance reports whether a and b say the same of each member, in
// any order.
func sameAttendance(a, b []*pb.GuestAttendance) bool {
	if len(a) != len(b) {
		return false
	}
	by := make(map[int32]eventsv1.Attendance, len(a))
	for _, x := range a {
		by[x.GetMember()] = x.GetAttendance()
	}
	for _, y := range b {
		if got, ok := by[y.GetMember()]; !ok || got != y.GetAttendance() {
			return false
		}
	}
	return true
}

// Run expires invitations every interval and settles, within seconds of a
// restart, RSVPs a crash left between their seats and their transition
// (the kit's Lifecycle.Run), until ctx ends. Safe on every replica.
func (s *Service) Run(ctx context.Context, every time.Duration) error {
	s.life.Run(ctx, every)
	return nil
}
