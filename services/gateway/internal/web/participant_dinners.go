package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/calendar"
	dinnersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/services/gateway/internal/apart"
)

// personDinners is the newcomer's page's section on dinners (ADR 0275):
// what a coordinator had to piece together from the sign-ups and the
// seatings pages, in the order they read it.
type personDinners struct {
	// Unavailable says the dinners service did not answer: the rest of
	// the page is still the newcomer's.
	Unavailable bool
	// Partial says the caller's scope held more sign-ups than were read.
	Partial bool
	SignUps []personSignUp
	// Upcoming are the dinners ahead (today's too), the next first; Past
	// those held or due for attendance, the latest first; Other the
	// seatings that went another way (rejected, declined, expired,
	// cancelled), the latest first.
	Upcoming, Past, Other []personSeating
}

// personSignUp is a sign-up as one line: where, who comes, what they eat
// and speak, the dates they can.
type personSignUp struct {
	Link, Municipality, Party, Diets, Languages, Dates string
	FirstTime                                          bool
}

// personSeating is a seating as one line with a link to it on the
// seatings page.
type personSeating struct {
	Link, When, Host, Status string
	// Attended is who came ("Närvaro: Person 1: Kom · ..."), Feedback
	// whose feedback is in and whose is missing; both only once held.
	Attended, Feedback string
	// Awaiting is set on a confirmed dinner whose day has come: its
	// attendance is still to be recorded.
	Awaiting bool
}

// loadPersonDinners fills v.Dinners for newcomer id, when the gateway has
// the dinners service. A failure of that service leaves the section
// saying so; the page is the newcomer's registration first.
func (w *Web) loadPersonDinners(r *http.Request, p *page, id string, v *participantView) {
	if !w.g.DinnersAvailable() {
		return
	}
	res, err := w.g.ParticipantDinners(r.Context(), p.caller, id)
	if err != nil {
		if apperr.ErrorCode(err) == apperr.PermissionDenied {
			return
		}
		v.Dinners = &personDinners{Unavailable: true}
		return
	}
	v.Dinners = newPersonDinners(p, res.SignUps, res.Seatings, res.Partial)
}

// newPersonDinners orders the seatings as a coordinator reads them: the
// next dinner first, then the held ones from the latest back, then those
// that did not happen.
func newPersonDinners(p *page, sus []*dinnersv1.SignUp, seats []*gatewayv1.SeatingView, partial bool) *personDinners {
	d := &personDinners{Partial: partial}
	for _, s := range sus {
		d.SignUps = append(d.SignUps, personSignUpOf(p, s))
	}
	today := calendar.Today(p.clock())
	byDate := func(a, b *gatewayv1.SeatingView) int {
		return strings.Compare(a.GetSeating().GetDate()+a.GetSeating().GetStartTime(), b.GetSeating().GetDate()+b.GetSeating().GetStartTime())
	}
	var up, past, other []*gatewayv1.SeatingView
	for _, v := range seats {
		s := v.GetSeating()
		switch st := s.GetStatus(); {
		case st == eventsv1.SeatingStatus_SEATING_STATUS_HELD,
			st == eventsv1.SeatingStatus_SEATING_STATUS_CONFIRMED && s.GetDate() < today:
			past = append(past, v)
		case st == eventsv1.SeatingStatus_SEATING_STATUS_PROPOSED, st == eventsv1.SeatingStatus_SEATING_STATUS_INVITED,
			st == eventsv1.SeatingStatus_SEATING_STATUS_CONFIRMED:
			up = append(up, v)
		default:
			other = append(other, v)
		}
	}
	slices.SortStableFunc(up, byDate)
	slices.SortStableFunc(past, func(a, b *gatewayv1.SeatingView) int { return byDate(b, a) })
	slices.SortStableFunc(other, func(a, b *gatewayv1.SeatingView) int { return byDate(b, a) })
	for _, v := range up {
		d.Upcoming = append(d.Upcoming, personSeatingOf(p, v, today))
	}
	for _, v := range past {
		d.Past = append(d.Past, personSeatingOf(p, v, today))
	}
	for _, v := range other {
		d.Other = append(d.Other, personSeatingOf(p, v, today))
	}
	return d
}

