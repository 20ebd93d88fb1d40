package pairs

import (
	"context"
	"fmt"
	"slices"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/calendar"
	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/jobs"
	"github.com/motesplats/motesplats/pkg/municipality"
	"github.com/motesplats/motesplats/pkg/proposal"
	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/services/mentoring/internal/rules"
)

// maxCheckIns bounds a pair's check-ins, and so its record's size.
const maxCheckIns = 500

// Get returns pair id if the caller may see it. Returns Invalid, NotFound.
func (s *Service) Get(ctx context.Context, who auth.Claims, id string) (*pb.Pair, error) {
	if !ids.Valid(id) {
		return nil, apperr.FieldError("id", "is not an id")
	}
	// One the caller may not see costs what an id of no one costs
	// (ADR 0235).
	p, _, err := s.repo.GetVisible(ctx, id, func(p *pb.Pair) bool { return canSee(who, p) })
	if err != nil {
		return nil, notFound(err)
	}
	return s.view(p, 0), nil
}

// view returns a copy of p with the computed follow-up fields.
func (s *Service) view(p *pb.Pair, flagWeeks int) *pb.Pair {
	p = clone(p)
	if n := len(p.GetCheckIns()); n > 0 {
		p.LastCheckInDate = p.GetCheckIns()[n-1].GetDate()
	}
	if p.GetStatus() == eventsv1.PairStatus_PAIR_STATUS_ACTIVE {
		d := s.rules.For(p.GetOrganisationId()).FollowUp()
		if flagWeeks > 0 {
			d = time.Duration(flagWeeks) * 7 * 24 * time.Hour
		}
		since := p.GetActiveTime().AsTime()
		if last, err := time.Parse(time.DateOnly, p.GetLastCheckInDate()); err == nil && last.After(since) {
			since = last
		}
		p.NeedsFollowUp = s.now().Sub(since) > d
	}
	return p
}

// ListFilter narrows List.
type ListFilter struct {
	JobID, MunicipalityCode, ParticipantID, VolunteerID string
	Statuses                                            []eventsv1.PairStatus
	FlagAfterWeeks                                      int32
	OnlyNeedingFollowUp                                 bool
	// EndedAfter keeps the pairs that ended at or after it; nil keeps
	// all. Served by the same in-memory filter as the statuses: the store
	// has no index by time (ADR 0265).
	EndedAfter *timestamppb.Timestamp
	// Order is id order (unspecified) or points highest first (ranking.go).
	Order pb.PairOrder
}

