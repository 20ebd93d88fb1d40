package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/motesplats/motesplats/pkg/events"
	"github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1/gatewayv1connect"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestAnswer_SeededOfferThroughTheGateway is issue 13's "done when" as a
// coordinator and a newcomer meet it: on the seeded demo stack, a
// coordinator approves a proposal in the gateway; the offer waits in the
// development mailbox in the newcomer's language, where an admin finds it
// on the mailbox page; its link opens the public answer page in that
// language, and accepting there (a plain form post) moves the pair
// forward. The link's token shows in no span and no log line.
func TestAnswer_SeededOfferThroughTheGateway(t *testing.T) {
	spans := tracetest.NewInMemoryExporter()
	logs := &testutil.LogBuffer{}
	cfg := testConfig(t, t.TempDir())
	cfg.spans, cfg.logs = spans, logs
	l, _, _ := startStack(t, cfg)
	cfg.ParticipantsAddr, cfg.VolunteersAddr = l.Addr("participants"), l.Addr("volunteers")
	cfg.DinnersAddr = l.Addr("dinners")
	ctx := testutil.Context(t)
	var out bytes.Buffer
	if err := seed(ctx, cfg, []string{"-participants", "60", "-volunteers", "20", "-nats", "nats://" + l.Addr("nats")}, &out); err != nil {
		t.Fatalf("seed: %v\n%s", err, out.String())
	}
	js := natsClient(t, l)
	consumerSettled(t, ctx, js, events.StreamParticipants, "mentoring-participants")
	consumerSettled(t, ctx, js, events.StreamVolunteers, "mentoring-volunteers")
	base := "http://" + l.Addr("gateway")
	anna := signIn(t, base, out.String(), "anna@example.org")

	// The coordinator runs a job and approves its first proposal.
	var started struct{ Job struct{ ID string } }
	post(t, base, gatewayv1connect.MatchingServiceStartMatchingJobProcedure, anna, map[string]any{"requestId": "answer-e2e"}, &started)
	testutil.CheckFor(t, 60*time.Second, 50*time.Millisecond, func() error {
		var j struct{ Job struct{ State string } }
		post(t, base, gatewayv1connect.MatchingServiceGetMatchingJobProcedure, anna, map[string]any{"id": started.Job.ID}, &j)
		if j.Job.State != "JOB_STATE_SUCCEEDED" {
			return fmt.Errorf("job %s", j.Job.State)
		}
		return nil
	})
	type pair struct {
		Pair struct {
			ID                 string `json:"id"`
			ParticipantID      string `json:"participantId"`
			Status             string `json:"status"`
			NewcomerAcceptTime string `json:"newcomerAcceptTime"`
		} `json:"pair"`
	}
	var pairs struct{ Pairs []pair }
	post(t, base, gatewayv1connect.MatchingServiceListPairsProcedure, anna, map[string]any{"jobId": started.Job.ID}, &pairs)
	if len(pairs.Pairs) == 0 {
		t.Fatal("the seeded job proposed nothing")
	}
	p := pairs.Pairs[0].Pair
	var approved map[string]any
	post(t, base, gatewayv1connect.MatchingServiceApprovePairProcedure, anna, map[string]any{"id": p.ID}, &approved)

	// The language the offer must be in: the newcomer's message
	// language, which the seed leaves to their contact language.
	var got struct {
		Participant struct {
			Participant struct {
				Contact struct {
					PreferredLanguage string `json:"preferredLanguage"`
				} `json:"contact"`
			} `json:"participant"`
		} `json:"participant"`
	}
	post(t, base, gatewayv1connect.RegistryServiceGetParticipantProcedure, anna, map[string]any{"id": p.ParticipantID}, &got)
	want := got.Participant.Participant.Contact.PreferredLanguage
	switch want {
	case "sv", "en", "ar", "fa", "prs", "ti", "so", "uk":
	default:
		want = "sv"
	}

	// The admin finds the offer on the mailbox page and opens it.
	web := newWebUser(t, base, "admin@example.org", password(t, out.String(), "admin@example.org"))
	var msgID string
	testutil.CheckFor(t, 30*time.Second, 100*time.Millisecond, func() error {
		_, page := web.get("/admin/mailbox?person_id=" + url.QueryEscape(p.ParticipantID))
		m := regexp.MustCompile(`href="/admin/mailbox/([^"]+)"`).FindStringSubmatch(page)
		if m == nil {
			return fmt.Errorf("no message to the newcomer on the mailbox page yet")
		}
		msgID = m[1]
		return nil
	})
	code, page := web.get("/admin/mailbox/" + msgID)
	link := regexp.MustCompile(`href="(/a/[^"]+)" class="button primary" id="answer-link"`).FindStringSubmatch(page)
	if code != http.StatusOK || link == nil {
		t.Fatalf("message page %d has no answer link:\n%s", code, page)
	}
	if !strings.Contains(page, `<pre class="message-text" lang="`+want+`"`) {
		t.Fatalf("the offer is not in the newcomer's language %q:\n%s", want, page)
	}

	// The newcomer opens the link (no account, no script) and accepts.
	code, page = anonymous(t, "GET", base+link[1], nil)
	dir := "ltr"
	if want == "ar" || want == "fa" || want == "prs" {
		dir = "rtl"
	}
	if code != http.StatusOK || !strings.Contains(page, `<html lang="`+want+`" dir="`+dir+`">`) {
		t.Fatalf("answer page %d, want %s (%s):\n%s", code, want, dir, page)
	}
	nonce := regexp.MustCompile(`name="nonce" value="([^"]+)"`).FindStringSubmatch(page)
	if nonce == nil {
		t.Fatalf("no form on the answer page:\n%s", page)
	}
	code, page = anonymous(t, "POST", base+link[1], url.Values{"nonce": {nonce[1]}, "action": {"accept"}})
	if code != http.StatusOK {
		t.Fatalf("accept: %d\n%s", code, page)
	}
	var after struct {
		Pair pair `json:"pair"`
	}
	post(t, base, gatewayv1connect.MatchingServiceGetPairProcedure, anna, map[string]any{"id": p.ID}, &after)
	if after.Pair.Pair.NewcomerAcceptTime == "" {
		t.Fatalf("the pair did not move forward: %+v", after.Pair.Pair)
	}

	// The token is a secret: in no span (the route pattern stands in for
	// the path) and in no log line.
	tok := strings.TrimPrefix(link[1], "/a/")
	for _, s := range spans.GetSpans() {
		if strings.Contains(s.Name, tok) {
			t.Errorf("span %q names the token", s.Name)
		}
		for _, a := range s.Attributes {
			if strings.Contains(a.Value.Emit(), tok) {
				t.Errorf("span %q attribute %s carries the token", s.Name, a.Key)
			}
		}
	}
	if strings.Contains(logs.String(), tok) {
		t.Error("a log line carries the token")
	}
}

