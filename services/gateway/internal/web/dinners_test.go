package web

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	dinnersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
)

var rectRe = regexp.MustCompile(`<rect x="\d+" y="\d+" width="(\d+)" height="14"`)

// TestDinnerChartsShareAScale: the report's two charts are drawn on one
// scale, so the same number is the same length in both (a chart scaled
// to its own largest bar would make 20 guests look like 100 dinners); and
// labels are escaped.
func TestDinnerChartsShareAScale(t *testing.T) {
	t.Parallel()
	widths := func(svg string) []int {
		var out []int
		for _, m := range rectRe.FindAllStringSubmatch(svg, -1) {
			n, _ := strconv.Atoi(m[1])
			out = append(out, n)
		}
		return out
	}
	dinners := widths(string(dinnerChart([]monthBars{{Label: "2026-11", A: 100, B: 50}}, 100, "offered", "held")))
	guests := widths(string(dinnerChart([]monthBars{{Label: "2026-11", A: 50, B: 20}}, 100, "seated", "came")))
	if len(dinners) != 2 || len(guests) != 2 {
		t.Fatalf("bars: %v %v", dinners, guests)
	}
	if dinners[1] != guests[0] || dinners[0] != 2*dinners[1] || guests[1] >= guests[0] {
		t.Fatalf("not one scale: dinners %v, guests %v", dinners, guests)
	}
	svg := string(dinnerChart([]monthBars{{Label: "<script>", A: 1, B: 0}}, 1, "a&b", "c"))
	if strings.Contains(svg, "<script>") || !strings.Contains(svg, "a&amp;b") || !strings.Contains(svg, `role="img"`) {
		t.Fatalf("escaping or role: %s", svg)
	}
	if dinnerChart(nil, 1, "a", "b") != "" {
		t.Fatal("an empty chart drew something")
	}
}

// TestDinnerMessagesInSwedish: every message the dinners service (and the
// kit packages it uses) can send a form or an action, with the values it
// puts in them, reads as Swedish on a Swedish page and as English on an
// English one; an unknown message stays as it is.
func TestDinnerMessagesInSwedish(t *testing.T) {
	t.Parallel()
	sv, en := &page{Lang: "sv"}, &page{Lang: "en"}
	for _, tt := range []struct{ msg, want string }{
		{"must have 1 to 8 people (the largest table)", "får vara 1 till 8 personer (det största bordet)"},
		{"must have 1 to 12 people (the largest table)", "får vara 1 till 12 personer (det största bordet)"},
		{"must list 1 to 56 dates", "ange 1 till 56 datum"},
		{"must list 1 to 16 dinners", "ange 1 till 16 middagar"},
		{"must list 1 to 290 municipalities", "välj 1 till 290 kommuner"},
		{"must list each of the party's 3 members once", "ange närvaro en gång för var och en av sällskapets 3 personer"},
		{"must be from -90 to 90", "måste vara från -90 till 90"},
		{"must be from 1 to 7", "måste vara från 1 till 7"},
		{"at most 10", "högst 10"},
		{"must be at most 200 characters of text", "får vara högst 200 tecken"},
		{"must be 1 to 64 letters, digits, '-' or '_'", "måste vara 1 till 64 bokstäver, siffror, '-' eller '_'"},
		{"only a confirmed seating can be cancelled; this one is SEATING_STATUS_INVITED", "bara en bekräftad placering kan avbokas; den här är inbjuden"},
		{"only a confirmed seating can have attendance; this one is SEATING_STATUS_PROPOSED", "närvaro sparas bara för en bekräftad placering; den här är föreslagen"},
		{"feedback is for held dinners; this one is SEATING_STATUS_CONFIRMED", "återkoppling ges bara efter en genomförd middag; den här placeringen är bekräftad"},
		{"the dinner has no free slot", "middagen har inga lediga platser"},
		{"is not an allergen code", "är ingen känd allergi"},
		{"the sign-up changed since you read it", "anmälan har ändrats sedan du öppnade den; ladda om sidan och försök igen"},
		{"is required", "måste fyllas i"}, // the shared table
	} {
		if got := sv.dinnerMsg(tt.msg); got != tt.want {
			t.Errorf("sv %q: got %q, want %q", tt.msg, got, tt.want)
		}
		if got := en.dinnerMsg(tt.msg); strings.Contains(got, "{{") || strings.Contains(got, "#") || strings.Contains(got, "SEATING_STATUS") {
			t.Errorf("en %q: got %q", tt.msg, got)
		}
	}
	if got := en.dinnerMsg("only a confirmed seating can be cancelled; this one is SEATING_STATUS_INVITED"); got != "only a confirmed seating can be cancelled; this one is invited" {
		t.Errorf("en status in words: got %q", got)
	}
	if got := sv.dinnerMsg("something new 3"); got != "something new 3" {
		t.Errorf("an unknown message: got %q", got)
	}
}

