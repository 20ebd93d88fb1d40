package server_test

import (
	"errors"
	"net/http"
	"net/url"
	"regexp"
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

// TestOutside50HeldDinnersFromOutside tries session 49's web and API
// additions (ADR 0275) from outside (outside50, ADR 0281): a seating by
// its link (/dinners/seatings?seating=ID), the admin's held-dinner form
// (/dinners/signups/{id}/held) and RecordPastSeating on the Connect API,
// as another organisation's coordinator, signed out and with tokens that
// are not one. Another organisation's seating answers what a seating of
// nothing answers, word for word with the id put aside; hostile ids
// (malformed, 10,000 characters, twice, markup) never answer 500 or show
// a name; the form answers 404 as an address no route serves for a
// coordinator of either organisation; the API refuses B's coordinator
// with A's coordinator's words, the signed-out and a forged token with
// Unauthenticated; and after all of it the sign-up has the one seating
// the admin recorded.
func TestOutside50HeldDinnersFromOutside(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	orgA, orgB := e.createOrg("Utanför femtio A", "0180"), e.createOrg("Utanför femtio B", "0180")
	coordA := e.coordinator(admin, "out50-a@example.org", orgA, "0180")
	coordB := e.coordinator(admin, "out50-b@example.org", orgB, "0180")
	host := dinnerHost(t, coordA, orgA, "0180", "Ingrid")
	guest := dinnerGuest(t, coordA, orgA, "0180", "Samira")
	ahead := time.Now().AddDate(0, 0, 9).Format(time.DateOnly)
	offer := dinnerOffer(t, coordA, host, "0180", 6, ahead).GetOffer().GetId()
	su := dinnerSignUp(t, coordA, guest, "0180", ahead).GetSignUp().GetId()
	ctx := testutil.Context(t)
	day := func(back int) string { return time.Now().In(calendar.Zone).AddDate(0, 0, -back).Format(time.DateOnly) }
	req := func(date string) *connect.Request[gatewayv1.RecordPastSeatingRequest] {
		return connect.NewRequest(&gatewayv1.RecordPastSeatingRequest{SignUpId: su, OfferId: offer, Date: date, StartTime: "18:00"})
	}
	res, err := admin.dinners.RecordPastSeating(ctx, req(day(3)))
	if err != nil {
		t.Fatal(err)
	}
	seating := res.Msg.GetSeating().GetSeating().GetId()
	const nothing = "0b7d6d1e-6a64-4c8e-9a55-4f1f2a9f0c11" // an id of no seating
	names := []string{"Samira", "Haddad", "Ingrid", "Lindgren"}
	calls := 1

	text := func(page string, ids ...string) string {
		s := strings.Join(strings.Fields(visibleText(page)), " ")
		for _, id := range ids {
			s = strings.ReplaceAll(s, id, "X")
		}
		return s
	}
	a, b, out := e.browser(), e.browser(), e.browser()
	a.signIn("out50-a@example.org", password)
	a.swedish()
	b.signIn("out50-b@example.org", password)
	b.swedish()

	// A seating by its link.
	if code, page := a.get("/dinners/seatings?seating=" + seating); code != http.StatusOK || !strings.Contains(page, `id="seating-`+seating+`"`) {
		t.Fatalf("A's own seating by its link: %d", code)
	}
	gotCode, got := b.get("/dinners/seatings?seating=" + seating)
	wantCode, want := b.get("/dinners/seatings?seating=" + nothing)
	calls += 3
	if gotCode != wantCode || text(got, seating) != text(want, nothing) {
		t.Errorf("B's coordinator, A's seating: %d %q; a seating of nothing: %d %q", gotCode, text(got, seating), wantCode, text(want, nothing))
	}
	t.Logf("B's coordinator, A's seating by its link: %d %.200q", gotCode, text(got, seating))
	for _, n := range names {
		if strings.Contains(got, n) {
			t.Errorf("B's coordinator sees %s on A's seating's link", n)
		}
	}
	gotCode, got = out.get("/dinners/seatings?seating=" + seating)
	wantCode, want = out.get("/dinners/seatings?seating=" + nothing)
	calls += 2
	if gotCode != wantCode || got != strings.ReplaceAll(want, nothing, seating) && text(got, seating) != text(want, nothing) {
		t.Errorf("signed out, A's seating: %d %q; a seating of nothing: %d %q", gotCode, trim(got), wantCode, trim(want))
	}
	hostile := []string{"", "../" + seating, "%00", "%ff", seating + "x", strings.ToUpper(seating), strings.Repeat("a", 10_000),
		seating + "&seating=" + nothing, nothing + "&seating=" + seating, "%3Cscript%3E", seating + "%0d%0aX-Leak:%201", url.QueryEscape(seating + " ")}
	for _, h := range hostile {
		for who, br := range map[string]*browser{"A": a, "B": b} {
			code, page := br.get("/dinners/seatings?seating=" + h)
			calls++
			if code >= 500 {
				t.Errorf("%s, seating=%.40q: %d", who, h, code)
			}
			if who == "B" {
				for _, n := range names {
					if strings.Contains(page, n) {
						t.Errorf("B, seating=%.40q shows %s", h, n)
					}
				}
			}
		}
	}

	// The held form: 404 as an address no route serves, for a coordinator
	// of either organisation; signed out as any page of a sign-up.
	for who, br := range map[string]*browser{"A": a, "B": b} {
		_, none := br.get("/dinners/signups/" + su + "/no-such-page")
		code, page := br.get("/dinners/signups/" + su + "/held")
		pcode, ppage := br.post("/dinners/signups/"+su+"/held", url.Values{"offer_id": {offer}, "date": {day(5)}, "start_time": {"18:00"}})
		calls += 3
		if code != http.StatusNotFound || text(page) != text(none) || pcode != http.StatusNotFound || text(ppage) != text(none) {
			t.Errorf("%s's coordinator, the held form: GET %d, POST %d, want 404 as an address no route serves", who, code, pcode)
		}
	}
	ocode, oloc := out.get("/dinners/signups/" + su + "/held")
	ncode, nloc := out.get("/dinners/signups/" + nothing + "/held")
	calls += 2
	if ocode != ncode || ocode >= 500 || (ocode == http.StatusOK && strings.Contains(oloc, "Samira")) {
		t.Errorf("signed out, the held form: %d (a sign-up of nothing: %d)", ocode, ncode)
	}
	t.Logf("signed out, the held form: %d %s; a seating by its link: %d %s", ocode, oloc, gotCode, trim(got))
	_ = nloc

	// The API: B's coordinator as A's, and tokens that are none.
	_, deniedA := coordA.dinners.RecordPastSeating(ctx, req(day(5)))
	_, deniedB := coordB.dinners.RecordPastSeating(ctx, req(day(5)))
	calls += 2
	var ea, eb *connect.Error
	if !errors.As(deniedA, &ea) || !errors.As(deniedB, &eb) || ea.Code() != eb.Code() || ea.Message() != eb.Message() {
		t.Errorf("RecordPastSeating, A's coordinator: %v; B's: %v; want the same", deniedA, deniedB)
	}
	for name, c := range map[string]*apiClient{"signed out": e.api(""), "a forged token": e.api("mp_" + strings.Repeat("A", 40)),
		"a token of 10,000 characters": e.api(strings.Repeat("x", 10_000))} {
		_, err := c.dinners.RecordPastSeating(ctx, req(day(5)))
		calls++
		if connect.CodeOf(err) != connect.CodeUnauthenticated {
			t.Errorf("RecordPastSeating %s: %v, want Unauthenticated", name, err)
		}
	}

	// Nothing stored by any of it.
	list, err := admin.dinners.ListSeatings(ctx, connect.NewRequest(&gatewayv1.ListSeatingsRequest{SignUpId: su}))
	if err != nil || list.Msg.GetTotalSize() != 1 {
		t.Errorf("the sign-up's seatings after the calls from outside: %v %v, want the admin's one", list.Msg.GetSeatings(), err)
	}
	t.Logf("%d requests from outside", calls)
}

// TestOutside50FeedbackFormChangedOnTheSamePage: the feedback form's
// request id is made when the page is drawn (ADR 0273's addendum), so a
// coordinator who sends rating 5, goes back and sends the same page with
// rating 2 sends a used id with another feedback. That is no retry (a
// retry sends the same), so the 2 must be stored or refused in words the
// coordinator reads; what the page answers is logged for the report.
func TestOutside50FeedbackFormChangedOnTheSamePage(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Utanför femtio C", "0180")
	coord := e.coordinator(admin, "out50-fb@example.org", org, "0180")
	host := dinnerHost(t, coord, org, "0180", "Karin")
	guest := dinnerGuest(t, coord, org, "0180", "Leila")
	ahead := time.Now().AddDate(0, 0, 9).Format(time.DateOnly)
	offer := dinnerOffer(t, coord, host, "0180", 6, ahead).GetOffer().GetId()
	su := dinnerSignUp(t, coord, guest, "0180", ahead).GetSignUp().GetId()
	ctx := testutil.Context(t)
	res, err := admin.dinners.RecordPastSeating(ctx, connect.NewRequest(&gatewayv1.RecordPastSeatingRequest{SignUpId: su, OfferId: offer,
		Date: time.Now().In(calendar.Zone).AddDate(0, 0, -3).Format(time.DateOnly), StartTime: "18:00"}))
	if err != nil {
		t.Fatal(err)
	}
	id := res.Msg.GetSeating().GetSeating().GetId()
	if _, err := coord.dinners.RecordAttendance(ctx, connect.NewRequest(&gatewayv1.RecordAttendanceRequest{Id: id,
		Attendance: []*dinnersv1.GuestAttendance{{Member: 0, Attendance: eventsv1.Attendance_ATTENDANCE_CAME},
			{Member: 1, Attendance: eventsv1.Attendance_ATTENDANCE_CAME}}})); err != nil {
		t.Fatal(err)
	}
	b := e.browser()
	b.signIn("out50-fb@example.org", password)
	b.swedish()
	_, page := b.get("/dinners/seatings?seating=" + id)
	m := regexp.MustCompile(`name="party" value="DINNER_PARTY_GUEST"><input type="hidden" name="request_id" value="([^"]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no guest feedback form with a request id")
	}
	form := url.Values{"party": {"DINNER_PARTY_GUEST"}, "rating": {"5"}, "meet_again": {"1"}, "request_id": {m[1]}, "back": {"/dinners/seatings?seating=" + id}}
	if code, body := b.post("/dinners/seatings/"+id+"/feedback", form); code != http.StatusSeeOther {
		t.Fatalf("the first feedback: %d %s", code, visibleText(body))
	}
	form.Set("rating", "2")
	form.Del("meet_again")
	code, body := b.post("/dinners/seatings/"+id+"/feedback", form)
	shown := ""
	if code == http.StatusSeeOther {
		_, after := b.get(body)
		shown = strings.Join(strings.Fields(visibleText(after)), " ")
	} else {
		shown = strings.Join(strings.Fields(visibleText(body)), " ")
	}
	got, err := coord.dinners.GetSeating(ctx, connect.NewRequest(&gatewayv1.GetSeatingRequest{Id: id}))
	if err != nil {
		t.Fatal(err)
	}
	fb := got.Msg.GetSeating().GetSeating().GetGuestFeedback()
	t.Logf("the same page sent with rating 2: %d, stored rating %d; the coordinator reads: %.600s", code, fb.GetRating(), shown)
	switch {
	case fb.GetRating() == 2:
	case code == http.StatusUnprocessableEntity || code == http.StatusConflict:
	default:
		t.Errorf("the same page sent with rating 2: %d, stored %d; want 2 stored or a refusal in words", code, fb.GetRating())
	}
}
