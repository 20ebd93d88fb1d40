package core

import (
	"context"
	"slices"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/auth"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	"github.com/motesplats/motesplats/services/gateway/internal/audit"
)

// PairStep is one step of a pair's life for its history (issue 12: "who
// did what, when"): the time the mentoring service recorded and the user
// the audit log names for it.
type PairStep struct {
	// Step names it: proposed, offered, accepted_newcomer,
	// accepted_mentor, active, check_in, rejected, declined, expired,
	// withdrawn, replaced, ended.
	Step string
	Time time.Time
	// ByUser is set for a step a user takes (approve, accept, check in,
	// end); the others the system takes (a job proposes, an offer expires).
	ByUser bool
	// UserName is who took the step, empty when the system did or the log
	// has no entry for it.
	UserName string
	// UserErased is set when the user who took the step has been erased
	// since (ADR 0201): the page says "raderad användare" where the name
	// was.
	UserErased bool
	// ByLink is the party ("newcomer", "mentor") who answered through
	// the answer link in their message, for an accept or decline step
	// that took no user of the gateway: such an answer has no user to
	// name, and the page says whose link it was instead (no personal
	// data: the role, not the person).
	ByLink string
	// CheckIn is the check-in of a check_in step.
	CheckIn *mentoringv1.CheckIn
}

// maxHistoryCheckIns bounds the check-ins a history names users for: each
// costs a look into the audit log.
const maxHistoryCheckIns = 50

// PairHistory returns a pair with both names and its steps, oldest first.
// Returns NotFound when the caller may not see the pair, Unavailable when
// the mentoring service is not configured.
func (g *Gateway) PairHistory(ctx context.Context, c Caller, id string) (*gatewayv1.PairView, []PairStep, error) {
	v, err := g.GetPair(ctx, c, id)
	if err != nil {
		return nil, nil, err
	}
	p := v.GetPair()
	var steps []PairStep
	last := lastChange(p)
	add := func(step string, t *timestamppb.Timestamp, action string) {
		if t == nil {
			return
		}
		s := PairStep{Step: step, Time: t.AsTime(), ByUser: action != ""}
		party := answeringParty(p, step)
		switch by := answeredBy(p, party); {
		case action == "":
		case by == auth.AnswerLinkSubject:
			// The pair says who recorded the answer (docs/adr/0094).
			s.ByLink = party
		case by != "":
			s.UserName, s.UserErased = g.userOrErased(ctx, by)
		default:
			// Recorded before the pair kept it: inferred (docs/adr/0097).
			var searched bool
			var who string
			who, searched = g.whoDid(ctx, id, action, s.Time)
			s.UserName, s.UserErased = g.userOrErased(ctx, who)
			if party != "" && s.UserName == "" && !s.UserErased && answeredByLink(p.GetUpdatedBy(), s.Time.Equal(last), searched) {
				s.ByLink = party
			}
		}
		steps = append(steps, s)
	}
	add("proposed", p.GetProposeTime(), "")
	add("offered", p.GetOfferTime(), "approve")
	add("accepted_newcomer", p.GetNewcomerAcceptTime(), "accept")
	add("accepted_mentor", p.GetMentorAcceptTime(), "accept")
	add("active", p.GetActiveTime(), "")
	cis := p.GetCheckIns()
	if len(cis) > maxHistoryCheckIns {
		cis = cis[len(cis)-maxHistoryCheckIns:]
	}
	for _, ci := range cis {
		st := PairStep{Step: "check_in", Time: ci.GetRecordTime().AsTime(), ByUser: true, CheckIn: ci}
		st.UserName, st.UserErased = g.userOrErased(ctx, ci.GetRecordedBy())
		steps = append(steps, st)
	}
	switch p.GetStatus() {
	case eventsv1.PairStatus_PAIR_STATUS_REJECTED:
		add("rejected", p.GetDecideTime(), "reject")
	case eventsv1.PairStatus_PAIR_STATUS_DECLINED:
		add("declined", p.GetDecideTime(), "decline")
	case eventsv1.PairStatus_PAIR_STATUS_REPLACED:
		add("replaced", p.GetDecideTime(), "replace")
	case eventsv1.PairStatus_PAIR_STATUS_EXPIRED:
		add("expired", p.GetDecideTime(), "")
	case eventsv1.PairStatus_PAIR_STATUS_WITHDRAWN:
		add("withdrawn", p.GetDecideTime(), "")
	}
	add("ended", p.GetEndTime(), "end")
	slices.SortStableFunc(steps, func(a, b PairStep) int { return a.Time.Compare(b.Time) })
	return v, steps, nil
}

// historyWindow is how long after a step's recorded time its audit entry
// may be written: the gateway records the entry once the service replied.
const historyWindow = 30 * time.Second

// UserName returns a user's display name for a history line, or "" when
// the id names no user (a service, a removed account).
func (g *Gateway) UserName(ctx context.Context, id string) string {
	if id == "" {
		return ""
	}
	u, err := g.Accounts.GetUser(ctx, id)
	if err != nil {
		return ""
	}
	return u.GetDisplayName()
}

// WhoDid returns the display name of the user whose audit entry records
// action on pair id closest after t, or "" when none does. It reads only a
// short window of the log after t, never the log since the pair began, so
// a pair page costs the same however busy the gateway has been. Errors of
// the log leave the name out: a page shows the step without it.
func (g *Gateway) WhoDid(ctx context.Context, id, action string, t time.Time) string {
	who, _ := g.whoDid(ctx, id, action, t)
	return g.UserName(ctx, who)
}

// userOrErased is the name of user id, or "" and true when id names a
// user who has been erased (an id in a user's form that no account holds
// any more: the gateway writes only its users' ids where a user acted).
func (g *Gateway) userOrErased(ctx context.Context, id string) (string, bool) {
	if id == "" {
		return "", false
	}
	u, err := g.Accounts.GetUser(ctx, id)
	if err == nil {
		return u.GetDisplayName(), false
	}
	return "", apperr.ErrorCode(err) == apperr.NotFound && userIDForm(id)
}

// userIDForm reports whether id has the form of a gateway user's id (a
// UUID), unlike the services' own subjects ("seed", the answer link's).
func userIDForm(id string) bool {
	if len(id) != 36 {
		return false
	}
	for i, r := range id {
		switch i {
		case 8, 13, 18, 23:
			if r != '-' {
				return false
			}
		default:
			if !strings.ContainsRune("0123456789abcdef", r) {
				return false
			}
		}
	}
	return true
}

// whoDid returns the user id of whoever the log says took the step (see
// WhoDid), and whether the log answered: a name left out because the
// search failed says nothing about who acted.
func (g *Gateway) whoDid(ctx context.Context, id, action string, t time.Time) (who string, searched bool) {
	if t.IsZero() {
		return "", false
	}
	es, _, err := g.Audit.Search(ctx, audit.Query{ResourceID: id, Start: t.Add(-2 * time.Second), End: t.Add(historyWindow), PageSize: 50})
	if err != nil {
		g.Log.WarnContext(ctx, "pair history: audit search", "err", err)
		return "", false
	}
	var best *gatewayv1.AuditEntry
	for _, e := range es {
		if e.GetAction() != action || e.GetOutcome() != "ok" || e.GetResourceId() != id {
			continue
		}
		if best == nil || e.GetTime().AsTime().Sub(t).Abs() < best.GetTime().AsTime().Sub(t).Abs() {
			best = e
		}
	}
	if best == nil {
		return "", true
	}
	return best.GetUserId(), true
}