// List returns a page of the pairs the caller may see matching f, in id
// order or f.Order. Returns Invalid.
func (s *Service) List(_ context.Context, who auth.Claims, f ListFilter, size int32, token string) ([]*pb.Pair, string, int, error) {
	var v apperr.Validator
	if f.JobID != "" {
		jobs.CheckID(&v, "job_id", f.JobID)
	}
	if f.ParticipantID != "" && !ids.Valid(f.ParticipantID) {
		v.Add("participant_id", "is not an id")
	}
	if f.VolunteerID != "" && !ids.Valid(f.VolunteerID) {
		v.Add("volunteer_id", "is not an id")
	}
	if f.MunicipalityCode != "" && !municipality.Valid(f.MunicipalityCode) {
		v.Add("municipality_code", "is not an SCB municipality code")
	}
	for k, st := range f.Statuses {
		if _, ok := eventsv1.PairStatus_name[int32(st)]; !ok || st == 0 {
			v.Add(fmt.Sprintf("statuses[%d]", k), "is not a pair status")
		}
	}
	if f.FlagAfterWeeks < 0 || f.FlagAfterWeeks > 52 {
		v.Add("flag_after_weeks", "must be from 0 to 52")
	}
	// endedKey names the bound in the count's key: a list of the pairs
	// ended since a fixed moment changes only with the index.
	var endedAfter time.Time
	endedKey := ""
	if f.EndedAfter != nil {
		endedAfter = f.EndedAfter.AsTime()
		endedKey = endedAfter.Format(time.RFC3339Nano)
		if f.EndedAfter.CheckValid() != nil || endedAfter.After(s.now()) {
			v.Add("ended_after", "must be a valid time, not in the future")
		}
	}
	limit, after, order := checkOrder(&v, f.Order, size, token)
	if err := v.Err(); err != nil {
		return nil, "", 0, err
	}
	q := store.Query[*pb.Pair]{After: after, Limit: limit, Order: order}
	switch {
	case f.JobID != "":
		q.Index, q.Values = "job", []string{f.JobID}
	case f.ParticipantID != "":
		q.Index, q.Values = "participant", []string{f.ParticipantID}
	case f.VolunteerID != "":
		q.Index, q.Values = "volunteer", []string{f.VolunteerID}
	}
	q.Filter = func(p *pb.Pair) bool {
		if !canSee(who, p) ||
			(f.JobID != "" && p.GetJobId() != f.JobID) ||
			(f.ParticipantID != "" && p.GetParticipantId() != f.ParticipantID) ||
			(f.VolunteerID != "" && p.GetVolunteerId() != f.VolunteerID) ||
			(f.MunicipalityCode != "" && p.GetMunicipalityCode() != f.MunicipalityCode) ||
			(len(f.Statuses) > 0 && !slices.Contains(f.Statuses, p.GetStatus())) ||
			(f.EndedAfter != nil && (p.GetEndTime() == nil || p.GetEndTime().AsTime().Before(endedAfter))) {
			return false
		}
		return !f.OnlyNeedingFollowUp || s.view(p, int(f.FlagAfterWeeks)).GetNeedsFollowUp()
	}
	// The total is counted once per version of the index for this scope
	// and filter (store.FindCounted). Follow-up depends on the clock, so
	// a list of those is counted every time.
	key := ""
	if !f.OnlyNeedingFollowUp {
		key = fmt.Sprintf("%s|%s|%q|%s|%s|%s|%s|%v|%s", who.Role, who.Organisation, who.Municipalities,
			f.JobID, f.MunicipalityCode, f.ParticipantID, f.VolunteerID, f.Statuses, endedKey)
	}
	found, err := s.repo.FindCounted(key, q)
	if err != nil {
		return nil, "", 0, err
	}
	out := make([]*pb.Pair, len(found.Items))
	for k, p := range found.Items {
		out[k] = s.view(p, int(f.FlagAfterWeeks))
	}
	return out, encodeToken(order, found.Next), found.Total, nil
}

// Approve approves a proposal and offers it to both people until the
// offer expires. Sent again on the offered pair (a retry whose answer was
// lost) it stands: OK with the pair, nothing written (the kit, ADR 0273).
// Returns Invalid, NotFound, FailedPrecondition.
func (s *Service) Approve(ctx context.Context, who auth.Claims, id string) (*pb.Pair, error) {
	return s.viewed(s.life.Approve(ctx, who, id))
}

// viewed returns the view of a pair the kit returned.
func (s *Service) viewed(p *pb.Pair, err error) (*pb.Pair, error) {
	if err != nil {
		return nil, err
	}
	return s.view(p, 0), nil
}

// Reject rejects a proposal with a reason; the same reject again stands
// (holds). Returns Invalid, NotFound, FailedPrecondition.
func (s *Service) Reject(ctx context.Context, who auth.Claims, id string, reason eventsv1.RejectReason) (*pb.Pair, error) {
	if _, ok := eventsv1.RejectReason_name[int32(reason)]; !ok || reason == 0 {
		return nil, apperr.FieldError("reason", "is required: a reject reason")
	}
	return s.viewed(s.life.Reject(ctx, who, id, int32(reason)))
}

