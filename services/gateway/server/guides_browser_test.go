package server_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/chromedp/chromedp"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	guidesv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// testGuidePagesAccessible opens every guide page in a browser in Swedish
// as the guides coordinator, the guide organisations page included, and
// runs axe-core on each: no serious or critical violation; then again with
// a job's explained proposals, an assignment taken up and equity with a
// group that has a guide, checking for English too.
func testGuidePagesAccessible(t *testing.T) {
	e := start(t, envOptions{})
	s := setupGuides(t, e)
	b := openTab(t, tabOptions{timeout: 120 * time.Second})
	b.run("sign in", signIn(e, "lots@example.org", `ul.tiles`), inSwedish())
	for _, path := range []string{"/guides/organisations", "/guides", "/guides/assign", "/guides/assignments", "/guides/equity"} {
		b.run(path, chromedp.Navigate(e.base+path), chromedp.WaitVisible(`nav.subnav`, chromedp.ByQuery), b.accessible(path))
	}

	// The same pages with a job's proposals to review (their explanations),
	// one assignment taken up and its actions, and equity with a group
	// that has a guide: axe-clean, in Swedish, no English.
	rpc := testutil.Context(t)
	c := s.coord.guides
	start, err := c.StartGuideJob(rpc, connect.NewRequest(&gatewayv1.StartGuideJobRequest{RequestId: "browser-guides"}))
	if err != nil {
		t.Fatal(err)
	}
	var props *gatewayv1.ListGuideAssignmentsResponse
	testutil.CheckFor(t, 60*time.Second, 200*time.Millisecond, func() error {
		r, err := c.ListGuideAssignments(rpc, connect.NewRequest(&gatewayv1.ListGuideAssignmentsRequest{JobId: start.Msg.GetJob().GetId(),
			Statuses: []eventsv1.AssignmentStatus{eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_PROPOSED}}))
		if err != nil {
			return err
		}
		if len(r.Msg.GetAssignments()) < 2 {
			return fmt.Errorf("%d proposals", len(r.Msg.GetAssignments()))
		}
		props = r.Msg
		return nil
	})
	id := props.GetAssignments()[0].GetAssignment().GetId()
	if _, err := c.ApproveGuideAssignment(rpc, connect.NewRequest(&gatewayv1.ApproveGuideAssignmentRequest{Id: id})); err != nil {
		t.Fatal(err)
	}
	for _, p := range []guidesv1.AcceptingParty{guidesv1.AcceptingParty_ACCEPTING_PARTY_NEWCOMER, guidesv1.AcceptingParty_ACCEPTING_PARTY_ORGANISATION} {
		if _, err := c.AcceptGuideAssignment(rpc, connect.NewRequest(&gatewayv1.AcceptGuideAssignmentRequest{Id: id, Party: p})); err != nil {
			t.Fatal(err)
		}
	}
	left := "/guides/jobs/" + start.Msg.GetJob().GetId() + "/unassigned" // those the job left without a guide (ADR 0158)
	for _, path := range []string{"/guides/assign", "/guides/assignments", "/guides/equity?min_group=3", "/guides/organisations", left} {
		var html string
		b.run(path, chromedp.Navigate(e.base+path), chromedp.WaitVisible(`table`, chromedp.ByQuery),
			b.swedish(path, "serious"), chromedp.OuterHTML(`html`, &html, chromedp.ByQuery))
		// The service explains in English; the page in Swedish words.
		if path == "/guides/assign" && (!strings.Contains(html, "lotsning på ett språk den nyanlända talar (arabiska)") || strings.Contains(html, "the newcomer speaks")) {
			t.Errorf("%s: the explanation is not in Swedish", path)
		}
	}
	// A proposal rejected on its job's page: the page comes back on that
	// job, saying so; it went back to the latest job's page, silent
	// (outside round s29).
	var back, flash string
	b.run("reject on the job's page", chromedp.Navigate(e.base+"/guides/assign?job="+start.Msg.GetJob().GetId()),
		chromedp.WaitVisible(`#proposals tbody tr`, chromedp.ByQuery),
		chromedp.SetValue(`#proposals tbody tr:first-child select[name="reason"]`, "REJECT_REASON_POOR_FIT", chromedp.ByQuery),
		chromedp.Click(`#proposals tbody tr:first-child form[action$="/reject"] button`, chromedp.ByQuery),
		chromedp.WaitVisible(`p.flash`, chromedp.ByQuery), chromedp.Location(&back), chromedp.Text(`p.flash`, &flash, chromedp.ByQuery),
		b.swedish("/guides/assign after a rejection", "serious"))
	if !strings.Contains(back, "job="+start.Msg.GetJob().GetId()) || flash != "Förslaget är avvisat." {
		t.Errorf("after rejecting on the job's page: at %s saying %q, want the job's page saying %q", back, flash, "Förslaget är avvisat.")
	}
	// The equity tables fit their boxes and the page its 1100 px window:
	// under 300 px charts each ran over the next chart and past the
	// screen's edge (outside round s25, ADR 0131).
	var spill []string
	b.run("equity layout", chromedp.Navigate(e.base+"/guides/equity?min_group=3"), chromedp.WaitVisible(`table.equity`, chromedp.ByQuery),
		chromedp.Evaluate(`(() => { const out = [];
			if (document.documentElement.scrollWidth > window.innerWidth) out.push("page " + document.documentElement.scrollWidth + " px wide in " + window.innerWidth);
			document.querySelectorAll("table.equity").forEach(t => { const box = t.parentElement.getBoundingClientRect(), r = t.getBoundingClientRect();
				if (r.right > box.right + 1 || r.left < box.left - 1) out.push(t.parentElement.querySelector("h3").textContent + ": table " + Math.round(r.width) + " px in a " + Math.round(box.width) + " px box"); });
			return out; })()`, &spill))
	for _, s := range spill {
		t.Errorf("/guides/equity at 1100 px: %s", s)
	}
	// The follow-up page with its dates column (ADR 0139) fits the window.
	var width []int
	b.run("assignments layout", chromedp.Navigate(e.base+"/guides/assignments"), chromedp.WaitVisible(`table.assignments`, chromedp.ByQuery),
		chromedp.Evaluate(`[document.documentElement.scrollWidth, window.innerWidth]`, &width))
	if len(width) != 2 || width[0] > width[1] {
		t.Errorf("/guides/assignments: page and window widths %v px; want the page within the window", width)
	}
}
