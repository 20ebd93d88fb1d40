package server_test

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/motesplats/motesplats/pkg/calendar"
	dinnersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestRecordPastSeatingGateway: a dinner held before Mötesplats (ADR
// 0269) through the gateway (ADR 0275). An admin records it on the
// Connect API, with mp dinners record-held and with the sign-up's form in
// the web app; the service's refusals arrive with their field and in
// Swedish; a coordinator is refused: the API's PermissionDenied with the
// words CreateUser's refusal has, mp's refusal, and in the web the page
// of an address no route serves (404, as the sign-up's other pages answer
// a record the caller may not see), and nothing recorded.
func TestRecordPastSeatingGateway(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Invitationsdepartementet", "0180")
	coord := e.coordinator(admin, "held-gw@example.org", org, "0180")
	host := dinnerHost(t, coord, org, "0180", "Karin")
	guest := dinnerGuest(t, coord, org, "0180", "Leila")
	ahead := time.Now().AddDate(0, 0, 9).Format(time.DateOnly)
	offer := dinnerOffer(t, coord, host, "0180", 6, ahead).GetOffer().GetId()
	su := dinnerSignUp(t, coord, guest, "0180", ahead).GetSignUp().GetId()
	ctx := testutil.Context(t)
	day := func(back int) string { return time.Now().In(calendar.Zone).AddDate(0, 0, -back).Format(time.DateOnly) } // the service's day is Sweden's
	req := func(date string) *connect.Request[gatewayv1.RecordPastSeatingRequest] {
		return connect.NewRequest(&gatewayv1.RecordPastSeatingRequest{SignUpId: su, OfferId: offer, Date: date, StartTime: "18:00"})
	}

	// A coordinator: the admin surface's refusal, word for word.
	_, denied := coord.dinners.RecordPastSeating(ctx, req(day(3)))
	_, other := coord.users.CreateUser(ctx, connect.NewRequest(&gatewayv1.CreateUserRequest{User: &gatewayv1.User{Email: "x@example.org"}, Password: "a long password here"}))
	var ce, oe *connect.Error
	if !errors.As(denied, &ce) || !errors.As(other, &oe) || ce.Code() != connect.CodePermissionDenied || ce.Message() != oe.Message() {
		t.Fatalf("a coordinator's RecordPastSeating: %v, CreateUser's: %v", denied, other)
	}
	// An admin's wrong date: the service's field, and no seating.
	_, err := admin.dinners.RecordPastSeating(ctx, req(day(400)))
	if connect.CodeOf(err) != connect.CodeInvalidArgument || !slices.Equal(violations(err), []string{"date"}) {
		t.Fatalf("a date over a year back: %v %v", err, violations(err))
	}
	// The admin records it; a repeat answers the same seating.
	res, err := admin.dinners.RecordPastSeating(ctx, req(day(3)))
	if err != nil {
		t.Fatalf("record: %v", err)
	}
	s := res.Msg.GetSeating()
	if s.GetSeating().GetStatus() != eventsv1.SeatingStatus_SEATING_STATUS_CONFIRMED || s.GetParticipantName() != "Leila Haddad" || s.GetHostName() != "Karin Lindgren" {
		t.Fatalf("the recorded seating: %v", s)
	}
	if again, err := admin.dinners.RecordPastSeating(ctx, req(day(3))); err != nil || again.Msg.GetSeating().GetSeating().GetId() != s.GetSeating().GetId() {
		t.Fatalf("the repeat: %v %v", again, err)
	}

	// mp: the coordinator refused, in Swedish; the admin records a second.
	cdir, adir := t.TempDir(), t.TempDir()
	if _, err := mpAs(t, cdir, password, "sv", "login", "-server", e.base, "-email", "held-gw@example.org"); err != nil {
		t.Fatal(err)
	}
	if _, err := mpAs(t, adir, adminPass, "sv", "login", "-server", e.base, "-email", adminEmail); err != nil {
		t.Fatal(err)
	}
	if out, err := mpAs(t, cdir, "", "sv", "dinners", "record-held", su, offer, day(5)); err == nil || !strings.Contains(err.Error(), "administratör") {
		t.Fatalf("mp as a coordinator: %v %s", err, out)
	}
	if _, err := mpAs(t, adir, "", "sv", "dinners", "record-held", su, offer, day(0)); err == nil || !strings.Contains(err.Error(), "måste vara före i dag") {
		t.Fatalf("mp with today: %v", err)
	}
	out, err := mpAs(t, adir, "", "sv", "dinners", "record-held", "-time", "17:30", su, offer, day(5))
	if err != nil || !strings.Contains(out, "bekräftad: Leila Haddad hos Karin Lindgren den "+day(5)+" 17:30") || !strings.Contains(out, "mp dinners attendance") {
		t.Fatalf("mp as an admin: %v %q", err, out)
	}
	// Sent again once its attendance is in: the seating as it is, and no
	// hint to record what is recorded.
	if _, err := coord.dinners.RecordAttendance(ctx, connect.NewRequest(&gatewayv1.RecordAttendanceRequest{Id: strings.Fields(out)[0],
		Attendance: []*dinnersv1.GuestAttendance{{Member: 0, Attendance: eventsv1.Attendance_ATTENDANCE_CAME}, {Member: 1, Attendance: eventsv1.Attendance_ATTENDANCE_CAME}}})); err != nil {
		t.Fatal(err)
	}
	again, err := mpAs(t, adir, "", "sv", "dinners", "record-held", "-time", "17:30", su, offer, day(5))
	if err != nil || !strings.Contains(again, "Leila Haddad hos Karin Lindgren den "+day(5)+" 17:30") || strings.Contains(again, "mp dinners attendance") {
		t.Errorf("mp record-held again after the attendance: %v %q, want the held seating without the attendance hint", err, again)
	}

	// The web: the coordinator gets what an address no route serves gets,
	// form or not.
	cb := e.browser()
	cb.signIn("held-gw@example.org", password)
	cb.swedish()
	if code, page := cb.get("/dinners/signups/" + su + "/edit"); code != http.StatusOK || strings.Contains(page, "Registrera en middag som redan hållits") {
		t.Fatalf("the coordinator's sign-up page: %d, offers the held form: %v", code, strings.Contains(page, "redan hållits"))
	}
	_, none := cb.get("/dinners/signups/" + su + "/no-such-page")
	noneText := strings.Join(strings.Fields(visibleText(none)), " ")
	if code, page := cb.get("/dinners/signups/" + su + "/held"); code != http.StatusNotFound || strings.Join(strings.Fields(visibleText(page)), " ") != noneText {
		t.Errorf("GET the held form as a coordinator: %d, want 404 as %q: %s", code, noneText, strings.Join(strings.Fields(visibleText(page)), " "))
	}
	if code, page := cb.post("/dinners/signups/"+su+"/held", url.Values{"offer_id": {offer}, "date": {day(7)}, "start_time": {"18:00"}}); code != http.StatusNotFound ||
		strings.Join(strings.Fields(visibleText(page)), " ") != noneText {
		t.Errorf("POST the held form as a coordinator: %d, want 404 as %q: %s", code, noneText, strings.Join(strings.Fields(visibleText(page)), " "))
	}
	ab := e.browser()
	ab.signIn(adminEmail, adminPass)
	ab.swedish()
	_, page := ab.get("/dinners/signups/" + su + "/edit")
	mustContain(t, page, `href="/dinners/signups/`+su+`/held">Registrera en middag som redan hållits</a>`)
	_, page = ab.get("/dinners/signups/" + su + "/held")
	mustContain(t, page, "<h1>Registrera en middag som redan hållits</h1>", `<option value="`+offer+`">Karin Lindgren, Stockholm · 6 platser</option>`,
		`max="`+day(1)+`"`, `min="`+time.Now().In(calendar.Zone).AddDate(-1, 0, 0).Format(time.DateOnly)+`"`)
	action, form := formOf(t, page)
	form.Set("offer_id", offer)
	form.Set("date", day(0))
	code, body := ab.post(action, form)
	if text := strings.Join(strings.Fields(visibleText(body)), " "); code != http.StatusUnprocessableEntity || !strings.Contains(text, "Datum då middagen hölls : måste vara före i dag") {
		t.Fatalf("today in the held form: %d %s", code, text)
	}
	form.Set("date", day(7))
	if code, body := ab.post(action, form); code != http.StatusSeeOther {
		t.Fatalf("the held form: %d %s", code, strings.Join(strings.Fields(visibleText(body)), " "))
	}
	list, err := admin.dinners.ListSeatings(ctx, connect.NewRequest(&gatewayv1.ListSeatingsRequest{SignUpId: su}))
	if err != nil || list.Msg.GetTotalSize() != 3 {
		t.Fatalf("the sign-up's seatings after API, mp and web: %v %v", list, err)
	}
	var seventh string
	for _, v := range list.Msg.GetSeatings() {
		if v.GetSeating().GetDate() == day(7) {
			seventh = v.GetSeating().GetId()
		}
	}
	_, page = ab.get("/dinners/seatings?seating=" + seventh)
	mustContain(t, page, `id="seating-`+seventh+`"`, "Leila Haddad", "Karin Lindgren", day(7)+" 18:00", "bekräftad", `action="/dinners/seatings/`+seventh+`/attendance"`)
}

// TestParticipantPageDinners: the newcomer's page lists their dinners
// (ADR 0275): the sign-up with a link, the dinner ahead first, then the
// held ones with who came and whose feedback is in, each linking to its
// seating; a newcomer without any says so in words; a coordinator of
// another organisation gets the page's not-found and nothing of it.
func TestParticipantPageDinners(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Invitationsdepartementet", "0180")
	other := e.createOrg("Röda Korset Kalmar", "0180")
	coord := e.coordinator(admin, "person-dinners@example.org", org, "0180")
	e.coordinator(admin, "other-dinners@example.org", other, "0180")
	host := dinnerHost(t, coord, org, "0180", "Karin")
	guest := dinnerGuest(t, coord, org, "0180", "Leila")
	alone := dinnerGuest(t, coord, org, "0180", "Nour")
	ahead := time.Now().AddDate(0, 0, 9).Format(time.DateOnly)
	offer := dinnerOffer(t, coord, host, "0180", 6, ahead).GetOffer().GetId()
	su := dinnerSignUp(t, coord, guest, "0180", ahead).GetSignUp().GetId()
	job := runDinnerJob(t, coord, "person-job")
	next := confirmOnlySeating(t, coord, job)
	ctx := testutil.Context(t)
	day := func(back int) string { return time.Now().In(calendar.Zone).AddDate(0, 0, -back).Format(time.DateOnly) } // the service's day is Sweden's
	var held []string
	for _, back := range []int{20, 6} {
		res, err := admin.dinners.RecordPastSeating(ctx, connect.NewRequest(&gatewayv1.RecordPastSeatingRequest{SignUpId: su, OfferId: offer, Date: day(back), StartTime: "18:00"}))
		if err != nil {
			t.Fatalf("record %d days back: %v", back, err)
		}
		held = append(held, res.Msg.GetSeating().GetSeating().GetId())
	}
	// 20 days back: both came, the guest's feedback in. 6 days back: the
	// child a no-show, no feedback. 6 days back is read first, then 20.
	if _, err := coord.dinners.RecordAttendance(ctx, connect.NewRequest(&gatewayv1.RecordAttendanceRequest{Id: held[0], Attendance: []*dinnersv1.GuestAttendance{
		{Member: 0, Attendance: eventsv1.Attendance_ATTENDANCE_CAME}, {Member: 1, Attendance: eventsv1.Attendance_ATTENDANCE_CAME}}})); err != nil {
		t.Fatal(err)
	}
	if _, err := coord.dinners.RecordFeedback(ctx, connect.NewRequest(&gatewayv1.RecordFeedbackRequest{Id: held[0], Party: eventsv1.DinnerParty_DINNER_PARTY_GUEST,
		Feedback: &dinnersv1.Feedback{Rating: 5, WouldMeetAgain: true}})); err != nil {
		t.Fatal(err)
	}
	if _, err := coord.dinners.RecordAttendance(ctx, connect.NewRequest(&gatewayv1.RecordAttendanceRequest{Id: held[1], Attendance: []*dinnersv1.GuestAttendance{
		{Member: 0, Attendance: eventsv1.Attendance_ATTENDANCE_CAME}, {Member: 1, Attendance: eventsv1.Attendance_ATTENDANCE_NO_SHOW}}})); err != nil {
		t.Fatal(err)
	}

	b := e.browser()
	b.signIn("person-dinners@example.org", password)
	b.swedish()
	code, page := b.get("/participants/" + guest)
	if code != http.StatusOK {
		t.Fatalf("the newcomer's page: %d", code)
	}
	k := strings.Index(page, `<section class="person-dinners"`)
	if k < 0 {
		t.Fatalf("the newcomer's page has no dinners section: %s", strings.Join(strings.Fields(visibleText(page)), " "))
	}
	section := page[k:]
	section = section[:strings.Index(section, "</section>")]
	// A link's end reads as a space in the text: "Anmälan i Stockholm :".
	text := strings.ReplaceAll(strings.Join(strings.Fields(visibleText(section)), " "), " :", ":")
	mustContain(t, section, `href="/dinners/signups/`+su+`/edit"`, `href="/dinners/seatings?seating=`+next+`#seating-`+next+`"`,
		`href="/dinners/seatings?seating=`+held[0]+`#seating-`+held[0]+`"`, `href="/dinners/seatings?seating=`+held[1]+`#seating-`+held[1]+`"`)
	order := []string{"Middagar", "Anmälningar", "Anmälan i Stockholm: 2 personer · första gången i ett svenskt hem · Kost: Halal · Språk: arabiska · Kan: " + ahead,
		"Kommande middagar", ahead + " 18:00 hos Karin Lindgren, Stockholm: bekräftad",
		"Hållna middagar", day(6) + " 18:00 hos Karin Lindgren, Stockholm: genomförd · Närvaro: Person 1: Kom · Person 2: Uteblev · ingen återkoppling än",
		day(20) + " 18:00 hos Karin Lindgren, Stockholm: genomförd · Närvaro: Person 1: Kom · Person 2: Kom · återkoppling: bara gästens"}
	at := 0
	for _, want := range order {
		k := strings.Index(text[at:], want)
		if k < 0 {
			t.Fatalf("the dinners section lacks %q after %d:\n%s", want, at, text)
		}
		at += k + len(want)
	}
	if _, page := b.get("/participants/" + alone); !strings.Contains(strings.Join(strings.Fields(visibleText(page)), " "),
		"Middagar Inga middagar: personen har ingen anmälan och har inte blivit placerad vid någon middag.") {
		t.Errorf("a newcomer without dinners: %s", strings.Join(strings.Fields(visibleText(page)), " "))
	}
	ob := e.browser()
	ob.signIn("other-dinners@example.org", password)
	ob.swedish()
	if code, page := ob.get("/participants/" + guest); code != http.StatusNotFound || strings.Contains(page, "Karin") || strings.Contains(page, su) {
		t.Errorf("another organisation's coordinator: %d, Karin or the sign-up on the page: %v", code, strings.Contains(page, "Karin"))
	}
}