// password is a demo sign-in's password from the seed's output.
func password(t *testing.T, seedOut, email string) string {
	t.Helper()
	m := regexp.MustCompile(regexp.QuoteMeta(email) + `\s+password (\S+)`).FindStringSubmatch(seedOut)
	if m == nil {
		t.Fatalf("the seed's output names no password for %s:\n%s", email, seedOut)
	}
	return m[1]
}

// signIn returns an API token for a demo user.
func signIn(t *testing.T, base, seedOut, email string) string {
	t.Helper()
	var res struct{ Token string }
	post(t, base, gatewayv1connect.ApiTokenServiceCreateApiTokenProcedure, "",
		map[string]any{"email": email, "password": password(t, seedOut, email)}, &res)
	if res.Token == "" {
		t.Fatalf("sign-in of %s returned no token", email)
	}
	return res.Token
}

// webUser is a signed-in browser session of the web app.
type webUser struct {
	t    *testing.T
	base string
	c    *http.Client
}

func newWebUser(t *testing.T, base, email, pass string) *webUser {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	u := &webUser{t: t, base: base, c: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	_, page := u.get("/signin")
	csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(page)
	if csrf == nil {
		t.Fatalf("no CSRF field on the sign-in page:\n%s", page)
	}
	res, err := u.c.PostForm(base+"/signin", url.Values{"csrf": {csrf[1]}, "email": {email}, "password": {pass}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
		t.Fatalf("web sign-in of %s: %d %s", email, res.StatusCode, res.Header.Get("Location"))
	}
	return u
}

func (u *webUser) get(path string) (int, string) {
	u.t.Helper()
	res, err := u.c.Get(u.base + path)
	if err != nil {
		u.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// anonymous is a request from a browser with no cookies and no script.
func anonymous(t *testing.T, method, u string, form url.Values) (int, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, u, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	res, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}
