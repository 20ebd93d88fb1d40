package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"connectrpc.com/connect"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	guidesv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// refusedInSwedish posts form to path, expects the services' refusal as
// a page (not a redirect), and that page to say want in Swedish, with the
// status in words and no English of the service's sentence.
func refusedInSwedish(t *testing.T, b *browser, path string, form url.Values, want string) {
	t.Helper()
	code, body := b.post(path, form)
	if code == http.StatusSeeOther || code < 400 {
		t.Fatalf("%s again: %d, want a refusal", path, code)
	}
	mustContain(t, body, `<html lang="sv"`, want)
	for _, english := range []string{"this one is", "only a", "can be approved", "can be rejected"} {
		if strings.Contains(body, english) {
			t.Errorf("%s: the refusal shows %q in English:\n%s", path, english, trim(visibleText(body)))
		}
	}
}

// TestRefusalsInSwedish: a mentoring and a guides refusal, written in
// English by their services, reach a Swedish coordinator's page in
// Swedish with the record's status in words (ADR 0136: "only a proposed
// pair can be approved; this one is offered" was shown as it was). The
// refusal is a reject after an approve: the same approve sent again is
// answered as the first (ADR 0242, TestFormSentTwiceAnswersAsOnce).
func TestRefusalsInSwedish(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})

	// Mentoring: rejecting a pair that is already offered.
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Förening Nej", "0880") // setupGuides registers "Förening" below (ADR 0258)
	coord := e.coordinator(admin, "nej@example.org", org, "0880")
	mentor(t, coord, org, "0880", "Erik")
	newcomer(t, coord, org, "0880", "Amina")
	pair := proposal(t, coord).GetPair().GetId()
	b := e.browser()
	b.signIn("nej@example.org", password)
	b.swedish()
	b.get("/pairs/" + pair)
	if code, loc := b.post("/pairs/"+pair+"/approve", nil); code != http.StatusSeeOther {
		t.Fatalf("approve: %d %s", code, trim(loc))
	}
	b.get("/pairs/" + pair)
	refusedInSwedish(t, b, "/pairs/"+pair+"/reject", url.Values{"reason": {"REJECT_REASON_POOR_FIT"}}, "Bara ett föreslaget par kan avvisas (status nu: erbjuden).")

	// Guides: rejecting an assignment that is already approved.
	s := setupGuides(t, e)
	ctx := testutil.Context(t)
	job, err := s.coord.guides.StartGuideJob(ctx, connect.NewRequest(&gatewayv1.StartGuideJobRequest{RequestId: "refusals"}))
	if err != nil {
		t.Fatal(err)
	}
	watch := connect.NewRequest(&gatewayv1.WatchGuideJobRequest{Id: job.Msg.GetJob().GetId()})
	watch.Header().Set("Authorization", "Bearer "+s.coord.token) // the client's interceptor is unary only
	stream, err := s.coord.guides.WatchGuideJob(ctx, watch)
	if err != nil {
		t.Fatal(err)
	}
	state := guidesv1.JobState_JOB_STATE_UNSPECIFIED
	for stream.Receive() {
		state = stream.Msg().GetJob().GetState()
	}
	if err := stream.Err(); err != nil || state != guidesv1.JobState_JOB_STATE_SUCCEEDED {
		t.Fatalf("guides job: %v, %v", state, err)
	}
	props, err := s.coord.guides.ListGuideAssignments(ctx, connect.NewRequest(&gatewayv1.ListGuideAssignmentsRequest{
		JobId: job.Msg.GetJob().GetId(), Statuses: []eventsv1.AssignmentStatus{eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_PROPOSED}}))
	if err != nil || len(props.Msg.GetAssignments()) == 0 {
		t.Fatalf("proposals: %v, %v", props, err)
	}
	id := props.Msg.GetAssignments()[0].GetAssignment().GetId()
	g := e.browser()
	g.signIn("lots@example.org", password)
	g.swedish()
	g.get("/guides/assignments")
	if code, loc := g.post("/guides/assignments/"+id+"/approve", nil); code != http.StatusSeeOther {
		t.Fatalf("approve the assignment: %d %s", code, trim(loc))
	}
	refusedInSwedish(t, g, "/guides/assignments/"+id+"/reject", url.Values{"reason": {"REJECT_REASON_POOR_FIT"}}, "Bara en föreslagen lotsning kan avvisas (status nu: godkänd, väntar på svar).")
}