// TestDinnerGroups: the report page shows the guests by gender and by
// first language in words (issue 10: reports by gender and language in the
// web app, not only in the CSV). The group without a value, where the
// service counts the dinners (which have no gender), is left out unless a
// guest is in it; a guest whose gender is not recorded is named so.
func TestDinnerGroups(t *testing.T) {
	t.Parallel()
	rows := []*dinnersv1.ReportRow{
		{Month: "2026-12", MunicipalityCode: "0180", DinnersOffered: 9, GuestsSeated: 5},
		{Month: "2026-12", Dimension: "gender", DinnersOffered: 9},
		{Month: "2026-12", Dimension: "gender", Value: "woman", GuestsSeated: 3, GuestsAttended: 2},
		{Month: "2026-12", Dimension: "language", Value: "ti", GuestsSeated: 4, GuestsAttended: 1, NoShowPerMille: 250},
		{Month: "2027-01", Dimension: "gender", Value: "", GuestsSeated: 2},
		{Month: "2027-01", Dimension: "gender", Value: "woman", GuestsSeated: 1},
	}
	type got struct{ Title, Month, Group string }
	var out []got
	tables := dinnerGroups(&page{Lang: "sv"}, rows)
	for _, tb := range tables {
		for _, r := range tb.Rows {
			out = append(out, got{tb.Title, r.GetMonth(), r.Group})
		}
		if !strings.Contains(string(tb.Chart), "<svg") {
			t.Errorf("%s: no chart", tb.Title)
		}
	}
	want := []got{
		{"Gäster per kön", "2026-12", "kvinna"},
		{"Gäster per kön", "2027-01", "kön inte angivet"},
		{"Gäster per kön", "2027-01", "kvinna"},
		{"Gäster per förstaspråk", "2026-12", "tigrinja"},
	}
	if diff := cmp.Diff(want, out); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	// The charts sum each group over the period, on one scale: kvinna's 4
	// seated and tigrinja's 4 seated are bars of one length.
	if len(tables) == 2 {
		a, b := rectRe.FindAllStringSubmatch(string(tables[0].Chart), -1), rectRe.FindAllStringSubmatch(string(tables[1].Chart), -1)
		if len(a) < 4 || len(b) < 2 || a[0][1] != b[0][1] || a[0][1] == a[2][1] || !strings.Contains(string(tables[0].Chart), "kvinna: Placerade gäster 4, Gäster som kom 2") {
			t.Errorf("charts not on one scale or not summed:\n%s\n%s", tables[0].Chart, tables[1].Chart)
		}
	}
	if got := dinnerGroups(&page{Lang: "sv"}, rows[:2]); len(got) != 0 {
		t.Errorf("only dinners, no guests: got %d tables", len(got))
	}
}

// TestGapPercent: the job's gap to the proven bound has a decimal comma on
// a Swedish page and a point on an English one.
func TestGapPercent(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		lang string
		ppm  int64
		want string
	}{{"sv", 4500, "0,45"}, {"en", 4500, "0.45"}, {"sv", 0, "0,00"}, {"sv", 123456, "12,35"}} {
		if got := gapPercent(&page{Lang: tt.lang}, tt.ppm); got != tt.want {
			t.Errorf("%s %d: got %q, want %q", tt.lang, tt.ppm, got, tt.want)
		}
	}
}

// TestAttendanceHintBeforeTheDay: a confirmed seating whose dinner is
// still ahead says beside the attendance button from which day it can be
// saved (the service refuses earlier, and the coordinator got an error
// page); on the day the hint is gone.
func TestAttendanceHintBeforeTheDay(t *testing.T) {
	t.Parallel()
	seat := func(date string) dinnerSeatingRow {
		return (&page{Lang: "sv"}).dinnerSeatingRow(&gatewayv1.SeatingView{Seating: &dinnersv1.Seating{Date: date, PartySize: 1,
			Status: eventsv1.SeatingStatus_SEATING_STATUS_CONFIRMED}}, "/dinners/seatings")
	}
	today := time.Now().In(stockholm)
	if r := seat(today.AddDate(0, 0, 3).Format(time.DateOnly)); !r.Upcoming {
		t.Errorf("a dinner in three days is not upcoming")
	}
	if r := seat(today.Format(time.DateOnly)); r.Upcoming {
		t.Errorf("today's dinner is upcoming")
	}
	if got, want := (&page{Lang: "sv"}).tf("dinners.attendance.from", "Date", "2027-01-06"), "Närvaro kan sparas från middagens dag, 2027-01-06."; got != want {
		t.Errorf("hint %q, want %q", got, want)
	}
}
