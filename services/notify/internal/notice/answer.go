package notice

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/motesplats/motesplats/pkg/apperr"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/notify/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/services/notify/internal/catalog"
)

// ErrRateLimited is returned when link look-ups come too fast: for one
// link, or tokens that fail their signature check, for everyone.
var ErrRateLimited = errors.New("too many attempts; try again in a minute")

// newLink stores an answer link for m and returns its URL. Only the hash
// of the token's random part is stored.
func (s *Service) newLink(ctx context.Context, m *pb.StoredMessage, lang string, expire time.Time) (string, error) {
	token, id, err := s.d.Keys.New()
	if err != nil {
		return "", err
	}
	now := timestamppb.New(s.d.Now().UTC())
	tpl := m.GetTemplate()
	if tpl == pb.Template_TEMPLATE_RSVP_REMINDER {
		tpl = offerTemplate(m.GetProgramme(), m.GetRole()) // the page shows the offer itself
	}
	l := &pb.StoredLink{Id: id, PersonId: m.GetPersonId(), Volunteer: m.GetVolunteer(), Role: m.GetRole(),
		Programme: m.GetProgramme(), ProposalId: m.GetProposalId(), OrganisationId: m.GetOrganisationId(),
		MunicipalityCode: m.GetMunicipalityCode(), Template: tpl, MessageId: m.GetId(), Language: lang,
		ExpireTime: timestamppb.New(expire.UTC()), CreateTime: now}
	if _, err := s.d.Links.Create(ctx, id, l); err != nil {
		return "", Temporary("store link: " + string(apperr.ErrorCode(err)))
	}
	return s.d.BaseURL + "/a/" + token, nil
}

// offerTemplate is the offer a reminder's link answers.
func offerTemplate(p pb.Programme, r pb.Role) pb.Template {
	switch {
	case p == pb.Programme_PROGRAMME_MENTORING && r == pb.Role_ROLE_MENTOR:
		return pb.Template_TEMPLATE_MENTEE_OFFER
	case p == pb.Programme_PROGRAMME_MENTORING:
		return pb.Template_TEMPLATE_MENTOR_OFFER
	case p == pb.Programme_PROGRAMME_DINNERS && r == pb.Role_ROLE_HOST:
		return pb.Template_TEMPLATE_DINNER_GUEST_PROPOSED
	case p == pb.Programme_PROGRAMME_DINNERS:
		return pb.Template_TEMPLATE_DINNER_INVITATION
	}
	return pb.Template_TEMPLATE_GUIDE_ASSIGNED
}

// Resolution is what ResolveLink says about a link.
type Resolution struct {
	State    pb.LinkState
	Language string
	RTL      bool
	Reviewed bool
	Offer    *pb.Offer
	Actions  []pb.AnswerAction
	Reasons  []pb.DeclineReason
}

// actions lists what a person may answer to a template, and the decline
// reasons their programme accepts.
func actions(l *pb.StoredLink) ([]pb.AnswerAction, []pb.DeclineReason) {
	accept, decline := pb.AnswerAction_ANSWER_ACTION_ACCEPT, pb.AnswerAction_ANSWER_ACTION_DECLINE
	switch l.GetTemplate() {
	case pb.Template_TEMPLATE_DINNER_CONFIRMED, pb.Template_TEMPLATE_DINNER_REMINDER:
		return []pb.AnswerAction{pb.AnswerAction_ANSWER_ACTION_CANNOT_COME}, nil
	}
	switch l.GetProgramme() {
	case pb.Programme_PROGRAMME_MENTORING:
		return []pb.AnswerAction{accept, decline}, []pb.DeclineReason{pb.DeclineReason_DECLINE_REASON_NO_TIME,
			pb.DeclineReason_DECLINE_REASON_LANGUAGE, pb.DeclineReason_DECLINE_REASON_DISTANCE,
			pb.DeclineReason_DECLINE_REASON_NOT_INTERESTED, pb.DeclineReason_DECLINE_REASON_OTHER}
	case pb.Programme_PROGRAMME_DINNERS:
		if l.GetRole() == pb.Role_ROLE_HOST {
			// "Too far away" and "the food or the home does not suit me"
			// are a guest's reasons: the dinner is at the host's home.
			return []pb.AnswerAction{accept, decline}, []pb.DeclineReason{pb.DeclineReason_DECLINE_REASON_DATE,
				pb.DeclineReason_DECLINE_REASON_ILLNESS, pb.DeclineReason_DECLINE_REASON_NOT_INTERESTED,
				pb.DeclineReason_DECLINE_REASON_OTHER}
		}
		return []pb.AnswerAction{accept, decline}, []pb.DeclineReason{pb.DeclineReason_DECLINE_REASON_DATE,
			pb.DeclineReason_DECLINE_REASON_DISTANCE, pb.DeclineReason_DECLINE_REASON_ILLNESS,
			pb.DeclineReason_DECLINE_REASON_HOUSEHOLD, pb.DeclineReason_DECLINE_REASON_NOT_INTERESTED,
			pb.DeclineReason_DECLINE_REASON_OTHER}
	}
	return []pb.AnswerAction{accept, decline}, nil // guides ask no reason
}