// Replace replaces the mentor of a proposal by one of its alternatives:
// the old proposal becomes replaced and a new one is made. Repeating the
// call after a failure half-way returns the same new proposal. Returns
// Invalid, NotFound, FailedPrecondition.
func (s *Service) Replace(ctx context.Context, who auth.Claims, id, mentor string) (*pb.Pair, *pb.Pair, error) {
	if err := canAct(who); err != nil {
		return nil, nil, err
	}
	var v apperr.Validator
	if !ids.Valid(id) {
		v.Add("id", "is not an id")
	}
	if !ids.Valid(mentor) {
		v.Add("volunteer_id", "is not an id")
	}
	if err := v.Err(); err != nil {
		return nil, nil, err
	}
	cur, _, err := s.repo.Get(ctx, id)
	if err != nil || !canSee(who, cur) {
		return nil, nil, errPairNotFound
	}
	newID := PairID(cur.GetParticipantId(), mentor)
	resumed := cur.GetStatus() == eventsv1.PairStatus_PAIR_STATUS_REPLACED && cur.GetReplacedBy() == newID
	var alt *pb.Candidate
	for _, c := range cur.GetAlternatives() {
		if c.GetVolunteerId() == mentor {
			alt = c
		}
	}
	if !resumed {
		switch {
		case cur.GetStatus() != eventsv1.PairStatus_PAIR_STATUS_PROPOSED:
			return nil, nil, apperr.Errorf(apperr.FailedPrecondition, "only a proposed pair can have its candidate replaced; this one is %s", proposal.Status(cur.GetStatus()))
		case alt == nil:
			return nil, nil, apperr.FieldError("volunteer_id", "is not one of the proposal's alternatives")
		}
		capacity, ok := s.mentorCapacity(mentor, cur.GetOrganisationId())
		if !ok {
			return nil, nil, apperr.Errorf(apperr.FailedPrecondition, "the mentor is no longer in the mentoring pool")
		}
		if len(s.livePairs("volunteer", mentor)) >= capacity {
			return nil, nil, apperr.Errorf(apperr.FailedPrecondition, "the mentor has no free slot")
		}
		// The bucket, not the index, says whether the pair exists (it has
		// one id whoever proposed it); the index also knows pairs with
		// ids from before that scheme.
		switch _, _, gerr := s.repo.Get(ctx, newID); {
		case gerr == nil:
			return nil, nil, apperr.Errorf(apperr.FailedPrecondition, "these two have been proposed to each other before")
		case apperr.ErrorCode(gerr) != apperr.NotFound:
			return nil, nil, gerr
		}
		if page, _ := s.repo.Find(store.Query[*pb.Pair]{Index: "pairkey", Values: []string{rules.PairKey(cur.GetParticipantId(), mentor)}}); page.Total > 0 {
			return nil, nil, apperr.Errorf(apperr.FailedPrecondition, "these two have been proposed to each other before")
		}
		old, err := s.life.Transition(ctx, who, id, func(_ *pb.Pair, st *proposal.State, _ time.Time) (proposal.Step, error) {
			if err := st.Replace(); err != nil {
				return proposal.Step{}, err
			}
			return proposal.Step{Kind: proposal.KindReplaced, Related: newID}, nil
		})
		if err != nil {
			return nil, nil, err
		}
		cur = old
	}
	if existing, _, err := s.repo.Get(ctx, newID); err == nil {
		return s.view(existing, 0), s.view(cur, 0), nil
	}
	if alt == nil {
		return nil, nil, apperr.Errorf(apperr.FailedPrecondition, "the replacement is no longer among the alternatives")
	}
	now := s.now().UTC()
	p := &pb.Pair{
		Id: newID, JobId: cur.GetJobId(), OrganisationId: cur.GetOrganisationId(), MunicipalityCode: cur.GetMunicipalityCode(),
		ParticipantId: cur.GetParticipantId(), VolunteerId: mentor, Status: eventsv1.PairStatus_PAIR_STATUS_PROPOSED,
		Score: alt.GetScore(), ScoreParts: alt.GetParts(), RulesVersion: cur.GetRulesVersion(),
		ProposeTime: timestamppb.New(now), Replaces: cur.GetId(), UpdatedBy: who.Subject,
		ParticipantGender: cur.GetParticipantGender(), ParticipantLanguage: cur.GetParticipantLanguage(),
		ParticipantRegisterTime: cur.GetParticipantRegisterTime(),
	}
	// The replaced mentor becomes an alternative in turn.
	p.Alternatives = append(p.Alternatives, &pb.Candidate{VolunteerId: cur.GetVolunteerId(), Score: cur.GetScore(), Parts: cur.GetScoreParts()})
	for _, c := range cur.GetAlternatives() {
		if c.GetVolunteerId() != mentor && len(p.Alternatives) < Alternatives {
			p.Alternatives = append(p.Alternatives, c)
		}
	}
	got, _, err := s.life.Propose(ctx, newID, p, cur.GetId())
	if err != nil {
		return nil, nil, err
	}
	// The mentor may have left (or been erased) after the pool check
	// above, and their leaver, searching before this pair was there,
	// missed it: check again and clean up after them, as a job's
	// proposal does.
	switch gone, err := s.checked().AnyGone(ctx, got); {
	case err != nil:
		return nil, nil, err
	case gone:
		if err := s.checked().LeaveGone(ctx, got); err != nil {
			return nil, nil, err
		}
		return nil, nil, apperr.Errorf(apperr.FailedPrecondition, "the mentor or the newcomer left the mentoring pool meanwhile")
	}
	return s.view(got, 0), s.view(cur, 0), nil
}

