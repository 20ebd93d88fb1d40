package web

import (
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	dinnersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
)

// TestOneNameInTwoMunicipalitiesOnThePages: two Ayaan Yusuf, one in
// Västerås and one in Linköping, read as one person on the proposals and
// pairs of /matching and on the dinners' proposals and seatings, which
// named people without their municipality (outside round s39, ADR 0220).
// They are no namesakes (one name in one municipality), so nothing marked
// them. Each list now names a person as the registers do, "Förnamn
// Efternamn, Kommun", by the municipality's name, and the row's buttons
// for a screen reader say which one; an erased person stays unnamed.
func TestOneNameInTwoMunicipalitiesOnThePages(t *testing.T) {
	t.Parallel()
	reg := timestamppb.New(time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC))
	pair := func(id, pid, name, muni, vid, mentor, vmuni string) *gatewayv1.PairView {
		return &gatewayv1.PairView{Pair: &mentoringv1.Pair{Id: id, Score: 50, ParticipantId: pid, VolunteerId: vid, MunicipalityCode: muni,
			Status: eventsv1.PairStatus_PAIR_STATUS_PROPOSED},
			ParticipantName: name, ParticipantRegistered: reg, VolunteerName: mentor, VolunteerMunicipalityCode: vmuni, VolunteerRegistered: reg}
	}
	props := []*gatewayv1.PairView{
		pair("pv", "p1", "Ayaan Yusuf", "1980", "v1", "Berit Andersson", "1980"),
		pair("pl", "p2", "Ayaan Yusuf", "0580", "v2", "Berit Andersson", "0580"),
		pair("pg", "p3", "Omar Mohamed", "1880", "v3", "", "1880"), // the mentor erased
	}
	p := benchPage()
	d := &matchingData{Available: true}
	matchingRows(p, d, nil, func(*mentoringv1.Job) string { return "" }, props, props, pageNamesakes{})
	p.Data = d
	body := renderPage(t, p, "matching")
	for _, want := range []string{
		"<td>Ayaan Yusuf, Västerås</td><td>Berit Andersson, Västerås</td>",
		"<td>Ayaan Yusuf, Linköping</td><td>Berit Andersson, Linköping</td>",
		"<td>Omar Mohamed, Örebro</td><td></td>",
		`Godkänn<span class="sr">: Ayaan Yusuf, Västerås + Berit Andersson, Västerås</span>`,
		`<a href="/pairs/pv">Ayaan Yusuf, Västerås</a>`, `<a href="/pairs/pl">Ayaan Yusuf, Linköping</a>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/matching lacks %q", want)
		}
	}
	if strings.Contains(body, "registrerad") || strings.Contains(body, ", 1980") || strings.Contains(body, ", 0580") {
		t.Errorf("/matching marks people of one name in two municipalities, or shows a municipality's code")
	}

	seat := func(id, muni string) *gatewayv1.SeatingView {
		return &gatewayv1.SeatingView{Seating: &dinnersv1.Seating{Id: id, MunicipalityCode: muni, PartySize: 2, Date: "2026-12-11", StartTime: "18:00",
			Status: eventsv1.SeatingStatus_SEATING_STATUS_INVITED}, ParticipantName: "Ayaan Yusuf", HostName: "Karin Lindgren"}
	}
	p = benchPage()
	p.Data = dinnerSeatingsData{Rows: []dinnerSeatingRow{p.dinnerSeatingRow(seat("sv", "1980"), "/dinners/seatings"),
		p.dinnerSeatingRow(seat("sl", "0580"), "/dinners/seatings")}}
	body = renderPage(t, p, "dinners_seatings")
	text := strings.Join(strings.Fields(body), " ")
	for _, want := range []string{
		"<td>Ayaan Yusuf, Västerås (2 personer)</td><td>Karin Lindgren, Västerås</td>",
		"<td>Ayaan Yusuf, Linköping (2 personer)</td><td>Karin Lindgren, Linköping</td>",
		`<span class="sr">: Ayaan Yusuf, Västerås</span>`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/dinners/seatings lacks %q", want)
		}
	}
	if r := p.dinnerSeatingRow(&gatewayv1.SeatingView{Seating: &dinnersv1.Seating{MunicipalityCode: "0580"}}, ""); r.ParticipantName != "" || r.HostName != "" {
		t.Errorf("an erased guest and host are named %q and %q, want nothing", r.ParticipantName, r.HostName)
	}
}