// lookup checks the token and the rate limits and loads its link. A token
// this service did not issue, or whose link was erased, is INVALID; so is
// a link whose person the register no longer knows (erased, and the
// erasure not yet here: notify's consumer behind or down), with no link
// returned, so nothing of it (its language) reaches the page and it reads
// as a token never issued (ADR 0187). me is the person, or nil when the
// register could not be read (the link's state then stands as stored).
// The link is read from the bucket, never decided from this replica's
// index. Returns ErrRateLimited, or Unavailable when the bucket cannot be
// read.
func (s *Service) lookup(ctx context.Context, token string) (*pb.StoredLink, *Person, pb.LinkState, error) {
	id, ok := s.d.Keys.Check(token)
	if !ok {
		if !s.limiter.allow("invalid", 20, time.Second) {
			return nil, nil, 0, ErrRateLimited
		}
		return nil, nil, pb.LinkState_LINK_STATE_INVALID, nil
	}
	if !s.allowLink(ctx, id) {
		return nil, nil, 0, ErrRateLimited
	}
	// The bucket, not this replica's index: the index learns of a link
	// another replica made, or of a claim it released, only when its watch
	// brings it, and after NATS restarts that watch is made again only
	// after two missed heartbeats (10-20 s). A link read from the index
	// alone then said INVALID, a 404 "this link does not work" to a person
	// holding a real offer (ADR 0198). Get asks the stream's leader when a
	// replica of the bucket has nothing; when the bucket cannot be read the
	// answer is "try again" (Unavailable), never "no such link".
	l, _, err := s.d.Links.Get(ctx, id)
	switch code := apperr.ErrorCode(err); {
	case code == apperr.NotFound:
		// Erased, or never stored: the bucket's leader agrees.
		return nil, nil, pb.LinkState_LINK_STATE_INVALID, nil
	case err != nil:
		s.d.Logger.Warn("notify: answer link unreadable; the person is asked to try again", "code", string(code))
		return nil, nil, 0, apperr.Errorf(apperr.Unavailable, "the link cannot be read right now; try again in a moment")
	}
	var me *Person
	switch p, err := s.d.Directory.Person(ctx, l.GetPersonId(), l.GetVolunteer()); {
	case apperr.ErrorCode(err) == apperr.NotFound:
		return nil, nil, pb.LinkState_LINK_STATE_INVALID, nil
	case err == nil:
		me = &p
	}
	switch {
	case l.GetUsedTime() != nil:
		return l, me, pb.LinkState_LINK_STATE_USED, nil
	case !l.GetExpireTime().AsTime().After(s.d.Now()):
		return l, me, pb.LinkState_LINK_STATE_EXPIRED, nil
	}
	return l, me, pb.LinkState_LINK_STATE_VALID, nil
}

