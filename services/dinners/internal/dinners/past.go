package dinners

import (
	"context"
	"fmt"
	"slices"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/auth"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/proposal"
	"github.com/motesplats/motesplats/pkg/store"
)

// RecordPastSeating records that sign-up signUpID's party had a confirmed
// seat at offer offerID's dinner on date, a day before today: a dinner
// held before Mötesplats knew of it (ADR 0269). Every other path refuses a
// past date (an offer's or sign-up's date, an approval too close to the
// dinner, an RSVP after its deadline), and rightly: a coordinator plans
// ahead. History is different, and is an admin's to bring in, so only an
// admin may; the seating then is what the normal path leaves at such a
// dinner (confirmed, its date among the offer's dinners), and attendance
// and feedback are recorded the usual way. It holds none of the kit's seat
// counters (no job looks at a dinner before today) but its own for the
// table's seats (claimTable, ADR 0280) and the party's evening (ADR 0277).
// Returns Invalid, NotFound,
// PermissionDenied, FailedPrecondition.
func (s *Service) RecordPastSeating(ctx context.Context, who auth.Claims, signUpID, offerID, date, start string) (*pb.Seating, error) {
	if who.Role != auth.RoleAdmin {
		return nil, apperr.Errorf(apperr.PermissionDenied, "only an admin may record a dinner held in the past")
	}
	today := s.today()
	var v apperr.Validator
	v.Check(ids.Valid(signUpID), "sign_up_id", "is not an id")
	v.Check(ids.Valid(offerID), "offer_id", "is not an id")
	if _, err := time.Parse(time.DateOnly, date); err != nil {
		v.Add("date", "must be a date YYYY-MM-DD")
	} else {
		v.Check(date < today, "date", "must be before today (a dinner ahead goes through a job)")
		v.Check(date >= yearBack(today), "date", "must be at most a year back")
	}
	v.Check(clockRE.MatchString(start), "start_time", "must be a time HH:MM")
	if err := v.Err(); err != nil {
		return nil, err
	}
	id := SeatingID(signUpID, offerID, date)
	// A record left proposed (its call died between the proposal and the
	// confirmation, ADR 0281) is finished by its retry: the steps below
	// pass again as its own (the claims' holder is its id, the proposal
	// exists) and the confirmation is written. A job's proposal is not a
	// record's and goes as it went.
	if cur, err := s.life.Get(ctx, who, id); err == nil && (cur.GetStatus() != proposed || cur.GetJobId() != "") {
		return pastAgain(cur)
	}
	su, err := s.GetSignUp(ctx, who, signUpID)
	if err != nil {
		return nil, err
	}
	o, err := s.GetOffer(ctx, who, offerID)
	if err != nil {
		return nil, err
	}
	if o.GetOrganisationId() != su.GetOrganisationId() {
		return nil, apperr.FieldError("offer_id", "is not of the sign-up's organisation")
	}
	if err := s.seatings.Sync(ctx); err != nil {
		return nil, err
	}
	// A party is at one dinner an evening: the claim on its evening comes
	// before anything is written, and is given back if nothing is.
	if err := s.claimEvening(ctx, su.GetParticipantId(), date, id); err != nil {
		return nil, err
	}
	size := int32(len(su.GetParty()))
	// The party's seats at the table are claimed as its evening is (ADR
	// 0280), and given back with it if nothing is written.
	if err := s.claimTable(ctx, o, date, id, size); err != nil {
		s.releasePast(ctx, su.GetParticipantId(), o.GetId(), date, id)
		return nil, err
	}
	if err := s.pastDinner(ctx, o.GetId(), date, start); err != nil {
		s.releasePast(ctx, su.GetParticipantId(), o.GetId(), date, id)
		return nil, err
	}
	p := &pb.Seating{
		Id: id, OrganisationId: su.GetOrganisationId(), MunicipalityCode: su.GetMunicipalityCode(),
		SignUpId: su.GetId(), ParticipantId: su.GetParticipantId(), OfferId: o.GetId(), VolunteerId: o.GetVolunteerId(),
		Date: date, StartTime: start, PartySize: size, Status: proposed, FirstTime: su.GetFirstTime(),
		SignUpTime: su.GetCreateTime(), ProposeTime: timestamppb.New(s.now().UTC()), UpdatedBy: who.Subject,
	}
	if _, _, err := s.life.Propose(ctx, id, p, ""); err != nil {
		s.releasePast(ctx, su.GetParticipantId(), o.GetId(), date, id)
		return nil, err
	}
	// Invited and accepted by both at once, as of the day before the
	// dinner: one change, so no sweep sees an invitation past its
	// deadline in between and expires it.
	before := startOf(date, start).Add(-24 * time.Hour)
	return s.life.Transition(ctx, who, id, func(r *pb.Seating, st *proposal.State, _ time.Time) (proposal.Step, error) {
		if st.Status != proposal.Proposed {
			return proposal.Step{}, nil // recorded at the same time: as it is
		}
		if err := st.Approve(before, time.Hour); err != nil {
			return proposal.Step{}, err
		}
		for _, party := range parties {
			if _, err := st.Accept(party, before); err != nil {
				return proposal.Step{}, err
			}
		}
		return proposal.Step{Kind: proposal.KindActivated, Party: partyHost}, nil
	})
}

