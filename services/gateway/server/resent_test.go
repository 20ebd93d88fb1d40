package server_test

import (
	"html"
	"net/http"
	"net/url"
	"testing"
	"time"

	"connectrpc.com/connect"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	guidesv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// sentTwice posts form to path twice, as a double click or a browser's
// resend does, and wants both answered with the same 303 to a page whose
// flash says what was done.
func sentTwice(t *testing.T, b *browser, path string, form url.Values) {
	t.Helper()
	code1, loc1 := b.post(path, form)
	code2, loc2 := b.post(path, form)
	// The seals may differ by their expiry's second, when the two posts
	// straddle one (a loaded machine, s45): the same page and outcome.
	if code1 != http.StatusSeeOther || code2 != http.StatusSeeOther || sealRe.ReplaceAllString(loc1, "seal=") != sealRe.ReplaceAllString(loc2, "seal=") {
		t.Errorf("%s sent twice: %d %s, then %d %s; want the same 303 twice", path, code1, trim(visibleText(loc1)), code2, trim(visibleText(loc2)))
		return
	}
	_, page := b.get(loc2)
	if m := flashRe.FindStringSubmatch(page); m == nil || html.UnescapeString(m[1]) == "" {
		t.Errorf("%s sent twice: %s shows no flash", path, loc2)
	} else {
		t.Logf("%s sent twice: %s says %q", path, loc2, html.UnescapeString(m[1]))
	}
}

// TestFormSentTwiceAnswersAsOnce: a plain approve form (no script) sent
// twice answered its second post with a 409 page, "bara ett föreslaget
// par kan godkännas (status nu: erbjuden)", though the first had approved
// the pair (outside round s43, ADR 0242). Both posts now lead to the same
// 303 and flash, for a mentoring pair (its page's form and the matching
// page's row without script), a dinners seating and a guides assignment;
// a reject after the approve is still refused in words.
func TestFormSentTwiceAnswersAsOnce(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	ctx := testutil.Context(t)

	// Mentoring.
	org := e.createOrg("Förening Två gånger", "0880") // setupGuides registers "Förening" below (ADR 0258)
	coord := e.coordinator(admin, "tva@example.org", org, "0880")
	mentor(t, coord, org, "0880", "Erik")
	newcomer(t, coord, org, "0880", "Amina")
	pair := proposal(t, coord).GetPair().GetId()
	b := e.browser()
	b.signIn("tva@example.org", password)
	b.post("/settings/locale", url.Values{"locale": {"sv"}})
	b.get("/pairs/" + pair)
	sentTwice(t, b, "/pairs/"+pair+"/approve", nil)
	sentTwice(t, b, "/matching/pairs/"+pair+"/approve", nil)
	rejectForm := url.Values{"reason": {"REJECT_REASON_POOR_FIT"}}
	refusedInSwedish(t, b, "/pairs/"+pair+"/reject", rejectForm, "Bara ett föreslaget par kan avvisas (status nu: erbjuden).")
	refusedInSwedish(t, b, "/matching/pairs/"+pair+"/reject", rejectForm, "Bara ett föreslaget par kan avvisas (status nu: erbjuden).")

	// Dinners.
	dorg := e.createOrg("Middagsföreningen", "0180")
	dcoord := e.coordinator(admin, "tvamiddag@example.org", dorg, "0180")
	host := dinnerHost(t, dcoord, dorg, "0180", "Karin")
	guest := dinnerGuest(t, dcoord, dorg, "0180", "Leila")
	day := time.Now().AddDate(0, 0, 9).Format(time.DateOnly)
	dinnerOffer(t, dcoord, host, "0180", 4, day)
	dinnerSignUp(t, dcoord, guest, "0180", day)
	job := runDinnerJob(t, dcoord, "tva-gangar")
	seats, err := dcoord.dinners.ListSeatings(ctx, connect.NewRequest(&gatewayv1.ListSeatingsRequest{JobId: job.GetId()}))
	if err != nil || len(seats.Msg.GetSeatings()) != 1 {
		t.Fatalf("the job's seatings: %v %v", seats, err)
	}
	seat := seats.Msg.GetSeatings()[0].GetSeating().GetId()
	d := e.browser()
	d.signIn("tvamiddag@example.org", password)
	d.post("/settings/locale", url.Values{"locale": {"sv"}})
	d.get("/dinners")
	sentTwice(t, d, "/dinners/seatings/"+seat+"/approve", url.Values{"back": {"/dinners"}})
	refusedInSwedish(t, d, "/dinners/seatings/"+seat+"/reject", url.Values{"back": {"/dinners"}, "reason": {"REJECT_REASON_POOR_FIT"}},
		"Bara en föreslagen placering kan avvisas (status nu: inbjuden).")

	// Guides.
	s := setupGuides(t, e)
	gjob, err := s.coord.guides.StartGuideJob(ctx, connect.NewRequest(&gatewayv1.StartGuideJobRequest{RequestId: "tva-lotsar"}))
	if err != nil {
		t.Fatal(err)
	}
	testutil.CheckFor(t, 30*time.Second, 100*time.Millisecond, func() error {
		j, err := s.coord.guides.GetGuideJob(ctx, connect.NewRequest(&gatewayv1.GetGuideJobRequest{Id: gjob.Msg.GetJob().GetId()}))
		if err != nil {
			return err
		}
		if st := j.Msg.GetJob().GetState(); st != guidesv1.JobState_JOB_STATE_SUCCEEDED {
			return errState(st.String())
		}
		return nil
	})
	props, err := s.coord.guides.ListGuideAssignments(ctx, connect.NewRequest(&gatewayv1.ListGuideAssignmentsRequest{
		JobId: gjob.Msg.GetJob().GetId(), Statuses: []eventsv1.AssignmentStatus{eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_PROPOSED}}))
	if err != nil || len(props.Msg.GetAssignments()) == 0 {
		t.Fatalf("proposals: %v, %v", props, err)
	}
	id := props.Msg.GetAssignments()[0].GetAssignment().GetId()
	g := e.browser()
	g.signIn("lots@example.org", password)
	g.post("/settings/locale", url.Values{"locale": {"sv"}})
	g.get("/guides/assignments")
	sentTwice(t, g, "/guides/assignments/"+id+"/approve", url.Values{"job": {gjob.Msg.GetJob().GetId()}})
	refusedInSwedish(t, g, "/guides/assignments/"+id+"/reject", url.Values{"reason": {"REJECT_REASON_POOR_FIT"}},
		"Bara en föreslagen lotsning kan avvisas (status nu: godkänd, väntar på svar).")
}

// errState is a job not finished yet, for CheckFor.
type errState string

func (e errState) Error() string { return "job " + string(e) }
