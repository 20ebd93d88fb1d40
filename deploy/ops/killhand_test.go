package ops_test

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/motesplats/motesplats/deploy/ops/layout"
	dinnersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestUp_KillNineThroughAnOffer walks a coordinator's mentoring flow
// through make up's layout with every message sent by SMTP to a real
// server, and kill -9s a process at each step: notify-1 between two
// approvals (notify-2 and the restarted notify-1 send the rest), nats-1
// right after the last approval (while the offers are sent), mentoring-1
// before the newcomer answers by link, mentoring-2 after. It counts: one
// e-mail per person per offer (by Message-ID, the receiver's key), every
// link opening this layout's gateway (they opened 127.0.0.1:8080 when
// the gateway had moved: ADR 0190), an answer taken once and a second one
// refused, no pair stored twice. The same for a dinner invitation
// (inviteThroughKills), with notify-2 and both dinners replicas killed.
func TestUp_KillNineThroughAnOffer(t *testing.T) {
	t.Parallel()
	mustBinaries(t)
	start := time.Now()
	s, sink := mustUpMailing(t)
	s.seed(t, 150, 50)
	ctx := testutil.Context(t)

	org := s.programmeOrg(t)
	m1 := mentoringv1.NewMentoringServiceClient(s.dial(t, "mentoring-1"))
	s.waitNoLag(t, "mentoring-1", "mentoring-2")
	id := s.runJob(t, m1, org, "killhand")
	var job *mentoringv1.Job
	testutil.CheckFor(t, 90*time.Second, 100*time.Millisecond, func() error {
		if job = s.getJob(t, m1, id); job.GetState() != mentoringv1.JobState_JOB_STATE_SUCCEEDED {
			return fmt.Errorf("job %s %s at %s", id, job.GetState(), job.GetPhase())
		}
		return nil
	})
	pairs := s.pairsOf(t, m1, id)
	const offers = 6
	if len(pairs) < offers {
		t.Fatalf("job %s proposed %d pairs, want at least %d: grow the seed", id, len(pairs), offers)
	}
	for i, p := range pairs[:offers] {
		if i == 2 {
			if err := s.Kill("notify-1"); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := m1.ApproveProposal(ctx, &mentoringv1.ApproveProposalRequest{Id: p.GetId()}); err != nil {
			t.Fatalf("approve %s: %v", p.GetId(), err)
		}
	}
	if err := s.Kill("nats-1"); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"nats-1", "notify-1"} {
		if err := s.Restart(ctx, name); err != nil {
			t.Fatal(err)
		}
	}

	// Two e-mails per offer, newcomer and mentor, and no more once both
	// notify replicas have consumed every event.
	testutil.CheckFor(t, 90*time.Second, 100*time.Millisecond, func() error {
		if n := len(sink.distinct()); n < 2*offers {
			return fmt.Errorf("%d of %d e-mails arrived", n, 2*offers)
		}
		return nil
	})
	s.waitNoLag(t, "notify-1", "notify-2")
	mails := sink.distinct()
	if len(mails) != 2*offers {
		t.Errorf("%d distinct e-mails for %d offers, want %d", len(mails), offers, 2*offers)
	}
	gw, _ := s.Proc("gateway")
	var links []string
	for mid, body := range mails {
		l := linkRE.FindString(body)
		if !strings.HasPrefix(l, "http://"+gw.Addr+"/a/") {
			t.Fatalf("e-mail %s links %q, want the layout's gateway http://%s/a/...", mid, l, gw.Addr)
		}
		links = append(links, l)
	}
	t.Logf("%d offers, %d e-mails (%d transmissions), each link on %s", offers, len(mails), sink.transmissions(), gw.Addr)

	// The answer, with the replica that approved dead: taken once.
	if err := s.Kill("mentoring-1"); err != nil {
		t.Fatal(err)
	}
	if code := answerLink(t, links[0]); code != http.StatusOK {
		t.Fatalf("answer with mentoring-1 dead: HTTP %d, want 200", code)
	}
	if err := s.Restart(ctx, "mentoring-1"); err != nil {
		t.Fatal(err)
	}
	// A new connection: the old one backs off after the kill.
	m1 = mentoringv1.NewMentoringServiceClient(s.dial(t, "mentoring-1"))
	if err := s.Kill("mentoring-2"); err != nil {
		t.Fatal(err)
	}
	if code := answerLink(t, links[0]); code != http.StatusConflict {
		t.Errorf("the same link answered again: HTTP %d, want 409 (already answered)", code)
	}
	accepted := 0
	for _, p := range pairs[:offers] {
		got, err := m1.GetPair(ctx, &mentoringv1.GetPairRequest{Id: p.GetId()})
		if err != nil {
			t.Fatalf("GetPair %s: %v", p.GetId(), err)
		}
		if got.GetPair().GetNewcomerAcceptTime() != nil {
			accepted++
		}
		if got.GetPair().GetMentorAcceptTime() != nil {
			accepted++
		}
	}
	if accepted != 1 {
		t.Errorf("%d acceptances recorded for one answer, want 1", accepted)
	}
	if got := s.pairsOf(t, m1, id); len(got) != len(pairs) {
		t.Errorf("job %s: %d pairs after the kills, %d before", id, len(got), len(pairs))
	}
	s.inviteThroughKills(t, sink, org, mails)
	t.Logf("both programmes' flows with seven kill -9 in %v after the build", time.Since(start).Round(time.Second))
}