// pastAgain answers a repeated RecordPastSeating: the seating as it is
// when it was recorded past (confirmed, or held since), else the date's
// seating went another way and this is refused.
func pastAgain(cur *pb.Seating) (*pb.Seating, error) {
	if cur.GetStatus() == confirmed || cur.GetStatus() == held {
		return cur, nil
	}
	return nil, apperr.Errorf(apperr.FailedPrecondition, "the party's seating at that dinner went another way; this one is %s", cur.GetStatus())
}

// releasePast gives back a record's claims on the party's evening and the
// table's seats when it wrote no seating. The same record sent at once
// through another replica holds them under the same id and may have
// written the seating meanwhile: then they are that seating's and stay
// (as they do when the read fails: a claim with no seating goes stale).
func (s *Service) releasePast(ctx context.Context, participantID, offerID, date, id string) {
	if _, _, err := s.seatings.Get(context.WithoutCancel(ctx), id); apperr.ErrorCode(err) != apperr.NotFound {
		return
	}
	s.releaseTable(ctx, offerID, date, id)
	s.releaseEvening(ctx, participantID, date, id)
}

// pastDinner adds date to the offer's dinners unless it is there: refused
// when it is there cancelled, or the offer holds maxPastDinners dinners
// before today already. The cap of maxDinners bounds what lies ahead (a
// job's tables, the invitations and reminders to come) and is checked where
// dates ahead are given (CreateOffer); a date recorded here is behind, so
// it counts toward its own cap instead, which keeps the record bounded
// (ADR 0277). Passing that cap is InvalidArgument on offer_id: that offer
// cannot take the date, another offer of the host can.
func (s *Service) pastDinner(ctx context.Context, offerID, date, start string) error {
	today := s.today()
	_, _, err := s.offers.Update(ctx, offerID, func(o *pb.Offer, _ uint64) (store.Change, error) {
		k := slices.IndexFunc(o.GetDinners(), func(d *pb.Dinner) bool { return d.GetDate() == date })
		behind := 0
		for _, d := range o.GetDinners() {
			if d.GetDate() < today {
				behind++
			}
		}
		switch {
		case k >= 0 && o.GetDinners()[k].GetCancelled():
			return nil, apperr.Errorf(apperr.FailedPrecondition, "the offer's dinner on that date was cancelled")
		case k >= 0:
			return nil, nil
		case behind >= maxPastDinners:
			return nil, apperr.FieldError("offer_id", fmt.Sprintf("has %d dinners before today, the most an offer may; record this one on another offer of the host", maxPastDinners))
		}
		o.Dinners = append(o.Dinners, &pb.Dinner{Date: date, StartTime: start})
		slices.SortFunc(o.Dinners, func(a, b *pb.Dinner) int { return compareStr(a.GetDate(), b.GetDate()) })
		o.Etag = store.Etag(o)
		return nil, nil
	})
	if err != nil {
		return notFound(err, "offer")
	}
	return nil
}

// yearBack is the earliest day a past dinner may be recorded on: a year
// before today, as horizon is a year after.
func yearBack(today string) string {
	t, err := time.Parse(time.DateOnly, today)
	if err != nil {
		return today
	}
	return t.AddDate(-1, 0, 0).Format(time.DateOnly)
}
