package web

import (
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/calendar"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/services/gateway/internal/core"
	"github.com/motesplats/motesplats/services/gateway/internal/localtime"
)

// The pair page (issue 12: pairs could not be followed up in the web app)
// shows a pair's whole history, who did what and when, and offers every
// action its status allows: approve or reject a proposal, record an
// acceptance or a decline taken by phone, record a check-in, end the pair.
// Reject, decline and end ask for the structured reason, never a default.

type pairPage struct {
	View  *gatewayv1.PairView
	Why   []reason
	Steps []core.PairStep
	// What the status allows.
	Proposed, Offered, Active bool
	// NewcomerPending and MentorPending: the party has not accepted yet.
	NewcomerPending, MentorPending bool
	// Today and ActiveDay are a check-in date's bounds as the mentoring
	// service checks it: not after today counted in UTC (it compares the
	// date's midnight UTC with the clock), not before the day the pair
	// became active (ADR 0199).
	Today, ActiveDay              string
	RejectReasons, DeclineReasons []option
	EndReasons, Ratings           []option
	Activities, Parties           []option
	// ParticipantApart and VolunteerApart tell the newcomer and the
	// mentor from their namesakes over the caller's scope, as the
	// matching page's rows do ("registrerad 2026-03-14"; pairsApart, ADR
	// 0209): the page named them unmarked while the list beside it
	// said which.
	ParticipantApart, VolunteerApart string
}

// enumOptions lists an enum's values after UNSPECIFIED as options
// labelled from the catalogue (prefix + the value's name in lower case).
func enumOptions(p *page, names map[int32]string, trim, prefix string) []option {
	var vals []int32
	for v := range names {
		if v != 0 {
			vals = append(vals, v)
		}
	}
	slices.Sort(vals)
	out := make([]option, 0, len(vals))
	for _, v := range vals {
		code := strings.ToLower(strings.TrimPrefix(names[v], trim))
		out = append(out, option{Value: names[v], Label: p.t(prefix + code)})
	}
	return out
}

// activeDay is the day in Sweden of a pair's activation, the first day
// the mentoring service takes a check-in for ("" before it is active).
func activeDay(t *timestamppb.Timestamp) string {
	if t == nil {
		return ""
	}
	return calendar.Today(t.AsTime())
}

func newPairPage(p *page, v *gatewayv1.PairView, steps []core.PairStep) pairPage {
	pr := v.GetPair()
	st := pr.GetStatus()
	return pairPage{
		View: v, Why: explain(p, v), Steps: steps,
		Proposed: st == eventsv1.PairStatus_PAIR_STATUS_PROPOSED, Offered: st == eventsv1.PairStatus_PAIR_STATUS_OFFERED,
		Active: st == eventsv1.PairStatus_PAIR_STATUS_ACTIVE, NewcomerPending: pr.GetNewcomerAcceptTime() == nil,
		MentorPending: pr.GetMentorAcceptTime() == nil, Today: calendar.Today(p.clock()),
		ActiveDay:      activeDay(pr.GetActiveTime()),
		RejectReasons:  enumOptions(p, eventsv1.RejectReason_name, "REJECT_REASON_", "reason.reject."),
		DeclineReasons: enumOptions(p, eventsv1.DeclineReason_name, "DECLINE_REASON_", "reason.decline."),
		EndReasons:     enumOptions(p, eventsv1.EndReason_name, "END_REASON_", "reason.end."),
		Ratings:        enumOptions(p, mentoringv1.CheckInRating_name, "CHECK_IN_RATING_", "checkin.rating."),
		Activities:     enumOptions(p, mentoringv1.CheckInActivity_name, "CHECK_IN_ACTIVITY_", "checkin.activity."),
		Parties:        enumOptions(p, eventsv1.Party_name, "PARTY_", "party."),
	}
}

func (w *Web) pairPage(rw http.ResponseWriter, r *http.Request, p *page) error {
	p.Title, p.Nav = p.t("pair.title"), "matching"
	if d := flashQuery(p, r).Get("done"); d != "" {
		if s := p.t("pair.done." + d); s != "pair.done."+d {
			p.Flash = s
		}
	}
	return w.showPair(rw, r, p, http.StatusOK)
}

func (w *Web) showPair(rw http.ResponseWriter, r *http.Request, p *page, status int) error {
	v, steps, err := w.g.PairHistory(r.Context(), p.caller, r.PathValue("id"))
	if err != nil {
		return err
	}
	pr := v.GetPair()
	ns, err := w.namesakesOf(r.Context(), p, []string{pr.GetParticipantId()}, []string{pr.GetVolunteerId()})
	if err != nil {
		return err
	}
	d := newPairPage(p, v, steps)
	newcomers, mentors := pairsApart(p, []*gatewayv1.PairView{v}, ns)
	d.ParticipantApart, d.VolunteerApart = newcomers[pr.GetParticipantId()], mentors[pr.GetVolunteerId()]
	p.Data = d
	return w.render(rw, p, status, "pair")
}