// inviteThroughKills is the dinners half of TestUp_KillNineThroughAnOffer:
// a seating job, three seatings approved with notify-2 killed after the
// first (restarted after the last), each invitation mailed once to the
// guest and once to the host, and one accepted by link with dinners-1
// dead and refused as answered with dinners-2 dead. seen are the e-mails
// of the mentoring half.
func (s *system) inviteThroughKills(t *testing.T, sink *sink, org *volunteersv1.Organisation, seen map[string]string) {
	t.Helper()
	ctx := testutil.Context(t)
	d1 := dinnersv1.NewDinnerServiceClient(s.dial(t, "dinners-1"))
	s.waitNoLag(t, "dinners-1", "dinners-2")
	res, err := d1.StartMatchingJob(ctx, &dinnersv1.StartMatchingJobRequest{RequestId: "killhand",
		OrganisationId: org.GetId(), MunicipalityCodes: org.GetMunicipalityCodes()})
	if err != nil {
		t.Fatalf("dinners StartMatchingJob: %v", err)
	}
	id := res.GetJob().GetId()
	awaitSucceeded(t, "dinners job", id, dinnersv1.JobState_JOB_STATE_SUCCEEDED, func() (dinnersv1.JobState, error) {
		job, err := d1.GetJob(ctx, &dinnersv1.GetJobRequest{Id: id})
		return job.GetJob().GetState(), err
	})
	list, err := d1.ListSeatings(ctx, &dinnersv1.ListSeatingsRequest{JobId: id, PageSize: 50})
	if err != nil {
		t.Fatal(err)
	}
	const invitations = 3
	seatings := list.GetSeatings()
	if len(seatings) < invitations {
		t.Fatalf("dinners job %s seated %d parties, want at least %d: grow the seed", id, len(seatings), invitations)
	}
	for i, st := range seatings[:invitations] {
		if i == 1 {
			if err := s.Kill("notify-2"); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := d1.ApproveSeating(ctx, &dinnersv1.ApproveSeatingRequest{Id: st.GetId()}); err != nil {
			t.Fatalf("approve seating %s: %v", st.GetId(), err)
		}
	}
	if err := s.Restart(ctx, "notify-2"); err != nil {
		t.Fatal(err)
	}
	want := len(seen) + 2*invitations
	testutil.CheckFor(t, 90*time.Second, 100*time.Millisecond, func() error {
		if n := len(sink.distinct()); n < want {
			return fmt.Errorf("%d of %d e-mails arrived", n, want)
		}
		return nil
	})
	s.waitNoLag(t, "notify-1", "notify-2")
	gw, _ := s.Proc("gateway")
	var links []string
	for mid, body := range sink.distinct() {
		if _, ok := seen[mid]; ok {
			continue
		}
		l := linkRE.FindString(body)
		if !strings.HasPrefix(l, "http://"+gw.Addr+"/a/") {
			t.Fatalf("invitation %s links %q, want the layout's gateway", mid, l)
		}
		links = append(links, l)
	}
	if len(links) != 2*invitations {
		t.Fatalf("%d distinct e-mails for %d invitations, want %d", len(links), invitations, 2*invitations)
	}
	if err := s.Kill("dinners-1"); err != nil {
		t.Fatal(err)
	}
	if code := answerLink(t, links[0]); code != http.StatusOK {
		t.Fatalf("invitation accepted with dinners-1 dead: HTTP %d, want 200", code)
	}
	if err := s.Restart(ctx, "dinners-1"); err != nil {
		t.Fatal(err)
	}
	d1 = dinnersv1.NewDinnerServiceClient(s.dial(t, "dinners-1"))
	if err := s.Kill("dinners-2"); err != nil {
		t.Fatal(err)
	}
	if code := answerLink(t, links[0]); code != http.StatusConflict {
		t.Errorf("the same invitation answered again: HTTP %d, want 409", code)
	}
	accepted := 0
	for _, st := range seatings[:invitations] {
		got, err := d1.GetSeating(ctx, &dinnersv1.GetSeatingRequest{Id: st.GetId()})
		if err != nil {
			t.Fatalf("GetSeating %s: %v", st.GetId(), err)
		}
		if got.GetSeating().GetGuestAcceptTime() != nil {
			accepted++
		}
		if got.GetSeating().GetHostAcceptTime() != nil {
			accepted++
		}
	}
	if accepted != 1 {
		t.Errorf("%d acceptances recorded for one answer to an invitation, want 1", accepted)
	}
}

// linkRE finds an answer link in a decoded e-mail.
var linkRE = regexp.MustCompile(`https?://[^\s"'<>]+/a/[A-Za-z0-9_-]+`)

// answerLink opens an answer link as the person's browser does and
// accepts: the page's nonce, then the form's POST. It returns the POST's
// status.
func answerLink(t *testing.T, link string) int {
	t.Helper()
	res, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := regexp.MustCompile(`name="nonce" value="([^"]*)"`).FindSubmatch(page)
	nonce := ""
	if m != nil {
		nonce = string(m[1])
	}
	res, err = http.PostForm(link, url.Values{"nonce": {nonce}, "action": {"accept"}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if bytes.Contains(body, []byte("rpc error")) || bytes.Contains(body, []byte("desc =")) {
		t.Errorf("answer page shows Go error text: %s", body)
	}
	return res.StatusCode
}

// sink is an SMTP server that keeps every message it is given, by
// Message-ID (the key a receiving server dedupes by) and decoded.
type sink struct {
	addr string
	mu   sync.Mutex
	byID map[string]string
	sent int
}

// mustUpMailing starts make up's layout on one NATS node with both
// notify replicas sending by SMTP to a real server of the test's own, and
// returns both, so a test can count the e-mails a flow sent.
func mustUpMailing(t *testing.T) (*system, *sink) {
	t.Helper()
	sink := startSink(t)
	smtpURL := "smtp://" + sink.addr + "?from=noreply@example.org&tls=none"
	s := mustUpWith(t, layout.Options{NATSNodes: 1, ProcEnv: map[string]map[string]string{
		"notify-1": {"MP_SMTP_URL": smtpURL}, "notify-2": {"MP_SMTP_URL": smtpURL}}})
	return s, sink
}

// programmeOrg is an organisation the seed made in Stockholm (0180) that
// runs the programmes, not guides: the one the flows' jobs run for.
func (s *system) programmeOrg(t *testing.T) *volunteersv1.Organisation {
	t.Helper()
	vc := volunteersv1.NewVolunteerServiceClient(s.dial(t, "volunteers"))
	orgs, err := vc.ListOrganisations(testutil.Context(t), &volunteersv1.ListOrganisationsRequest{MunicipalityCode: "0180", PageSize: 50})
	if err != nil {
		t.Fatal(err)
	}
	var org *volunteersv1.Organisation
	for _, o := range orgs.GetOrganisations() {
		if !o.GetIsGuideOrganisation() {
			org = o
		}
	}
	if org == nil {
		t.Fatal("the seed made no programme organisation in 0180")
	}
	return org
}

func startSink(t *testing.T) *sink {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	k := &sink{addr: lis.Addr().String(), byID: map[string]string{}}
	srv := smtp.NewServer(k)
	srv.Domain, srv.AllowInsecureAuth = "localhost", true
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(func() { _ = srv.Close() })
	return k
}

func (k *sink) distinct() map[string]string {
	k.mu.Lock()
	defer k.mu.Unlock()
	out := make(map[string]string, len(k.byID))
	for id, b := range k.byID {
		out[id] = b
	}
	return out
}

func (k *sink) transmissions() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.sent
}

// NewSession implements smtp.Backend.
func (k *sink) NewSession(*smtp.Conn) (smtp.Session, error) { return &sinkSession{k: k}, nil }

type sinkSession struct{ k *sink }

func (s *sinkSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *sinkSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s *sinkSession) Reset()                               {}
func (s *sinkSession) Logout() error                        { return nil }

func (s *sinkSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	id := regexp.MustCompile(`(?im)^Message-Id:\s*(\S+)`).FindSubmatch(raw)
	if id == nil {
		return fmt.Errorf("no Message-ID")
	}
	// Quoted-printable breaks a long link with "=" at a line's end.
	body := strings.NewReplacer("=\r\n", "", "=\n", "", "=3D", "=").Replace(string(raw))
	s.k.mu.Lock()
	defer s.k.mu.Unlock()
	s.k.byID[string(id[1])] = body
	s.k.sent++
	return nil
}
