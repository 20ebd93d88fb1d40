package server_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestJobLineSaysWhenItsJobEnded: the job line each programme's page polls
// tells the page, once its job has ended, to reload the proposals (the
// HX-Trigger the pages listen for). Only mentoring's did; the dinners and
// guides pages kept saying "no proposals" under a finished job's count
// until reloaded (outside round s30).
func TestJobLineSaysWhenItsJobEnded(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Invitationsdepartementet", "0180")
	coord := e.coordinator(admin, "jobdone@example.org", org, "0180")
	day := time.Now().AddDate(0, 0, 5).Format(time.DateOnly)
	dinnerOffer(t, coord, dinnerHost(t, coord, org, "0180", "Karin"), "0180", 4, day)
	dinnerSignUp(t, coord, dinnerGuest(t, coord, org, "0180", "Leila"), "0180", day)
	dinnerJob := runDinnerJob(t, coord, "jobdone-dinners").GetId()

	b := e.browser()
	b.signIn("jobdone@example.org", password)
	b.swedish()
	m := startJobOnPage(t, b, "/matching", "/matching/jobs", `id="job-([^"]+)"`)
	g := startJobOnPage(t, b, "/guides/assign", "/guides/jobs", `id="gjob-([^"]+)"`)
	for _, path := range []string{"/dinners/jobs/" + dinnerJob, "/guides/jobs/" + g, "/matching/jobs/" + m} {
		testutil.CheckFor(t, 30*time.Second, 100*time.Millisecond, func() error {
			req, err := http.NewRequest(http.MethodGet, b.e.base+path, nil)
			if err != nil {
				return err
			}
			req.Header.Set("HX-Request", "true")
			res, err := b.c.Do(req)
			if err != nil {
				return err
			}
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				return fmt.Errorf("poll %s: %d", path, res.StatusCode)
			}
			if got := res.Header.Get("HX-Trigger"); got != "jobDone" {
				return fmt.Errorf("poll %s: HX-Trigger %q, want jobDone once the job has ended", path, got)
			}
			return nil
		})
	}
}