// pairStep applies one lifecycle action from the pair page and goes back
// to it; a form mistake shows the page again with the error at its field.
func (w *Web) pairStep(rw http.ResponseWriter, r *http.Request, p *page) error {
	p.Title, p.Nav, p.Form = p.t("pair.title"), "matching", r.PostForm
	a, err := pairActionOf(r.PathValue("action"), r.PostForm)
	if err == nil {
		_, err = w.g.ChangePair(r.Context(), p.caller, r.PathValue("id"), a)
		if w.pairResent(r, p, a.Action, err) {
			err = nil // sent twice: the first did it (resent.go)
		}
	}
	if err != nil {
		if formErrors(p, err, pairField) {
			return w.showPair(rw, r, p, http.StatusUnprocessableEntity)
		}
		return err
	}
	http.Redirect(rw, r, withDone(p, "/pairs/"+url.PathEscape(r.PathValue("id")), url.Values{"done": {a.Action}}), http.StatusSeeOther)
	return nil
}

// pairField maps a violation of a pair action to its form field.
func pairField(f string) string {
	f = strings.TrimPrefix(f, "check_in.")
	f, _, _ = strings.Cut(f, "[")
	return f
}

// pairActionOf reads an action's form. Reasons and parties are required:
// a reason is the coordinator's statement, so the form has no default.
func pairActionOf(action string, f url.Values) (core.PairAction, error) {
	a := core.PairAction{Action: action}
	var v apperr.Validator
	// A value the form does not offer is "not a known value", not "is
	// required": unknown names look up as 0, which made the second
	// branch unreachable (ADR 0137).
	enum := func(field string, names map[string]int32) int32 {
		n, ok := names[f.Get(field)]
		switch {
		case f.Get(field) != "" && !ok:
			v.Add(field, "is not a known value")
		case n == 0:
			v.Add(field, "is required")
		}
		return n
	}
	switch action {
	case "approve":
	case "reject":
		a.RejectReason = eventsv1.RejectReason(enum("reason", eventsv1.RejectReason_value))
	case "accept":
		a.Party = eventsv1.Party(enum("party", eventsv1.Party_value))
	case "decline":
		a.Party = eventsv1.Party(enum("party", eventsv1.Party_value))
		a.DeclineReason = eventsv1.DeclineReason(enum("reason", eventsv1.DeclineReason_value))
	case "end":
		a.EndReason = eventsv1.EndReason(enum("reason", eventsv1.EndReason_value))
	case "check_in":
		ci := &mentoringv1.CheckIn{Date: strings.TrimSpace(f.Get("date")), Met: f.Get("met") != "", RequestId: f.Get("request_id")}
		ci.Rating = mentoringv1.CheckInRating(enum("rating", mentoringv1.CheckInRating_value))
		acts := f["activities"]
		if len(acts) > len(mentoringv1.CheckInActivity_name) {
			v.Add("activities", "is listed twice")
			acts = nil
		}
		for _, s := range acts {
			n, ok := mentoringv1.CheckInActivity_value[s]
			if !ok || n == 0 {
				v.Add("activities", "is not a known value")
				continue
			}
			ci.Activities = append(ci.Activities, mentoringv1.CheckInActivity(n))
		}
		a.CheckIn = ci
	default:
		return a, apperr.Errorf(apperr.NotFound, "not found")
	}
	return a, v.Err()
}

// stockholm is the time zone pages show times in: the programme runs in
// Sweden, and a coordinator reads "14:05", not UTC. It is the zone the
// mp CLI prints in (localtime), so a page and a terminal agree.
var stockholm = localtime.Zone

// pairFuncs are the pair page's template functions.
func pairFuncs(locale string) template.FuncMap {
	p := &page{Lang: locale}
	return template.FuncMap{
		"localTime": func(t time.Time) string { return t.In(stockholm).Format("2006-01-02 15:04") },
		"date": func(t interface{ AsTime() time.Time }) string {
			return t.AsTime().In(stockholm).Format(time.DateOnly)
		},
		"requestID": func() string { return ids.UUIDv7{}.New() },
		"rejectReasons": func() []option {
			return enumOptions(p, eventsv1.RejectReason_name, "REJECT_REASON_", "reason.reject.")
		},
		// dict builds a map for a sub-template: (dict "k" v "k2" v2).
		"dict": func(kv ...any) map[string]any { return pairs(kv) },
		// checkIn is a check-in in words: the date, met or not, the
		// rating and the activities.
		"checkIn": func(ci *mentoringv1.CheckIn) string {
			parts := []string{ci.GetDate()}
			if !ci.GetMet() {
				parts = append(parts, p.t("pair.checkin.not_met"))
			}
			parts = append(parts, p.t("checkin.rating."+strings.ToLower(strings.TrimPrefix(ci.GetRating().String(), "CHECK_IN_RATING_"))))
			for _, a := range ci.GetActivities() {
				parts = append(parts, p.t("checkin.activity."+strings.ToLower(strings.TrimPrefix(a.String(), "CHECK_IN_ACTIVITY_"))))
			}
			return strings.Join(parts, ", ")
		},
	}
}
