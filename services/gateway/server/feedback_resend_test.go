package server_test

import (
	"net/http"
	"net/url"
	"regexp"
	"testing"
	"time"

	"connectrpc.com/connect"

	dinnersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestFeedbackFormResentAfterANewerStands: the web's feedback form
// carries a request id (ADR 0273), so a page sent again after the same
// side's newer feedback (the back button, a resend after a lost answer)
// is told it stands and the newer feedback stays. Without the id the
// resend stored the older rating over the newer one.
func TestFeedbackFormResentAfterANewerStands(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Invitationsdepartementet", "0180")
	coord := e.coordinator(admin, "feedback-resend@example.org", org, "0180")
	host := dinnerHost(t, coord, org, "0180", "Karin")
	guest := dinnerGuest(t, coord, org, "0180", "Leila")
	ahead := time.Now().AddDate(0, 0, 9).Format(time.DateOnly)
	offer := dinnerOffer(t, coord, host, "0180", 6, ahead).GetOffer().GetId()
	su := dinnerSignUp(t, coord, guest, "0180", ahead).GetSignUp().GetId()
	ctx := testutil.Context(t)
	res, err := admin.dinners.RecordPastSeating(ctx, connect.NewRequest(&gatewayv1.RecordPastSeatingRequest{SignUpId: su, OfferId: offer,
		Date: time.Now().AddDate(0, 0, -3).Format(time.DateOnly), StartTime: "18:00"}))
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
	b.signIn("feedback-resend@example.org", password)
	b.swedish()
	guestForm := regexp.MustCompile(`name="party" value="DINNER_PARTY_GUEST"><input type="hidden" name="request_id" value="([^"]+)"`)
	_, page := b.get("/dinners/seatings?seating=" + id)
	m := guestForm.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("the held seating's page has no guest feedback form with a request id")
	}
	first := url.Values{"party": {"DINNER_PARTY_GUEST"}, "rating": {"5"}, "meet_again": {"1"}, "request_id": {m[1]}, "back": {"/dinners/seatings"}}
	send := func(what string, form url.Values) {
		t.Helper()
		if code, body := b.post("/dinners/seatings/"+id+"/feedback", form); code != http.StatusSeeOther {
			t.Fatalf("%s: %d %s", what, code, visibleText(body))
		}
	}
	send("the first feedback", first)
	// A second page, opened later: a newer feedback with its own id.
	_, page = b.get("/dinners/seatings?seating=" + id)
	newer := "0"
	if m2 := guestForm.FindStringSubmatch(page); m2 != nil {
		newer = m2[1]
	}
	send("the newer feedback", url.Values{"party": {"DINNER_PARTY_GUEST"}, "rating": {"2"}, "request_id": {newer}, "back": {"/dinners/seatings"}})
	send("the first page sent again", first)

	got, err := coord.dinners.GetSeating(ctx, connect.NewRequest(&gatewayv1.GetSeatingRequest{Id: id}))
	if err != nil {
		t.Fatal(err)
	}
	if fb := got.Msg.GetSeating().GetSeating().GetGuestFeedback(); fb.GetRating() != 2 || fb.GetWouldMeetAgain() {
		t.Fatalf("the guest's feedback after the first page was sent again: rating %d, meet again %v; want the newer: 2, false",
			fb.GetRating(), fb.GetWouldMeetAgain())
	}
}
