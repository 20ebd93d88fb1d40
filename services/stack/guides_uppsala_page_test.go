package main

import (
	"bytes"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1/gatewayv1connect"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestStack_SeedUppsalaReasonOnThePage (ADR 0188; ADR 0184 tested the
// words in the service and the catalogue only): in the demo data, Anna
// (Invitationsdepartementet, Stockholm and Uppsala) runs a guides job over
// Uppsala, where no guide organisation works; the job's page of those it
// left without a guide says why in her Swedish, "Ingen lotsorganisation
// lotsar i den nyanländas kommun", and in English after she switches.
func TestStack_SeedUppsalaReasonOnThePage(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	l, _, _ := startStack(t, cfg)
	cfg.ParticipantsAddr, cfg.VolunteersAddr, cfg.DinnersAddr = l.Addr("participants"), l.Addr("volunteers"), l.Addr("dinners")
	ctx := testutil.Context(t)
	var out bytes.Buffer
	if err := seed(ctx, cfg, []string{"-participants", "400", "-volunteers", "20", "-nats", "nats://" + l.Addr("nats")}, &out); err != nil {
		t.Fatalf("seed: %v\n%s", err, out.String())
	}
	m := regexp.MustCompile(`anna@example\.org\s+password (\w+)`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("the seed printed no password for anna:\n%s", out.String())
	}
	base := "http://" + l.Addr("gateway")
	var signedIn struct{ Token string }
	post(t, base, gatewayv1connect.ApiTokenServiceCreateApiTokenProcedure, "", map[string]any{"email": "anna@example.org", "password": m[1]}, &signedIn)
	var unassigned struct {
		TotalSize  int
		Unassigned []struct{ Reason string }
	}
	var jobID string
	// The guides service hears of the seed's newcomers over events: a job
	// until one leaves an Uppsala newcomer out.
	testutil.CheckFor(t, 120*time.Second, 500*time.Millisecond, func() error {
		var started struct{ Job struct{ ID string } }
		post(t, base, gatewayv1connect.GuidesServiceStartGuideJobProcedure, signedIn.Token,
			map[string]any{"requestId": fmt.Sprintf("uppsala-%d", time.Now().UnixNano()), "municipalityCodes": []string{"0380"}}, &started)
		jobID = started.Job.ID
		var state string
		testutil.CheckFor(t, 60*time.Second, 100*time.Millisecond, func() error {
			var j struct{ Job struct{ State string } }
			post(t, base, gatewayv1connect.GuidesServiceGetGuideJobProcedure, signedIn.Token, map[string]any{"id": jobID}, &j)
			if state = j.Job.State; !strings.HasSuffix(state, "SUCCEEDED") && !strings.HasSuffix(state, "FAILED") {
				return fmt.Errorf("job %s", state)
			}
			return nil
		})
		if !strings.HasSuffix(state, "SUCCEEDED") {
			return fmt.Errorf("job %s: %s", jobID, state)
		}
		post(t, base, gatewayv1connect.GuidesServiceListGuideUnassignedProcedure, signedIn.Token, map[string]any{"jobId": jobID}, &unassigned)
		if len(unassigned.Unassigned) == 0 {
			return fmt.Errorf("job %s left no one out", jobID)
		}
		return nil
	})
	if r := unassigned.Unassigned[0].Reason; r != "UNASSIGNED_REASON_NO_UNIT_IN_MUNICIPALITY" {
		t.Fatalf("the first Uppsala newcomer left out: %s, want no unit in the municipality", r)
	}

	web := signedInBrowser(t, base, "anna@example.org", m[1])
	read := func() string {
		t.Helper()
		res, err := web.Get(base + "/guides/jobs/" + jobID + "/unassigned")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("the left-out page: %d\n%s", res.StatusCode, body)
		}
		return html.UnescapeString(string(body))
	}
	if page := read(); !strings.Contains(page, "Ingen lotsorganisation lotsar i den nyanländas kommun") || !strings.Contains(page, "Uppsala") {
		t.Errorf("the Swedish left-out page lacks the Uppsala reason:\n%s", page)
	}
	res, err := web.Get(base + "/guides")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(body)
	if csrf == nil {
		t.Fatal("the guides page has no form token")
	}
	if res, err := web.PostForm(base+"/settings/locale", url.Values{"locale": {"en"}, "csrf": {string(csrf[1])}}); err != nil || res.StatusCode != http.StatusSeeOther {
		t.Fatalf("choose English: %v %v", res, err)
	}
	if page := read(); !strings.Contains(page, "No guide organisation guides in the newcomer's municipality") {
		t.Errorf("the English left-out page lacks the Uppsala reason:\n%s", page)
	}
}