// ResolveLink says what token offers, under minimum disclosure, read
// afresh from the programme. Returns ErrRateLimited, or Unavailable when
// the programme cannot be read.
func (s *Service) ResolveLink(ctx context.Context, token string) (Resolution, error) {
	l, me, state, err := s.lookup(ctx, token)
	if err != nil {
		return Resolution{}, err
	}
	r := Resolution{State: state}
	if l == nil {
		return r, nil
	}
	r.Language, r.RTL, r.Reviewed = l.GetLanguage(), s.d.Catalog.RTL(l.GetLanguage()), s.d.Catalog.Reviewed(l.GetLanguage())
	if state != pb.LinkState_LINK_STATE_VALID {
		return r, nil
	}
	if me == nil {
		return Resolution{}, apperr.Errorf(apperr.Unavailable, "the offer cannot be read right now")
	}
	m := &pb.StoredMessage{PersonId: l.GetPersonId(), Volunteer: l.GetVolunteer(), Role: l.GetRole(),
		Programme: l.GetProgramme(), ProposalId: l.GetProposalId(), Template: l.GetTemplate()}
	d := catalog.Data{FirstName: me.FirstName}
	var named string // the answer page is shown, not stored
	answerBy, ok, err := s.facts(ctx, m, &d, &named)
	if err != nil {
		return Resolution{}, apperr.Errorf(apperr.Unavailable, "the offer cannot be read right now")
	}
	if !ok {
		r.State = pb.LinkState_LINK_STATE_WITHDRAWN
		return r, nil
	}
	kind := kinds[l.GetTemplate()]
	summary, err := s.d.Catalog.Summary(l.GetLanguage(), kind, d)
	if err != nil {
		return Resolution{}, err
	}
	r.Offer = &pb.Offer{Programme: l.GetProgramme(), Role: l.GetRole(), Template: l.GetTemplate(),
		CounterpartFirstName: d.Counterpart, PartySize: int32(d.PartySize), MunicipalityCode: l.GetMunicipalityCode(),
		Address: d.Address, OrganisationName: d.Organisation, Summary: summary}
	for _, x := range d.Diets {
		r.Offer.Diets = append(r.Offer.Diets, typev1.Diet(x))
	}
	if !r.Reviewed {
		if r.Offer.SummarySv, err = s.d.Catalog.Summary("sv", kind, d); err != nil {
			return Resolution{}, err
		}
	}
	if !answerBy.IsZero() {
		r.Offer.AnswerBy = timestamppb.New(answerBy)
	} else {
		r.Offer.AnswerBy = l.GetExpireTime()
	}
	if t, ok := dinnerStart(d.Date, d.Time, s.d.Quiet.Location); ok {
		r.Offer.StartTime = timestamppb.New(t)
	}
	r.Actions, r.Reasons = actions(l)
	return r, nil
}

// dinnerStart combines a dinner's date and start time in local time.
func dinnerStart(date, clock string, loc *time.Location) (time.Time, bool) {
	if date == "" {
		return time.Time{}, false
	}
	if clock == "" {
		clock = "00:00"
	}
	t, err := time.ParseInLocation("2006-01-02 15:04", date+" "+clock, loc)
	return t, err == nil
}

// errUsed and errExpired end an answer's claim on its link.
var (
	errUsed    = errors.New("used")
	errExpired = errors.New("expired")
)

// Outcome is what Answer did.
type Outcome struct {
	Outcome  pb.AnswerOutcome
	State    pb.LinkState
	Language string
	RTL      bool
}