// Accept records that party accepted the offer. The kit's acceptance that
// completes the pair first takes a slot of the mentor and the newcomer's
// single place (compare-and-set counters, so concurrent accepts on any
// replicas never oversell), then marks the pair active; without a free
// slot it fails and nothing is recorded. The party's acceptance sent
// again while it is stored (offered, or active) stands: OK, nothing
// written. Returns Invalid, NotFound, FailedPrecondition (expired, no
// slot, not offered).
func (s *Service) Accept(ctx context.Context, who auth.Claims, id string, party eventsv1.Party) (*pb.Pair, error) {
	if err := canAct(who); err != nil {
		return nil, err
	}
	var v apperr.Validator
	if !ids.Valid(id) {
		v.Add("id", "is not an id")
	}
	if party != eventsv1.Party_PARTY_NEWCOMER && party != eventsv1.Party_PARTY_MENTOR {
		v.Add("party", "is required: newcomer or mentor")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return s.viewed(s.life.Accept(ctx, who, id, partyName(party)))
}

// Decline records that party declined the offer, with a reason; the same
// party's decline for the same reason again stands (holds). Returns
// Invalid, NotFound, FailedPrecondition.
func (s *Service) Decline(ctx context.Context, who auth.Claims, id string, party eventsv1.Party, reason eventsv1.DeclineReason) (*pb.Pair, error) {
	var v apperr.Validator
	if party != eventsv1.Party_PARTY_NEWCOMER && party != eventsv1.Party_PARTY_MENTOR {
		v.Add("party", "is required: newcomer or mentor")
	}
	if _, ok := eventsv1.DeclineReason_name[int32(reason)]; !ok || reason == 0 {
		v.Add("reason", "is required: a decline reason")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return s.viewed(s.life.Decline(ctx, who, id, partyName(party), int32(reason)))
}

// CheckIn records a follow-up of an active pair. Returns Invalid, NotFound,
// FailedPrecondition.
func (s *Service) CheckIn(ctx context.Context, who auth.Claims, id string, c *pb.CheckIn) (*pb.Pair, error) {
	if err := canAct(who); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	var v apperr.Validator
	if !ids.Valid(id) {
		v.Add("id", "is not an id")
	}
	if c == nil {
		v.Add("check_in", "is required")
		return nil, v.Err()
	}
	// Days are Sweden's (calendar.Day, ADR 0207): a check-in dated today,
	// recorded at 00:30 in Stockholm while UTC still has yesterday, is
	// not in the future.
	day, err := time.Parse(time.DateOnly, c.GetDate())
	if err != nil || day.After(calendar.Day(now)) {
		v.Add("check_in.date", "must be a date (YYYY-MM-DD), not in the future")
	}
	if c.GetRequestId() != "" && !ids.Valid(c.GetRequestId()) {
		v.Add("check_in.request_id", "must be 1 to 64 letters, digits, '-' or '_'")
	}
	if _, ok := pb.CheckInRating_name[int32(c.GetRating())]; !ok {
		v.Add("check_in.rating", "is not a rating")
	}
	if len(c.GetActivities()) > 6 {
		v.Add("check_in.activities", "may list at most 6 activities")
	}
	for k, a := range c.GetActivities() {
		if _, ok := pb.CheckInActivity_name[int32(a)]; !ok || a == 0 {
			v.Add(fmt.Sprintf("check_in.activities[%d]", k), "is not an activity")
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	var ev *eventsv1.Envelope
	out, _, err := s.repo.Update(ctx, id, func(p *pb.Pair, _ uint64) (store.Change, error) {
		if !canSee(who, p) {
			return nil, errPairNotFound
		}
		if rid := c.GetRequestId(); rid != "" && slices.ContainsFunc(p.GetCheckIns(), func(x *pb.CheckIn) bool { return x.GetRequestId() == rid }) {
			return nil, nil // a retry: recorded already
		}
		if p.GetStatus() != eventsv1.PairStatus_PAIR_STATUS_ACTIVE {
			return nil, apperr.Errorf(apperr.FailedPrecondition, "only an active pair has check-ins; this one is %s", proposal.Status(p.GetStatus()))
		}
		if day.Before(calendar.Day(p.GetActiveTime().AsTime())) {
			return nil, apperr.FieldError("check_in.date", "is before the pair became active")
		}
		if len(p.GetCheckIns()) >= maxCheckIns {
			return nil, apperr.Errorf(apperr.FailedPrecondition, "the pair has %d check-ins, the most kept", maxCheckIns)
		}
		rec := &pb.CheckIn{Date: c.GetDate(), Met: c.GetMet(), Rating: c.GetRating(), Activities: c.GetActivities(),
			RecordedBy: who.Subject, RecordTime: timestamppb.New(now), RequestId: c.GetRequestId()}
		p.CheckIns = append(p.CheckIns, rec)
		// Keep check-ins in date order, whatever order they are recorded in.
		slices.SortStableFunc(p.CheckIns, func(a, b *pb.CheckIn) int {
			if a.GetDate() < b.GetDate() {
				return -1
			}
			if a.GetDate() > b.GetDate() {
				return 1
			}
			return 0
		})
		p.UpdatedBy = who.Subject
		var err error
		evID := s.ids.New()
		if c.GetRequestId() != "" {
			evID = proposal.ID(p.GetId(), "check-in", c.GetRequestId())
		}
		ev, err = events.NewEnvelope(evID, events.PairCheckedIn, p.GetId(), now,
			&eventsv1.MentoringCheckInRecorded{Facts: facts(p), Date: c.GetDate(), Met: c.GetMet()})
		if err != nil {
			return nil, err
		}
		return store.Change{ev}, nil
	})
	if err != nil {
		return nil, notFound(err)
	}
	return s.view(out, 0), nil
}

// End ends an active pair and frees both people's slots; an end for the
// reason the pair ended with stands (holds), another is refused. Returns
// Invalid, NotFound, FailedPrecondition.
func (s *Service) End(ctx context.Context, who auth.Claims, id string, reason eventsv1.EndReason) (*pb.Pair, error) {
	if _, ok := eventsv1.EndReason_name[int32(reason)]; !ok || reason == 0 {
		return nil, apperr.FieldError("reason", "is required: an end reason")
	}
	return s.viewed(s.life.End(ctx, who, id, int32(reason)))
}