func personSignUpOf(p *page, s *dinnersv1.SignUp) personSignUp {
	out := personSignUp{Link: "/dinners/signups/" + url.PathEscape(s.GetId()) + "/edit", Municipality: muniLabel(s.GetMunicipalityCode()),
		Party: p.tn("dinners.people", len(s.GetParty())), Dates: strings.Join(s.GetDates(), ", "), FirstTime: s.GetFirstTime()}
	var diets, langs []string
	for _, d := range s.GetDiets() {
		diets = append(diets, p.codeWord("dinners.diet.", strings.TrimPrefix(d.String(), "DIET_")))
	}
	for _, l := range s.GetLanguages() {
		langs = append(langs, p.codeWord("dinners.lang.", l))
	}
	out.Diets, out.Languages = strings.Join(diets, ", "), strings.Join(langs, ", ")
	if out.Diets == "" {
		out.Diets = p.t("dinners.person.no_diets")
	}
	return out
}

func personSeatingOf(p *page, v *gatewayv1.SeatingView, today string) personSeating {
	s := v.GetSeating()
	out := personSeating{Link: "/dinners/seatings?seating=" + url.QueryEscape(s.GetId()) + "#seating-" + s.GetId(),
		When: s.GetDate() + " " + s.GetStartTime(), Host: apart.Named(v.GetHostName(), s.GetMunicipalityCode()),
		Status: p.codeWord("dinners.status.", strings.TrimPrefix(s.GetStatus().String(), "SEATING_STATUS_"))}
	if v.GetHostName() == "" {
		out.Host = p.t("dinners.person.host_unknown")
	}
	switch s.GetStatus() {
	case eventsv1.SeatingStatus_SEATING_STATUS_HELD:
		out.Attended = attendedWords(p, s.GetAttendance())
		var in, missing []string
		for _, side := range []struct {
			given bool
			key   string
		}{{s.GetGuestFeedback() != nil, "dinners.person.side.guest"}, {s.GetHostFeedback() != nil, "dinners.person.side.host"}} {
			if side.given {
				in = append(in, p.t(side.key))
			} else {
				missing = append(missing, p.t(side.key))
			}
		}
		switch {
		case len(missing) == 0:
			out.Feedback = p.t("dinners.person.feedback.all")
		case len(in) == 0:
			out.Feedback = p.t("dinners.person.feedback.none")
		default:
			out.Feedback = p.tf("dinners.person.feedback.from", "Side", in[0])
		}
	case eventsv1.SeatingStatus_SEATING_STATUS_CONFIRMED:
		out.Awaiting = s.GetDate() <= today
	}
	return out
}

// oneSeating serves /dinners/seatings?seating=ID: one seating, whatever
// its status, as its row on the seatings page with the row's forms. The
// newcomer's page links each dinner here (ADR 0275); the lists by status
// page through fifty at a time, so a link to a row there could name a
// later page.
func (w *Web) oneSeating(rw http.ResponseWriter, r *http.Request, p *page, id string) error {
	v, err := w.g.GetSeating(r.Context(), p.caller, id)
	if err != nil {
		return p.dinnerErr(err)
	}
	var d dinnerSeatingsData
	for _, s := range followedStatuses {
		d.Statuses = append(d.Statuses, dinnerChoice{s.String(), p.codeWord("dinners.status.", strings.TrimPrefix(s.String(), "SEATING_STATUS_")), false})
	}
	d.Back = r.URL.RequestURI()
	guests, hosts, err := seatingsApart(r.Context(), w, p, []*gatewayv1.SeatingView{v})
	if err != nil {
		return err
	}
	row := p.dinnerSeatingRow(v, d.Back)
	row.Apart, row.HostApart = guests[v.GetSeating().GetParticipantId()], hosts[v.GetSeating().GetVolunteerId()]
	d.Rows = []dinnerSeatingRow{row}
	p.Data = d
	return w.render(rw, p, http.StatusOK, "dinners_seatings")
}
