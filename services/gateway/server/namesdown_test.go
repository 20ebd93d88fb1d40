package server_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/redis/go-redis/v9"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	guidesv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/service"
	"github.com/motesplats/motesplats/pkg/testutil"
	participants "github.com/motesplats/motesplats/services/participants/server"
)

// leftOutJobs runs, as c, a guides job (once eligible newcomers are
// entitled to a guide) and then a mentoring job to their end and returns
// their ids; with leftOutNewcomer's Somali speakers and no Somali guide
// or mentor, both jobs leave every such newcomer out.
func leftOutJobs(t *testing.T, c *apiClient, prefix string, eligible int32) (gjob, mjob string) {
	t.Helper()
	ctx := testutil.Context(t)
	testutil.CheckFor(t, 60*time.Second, 200*time.Millisecond, func() error {
		if gjob == "" {
			el, err := c.guides.ListGuideEligibility(ctx, connect.NewRequest(&gatewayv1.ListGuideEligibilityRequest{}))
			if err != nil || el.Msg.GetTotalSize() != eligible {
				return fmt.Errorf("eligibility %d %v", el.Msg.GetTotalSize(), err)
			}
			s, err := c.guides.StartGuideJob(ctx, connect.NewRequest(&gatewayv1.StartGuideJobRequest{RequestId: prefix + "-guides"}))
			if err != nil {
				return err
			}
			gjob = s.Msg.GetJob().GetId()
		}
		j, err := c.guides.GetGuideJob(ctx, connect.NewRequest(&gatewayv1.GetGuideJobRequest{Id: gjob}))
		if err != nil {
			return err
		}
		if j.Msg.GetJob().GetState() != guidesv1.JobState_JOB_STATE_SUCCEEDED {
			return fmt.Errorf("guides job %v", j.Msg.GetJob().GetState())
		}
		return nil
	})
	testutil.CheckFor(t, 60*time.Second, 200*time.Millisecond, func() error {
		if mjob == "" {
			s, err := c.matching.StartMatchingJob(ctx, connect.NewRequest(&gatewayv1.StartMatchingJobRequest{RequestId: prefix + "-mentoring"}))
			if err != nil {
				return err
			}
			mjob = s.Msg.GetJob().GetId()
		}
		j, err := c.matching.GetMatchingJob(ctx, connect.NewRequest(&gatewayv1.GetMatchingJobRequest{Id: mjob}))
		if err != nil {
			return err
		}
		if j.Msg.GetJob().GetState() != mentoringv1.JobState_JOB_STATE_SUCCEEDED {
			return fmt.Errorf("mentoring job %v", j.Msg.GetJob().GetState())
		}
		return nil
	})
	return gjob, mjob
}

// nameRead is one way a coordinator reads a list of people: what it
// showed, and its error (an HTTP status other than 200 for a page).
type nameRead struct {
	text string
	err  error
}

// readNamedLists reads the waiting, unmatched and unassigned lists as c
// (API), b (web, in English: the test's browser asks for no language) and mp in dir (Swedish and English).
func readNamedLists(t *testing.T, c *apiClient, b *browser, dir, gjob, mjob string) map[string]nameRead {
	t.Helper()
	ctx := testutil.Context(t)
	out := map[string]nameRead{}
	if w, err := c.matching.ListWaitingNewcomers(ctx, connect.NewRequest(&gatewayv1.ListWaitingNewcomersRequest{})); err != nil {
		out["API waiting"] = nameRead{err: err}
	} else {
		out["API waiting"] = nameRead{text: fmt.Sprint(w.Msg.GetNewcomers())}
	}
	if m, err := c.matching.ListUnmatchedNewcomers(ctx, connect.NewRequest(&gatewayv1.ListUnmatchedNewcomersRequest{JobId: mjob})); err != nil {
		out["API unmatched"] = nameRead{err: err}
	} else {
		out["API unmatched"] = nameRead{text: fmt.Sprint(m.Msg.GetUnmatched())}
	}
	if g, err := c.guides.ListGuideUnassigned(ctx, connect.NewRequest(&gatewayv1.ListGuideUnassignedRequest{JobId: gjob})); err != nil {
		out["API unassigned"] = nameRead{err: err}
	} else {
		out["API unassigned"] = nameRead{text: fmt.Sprint(g.Msg.GetUnassigned())}
	}
	for _, path := range []string{"/matching/waiting", "/matching/jobs/" + mjob + "/unmatched", "/guides/jobs/" + gjob + "/unassigned"} {
		code, body := b.get(path)
		var err error
		if code != http.StatusOK {
			err = fmt.Errorf("status %d", code)
		}
		out["web "+path] = nameRead{body, err}
	}
	for _, lang := range []string{"sv", "en"} {
		for _, args := range [][]string{{"matching", "waiting"}, {"jobs", "unmatched", mjob}, {"guides", "jobs", "unassigned", gjob}} {
			text, err := mpLang(t, dir, lang, args...)
			out["mp "+lang+" "+strings.Join(args[:len(args)-1], " ")] = nameRead{text, err}
		}
	}
	return out
}

// mpLang is mpRun with MP_LANG set to lang.
func mpLang(t testing.TB, dir, lang string, args ...string) (string, error) {
	t.Helper()
	return mpAs(t, dir, password, lang, args...)
}

// forgetNames deletes the gateway's cached views and names of
// participants from Redis, so the next read asks the participants
// service (the left-out page reads the names, ADR 0228).
func forgetNames(t *testing.T, rc *redis.Client) {
	t.Helper()
	ctx := testutil.Context(t)
	for _, pattern := range []string{"*participant/*", "*participant-name/*"} {
		iter := rc.Scan(ctx, 0, pattern, 100).Iterator()
		for iter.Next(ctx) {
			if err := rc.Del(ctx, iter.Val()).Err(); err != nil {
				t.Fatal(err)
			}
		}
		if err := iter.Err(); err != nil {
			t.Fatal(err)
		}
	}
}