// Answer applies a person's answer through the programme's own RPC, once:
// the link is claimed by compare-and-set before the call and released
// again if the programme could not be reached, so a second answer (a
// double click, a replayed request) changes nothing. The claim stays
// pending until the programme has answered, so an answer a crash cut off
// after its claim is applied by the sweep (RecoverAnswers). Returns Invalid for
// an action or reason the link does not offer, ErrRateLimited, or
// Unavailable when the programme cannot be reached.
func (s *Service) Answer(ctx context.Context, token string, action pb.AnswerAction, reason pb.DeclineReason) (Outcome, error) {
	l, _, state, err := s.lookup(ctx, token)
	if err != nil {
		return Outcome{}, err
	}
	out := Outcome{Outcome: pb.AnswerOutcome_ANSWER_OUTCOME_NOT_APPLIED, State: state}
	if l == nil {
		return out, nil
	}
	out.Language, out.RTL = l.GetLanguage(), s.d.Catalog.RTL(l.GetLanguage())
	if state != pb.LinkState_LINK_STATE_VALID {
		return out, nil
	}
	acts, reasons := actions(l)
	var v apperr.Validator
	if !containsAction(acts, action) {
		v.Add("action", "is not an answer this link offers")
	}
	if action == pb.AnswerAction_ANSWER_ACTION_DECLINE && len(reasons) > 0 && !containsReason(reasons, reason) {
		v.Add("reason", "is required when declining, and must be one of the link's decline reasons")
	}
	if action != pb.AnswerAction_ANSWER_ACTION_DECLINE && reason != 0 {
		v.Add("reason", "is only given when declining")
	}
	if err := v.Err(); err != nil {
		return Outcome{}, err
	}
	now := s.d.Now().UTC()
	claim := func(cur *pb.StoredLink, _ uint64) (store.Change, error) {
		switch {
		case cur.GetUsedTime() != nil:
			return nil, errUsed
		case !cur.GetExpireTime().AsTime().After(now):
			return nil, errExpired
		}
		cur.UsedTime, cur.Answer = timestamppb.New(now), action
		cur.Pending, cur.Reason = true, reason
		return nil, nil
	}
	switch _, _, err := s.d.Links.Update(ctx, l.GetId(), claim); {
	case errors.Is(err, errUsed):
		out.State = pb.LinkState_LINK_STATE_USED
		return out, nil
	case errors.Is(err, errExpired):
		out.State = pb.LinkState_LINK_STATE_EXPIRED
		return out, nil
	case apperr.ErrorCode(err) == apperr.NotFound:
		out.State = pb.LinkState_LINK_STATE_INVALID
		return out, nil
	case err != nil:
		return Outcome{}, fmt.Errorf("claim link: %w", err)
	}
	err = s.apply(ctx, l, action, reason)
	// The bookkeeping after the call must not be cut short by the person
	// closing the page: the claim would stay pending for the sweep.
	bg := context.WithoutCancel(ctx)
	switch apperr.ErrorCode(err) {
	case "":
		s.settle(bg, l.GetId())
		out.State = pb.LinkState_LINK_STATE_USED
		out.Outcome = pb.AnswerOutcome_ANSWER_OUTCOME_DECLINED
		if action == pb.AnswerAction_ANSWER_ACTION_ACCEPT {
			out.Outcome = pb.AnswerOutcome_ANSWER_OUTCOME_ACCEPTED
		}
		return out, nil
	case apperr.FailedPrecondition, apperr.NotFound:
		// The proposal moved on (expired, withdrawn, decided): the link
		// stays used, and the page says so.
		s.settle(bg, l.GetId())
		out.State = pb.LinkState_LINK_STATE_WITHDRAWN
		return out, nil
	}
	// Not applied: release the link so the person can try again.
	if _, _, rerr := s.d.Links.Update(bg, l.GetId(), func(cur *pb.StoredLink, _ uint64) (store.Change, error) {
		cur.UsedTime, cur.Answer, cur.Pending, cur.Reason = nil, 0, false, 0
		return nil, nil
	}); rerr != nil {
		s.d.Logger.Error("notify: release link", "err", rerr)
	}
	if apperr.ErrorCode(err) == apperr.Invalid {
		return Outcome{}, apperr.Errorf(apperr.Invalid, "the programme did not accept this answer")
	}
	return Outcome{}, apperr.Errorf(apperr.Unavailable, "the answer could not be recorded right now; try again")
}

func containsAction(xs []pb.AnswerAction, x pb.AnswerAction) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func containsReason(xs []pb.DeclineReason, x pb.DeclineReason) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// Link look-up limits (ADR 0106).
const (
	// LinkAttempts look-ups of one link are allowed per LinkPeriod, by
	// all replicas together when a shared Limiter is set.
	LinkAttempts = 20
	LinkPeriod   = time.Minute
)

// allowLink counts one look-up of link id: across replicas with the
// shared limiter, and always on this replica too. When the shared count
// cannot be kept (NATS trouble) the replica's own count decides: the limit
// fails open to the per-replica limit, never to none, and a person is not
// locked out of their answer because the counter store is unwell.
func (s *Service) allowLink(ctx context.Context, id string) bool {
	local := s.limiter.allow(id, LinkAttempts, LinkPeriod)
	if s.d.Limiter == nil {
		return local
	}
	ok, err := s.d.Limiter.Allow(ctx, "link/"+id, LinkAttempts, LinkPeriod)
	if err != nil {
		s.d.Logger.Warn("notify: shared rate limit unavailable; this replica's count decides", "err", err)
		return local
	}
	return ok && local
}

// limiter is a fixed-window counter per key: enough to stop a script
// hammering one link or guessing tokens, and cheap. Each replica counts on
// its own; the per-link limit is also shared (allowLink).
type limiter struct {
	now func() time.Time
	mu  sync.Mutex
	win map[string]window
}

type window struct {
	start time.Time
	n     int
}

func newLimiter(now func() time.Time) *limiter {
	return &limiter{now: now, win: map[string]window{}}
}

// allow counts one attempt on key and reports whether it is within n per
// period.
func (l *limiter) allow(key string, n int, period time.Duration) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if len(l.win) > 100_000 { // forget old windows rather than grow
		for k, w := range l.win {
			if now.Sub(w.start) > time.Hour {
				delete(l.win, k)
			}
		}
	}
	w := l.win[key]
	if now.Sub(w.start) >= period {
		w = window{start: now}
	}
	w.n++
	l.win[key] = w
	return w.n <= n
}