// participantsForgetting starts a participants service on an empty store
// of its own at the stopped one's address: every newcomer is NotFound to
// it, as an erased newcomer is to the real one in the moment before the
// mentoring and guides services hear of the erasure.
func (e *env) participantsForgetting(t *testing.T) {
	t.Helper()
	n := testutil.MustNATS(t)
	d := service.Deps{JS: n.JS, Verifier: e.deps.Verifier, Now: e.deps.Now}.WithDefaults()
	ctx, cancel := context.WithCancel(context.Background())
	done, ready := make(chan error, 1), make(chan net.Addr, 1)
	go func() {
		done <- participants.Run(ctx, e.addrs.Participants, d, participants.Options{}, func(a net.Addr) { ready <- a })
	}()
	select {
	case <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("participants again on %s: %v", e.addrs.Participants, err)
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("participants again: %v", err)
		}
	})
}

// TestNamesWhileParticipantsIsDown (ADR 0182; ADR 0181 Left): the
// waiting, unmatched and unassigned lists, in the API, the web pages and
// mp in Swedish and English, read with the participants service stopped
// and the gateway's cached names gone, did not fail: every row came back
// nameless, and the pages and mp said "(borttagen)" / "(removed)" for a
// newcomer who was not erased. Now each read fails as "a service is not
// answering" in the reader's words and names no one as removed; a
// participants service to which the newcomer is NotFound (erased) still
// leaves the rows nameless, "(borttagen)".
func TestNamesWhileParticipantsIsDown(t *testing.T) {
	t.Parallel()
	e, rc, _ := startWithRedis(t, envOptions{})
	ctx := testutil.Context(t)
	admin := e.login(adminEmail, adminPass)
	if _, err := e.serviceClient().CreateOrganisation(ctx, &volunteersv1.CreateOrganisationRequest{Organisation: &volunteersv1.Organisation{
		Name: "Lotsarna i Kalmar", Type: volunteersv1.OrganisationType_ORGANISATION_TYPE_ASSOCIATION, MunicipalityCodes: []string{"0880"},
		IsGuideOrganisation: true, GuideCapacities: []*eventsv1.GuideCapacity{{MunicipalityCode: "0880", Language: "ar", Capacity: 2}}}}); err != nil {
		t.Fatal(err)
	}
	org := e.createOrg("Röda Korset Kalmar", "0880")
	c := e.coordinator(admin, "namn@example.org", org, "0880")
	const given = "Namnhild"
	id := leftOutNewcomer(t, c, org, given)
	mentor(t, c, org, "0880", "Erik")
	gjob, mjob := leftOutJobs(t, c, "names", 1)
	b := e.browser()
	b.signIn("namn@example.org", password)
	dir := t.TempDir()
	mp(t, dir, "login", "-server", e.base, "-email", "namn@example.org")

	testutil.CheckFor(t, 30*time.Second, 200*time.Millisecond, func() error {
		for what, r := range readNamedLists(t, c, b, dir, gjob, mjob) {
			if r.err != nil || !strings.Contains(r.text, given) {
				return fmt.Errorf("with participants up, %s does not name the newcomer (%v):\n%s", what, r.err, trim(r.text))
			}
		}
		return nil
	})

	e.stopParticipants()
	forgetNames(t, rc)
	for what, r := range readNamedLists(t, c, b, dir, gjob, mjob) {
		shown := r.text
		if r.err != nil {
			shown += "\n" + r.err.Error()
		}
		for _, gone := range []string{"borttagen", "removed"} {
			if strings.Contains(strings.ToLower(shown), gone) {
				t.Errorf("with participants down, %s says %q:\n%s", what, gone, trim(shown))
			}
		}
		if r.err == nil {
			t.Errorf("with participants down, %s did not fail:\n%s", what, trim(shown))
			continue
		}
		var want string
		switch {
		case strings.HasPrefix(what, "API"):
			if code := connect.CodeOf(r.err); code != connect.CodeUnavailable {
				t.Errorf("with participants down, %s: code %v, want Unavailable", what, code)
			}
			continue
		case strings.HasPrefix(what, "web"):
			want = "try again" // the test's browser asks for no language: English
			if r.err.Error() != "status 503" {
				t.Errorf("with participants down, %s: %v, want status 503", what, r.err)
			}
		case strings.HasPrefix(what, "mp sv"):
			want = "försök igen"
		default:
			want = "try again"
		}
		if !strings.Contains(strings.ToLower(shown), strings.ToLower(want)) {
			t.Errorf("with participants down, %s does not say %q:\n%s", what, want, trim(shown))
		}
	}

	e.participantsForgetting(t)
	testutil.CheckFor(t, 60*time.Second, 250*time.Millisecond, func() error {
		for what, r := range readNamedLists(t, c, b, dir, gjob, mjob) {
			if r.err != nil {
				return fmt.Errorf("with the newcomer erased, %s: %w", what, r.err)
			}
			if strings.Contains(r.text, given) || !strings.Contains(r.text, id) && !strings.HasPrefix(what, "web") {
				return fmt.Errorf("with the newcomer erased, %s names them or lacks their row:\n%s", what, trim(r.text))
			}
			var gone string
			switch {
			case strings.HasPrefix(what, "mp sv"):
				gone = "(borttagen)"
			case strings.HasPrefix(what, "web"), strings.HasPrefix(what, "mp en"):
				gone = "(removed)"
			}
			if !strings.Contains(r.text, gone) {
				return errors.New(what + " does not say " + gone + ":\n" + trim(r.text))
			}
		}
		return nil
	})
}
