package ops_test

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/deploy/ops/layout"
	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/spantree"
)

// The gateway's procedures the test calls, as the web app does (Connect's
// JSON over HTTP).
const (
	signInProc   = "/motesplats.gateway.v1.ApiTokenService/CreateApiToken"
	startJobProc = "/motesplats.gateway.v1.MatchingService/StartMatchingJob"
	getJobProc   = "/motesplats.gateway.v1.MatchingService/GetMatchingJob"
	listPairs    = "/motesplats.gateway.v1.MatchingService/ListPairs"
	approveProc  = "/motesplats.gateway.v1.MatchingService/ApprovePair"
)

// TestUp_OneTraceInJaeger runs the `make up` layout with Jaeger all-in-one
// as the OTLP receiver of every process, as an operator would (make up
// JAEGER=1). A coordinator signs in at the gateway, starts a matching job
// and approves one of its proposals; each click is one trace in Jaeger,
// read back through its query API: one root (the gateway's HTTP span),
// the gateway's call to mentoring, the job's run on whichever replica
// took it, every proposal's publish, and below each publish the handling
// by every consumer of the event, notify's included; the approval's trace
// reaches Redis. No span of any service carries a personal value planted
// in the people the job matched.
func TestUp_OneTraceInJaeger(t *testing.T) {
	t.Parallel()
	start := time.Now()
	mustBinaries(t)
	jaeger := mustJaeger(t)
	t.Logf("binaries and jaeger built (or cached) in %v", time.Since(start).Round(time.Millisecond))
	s := mustUpWith(t, layout.Options{NATSNodes: 1, Jaeger: jaeger})
	jp, _ := s.Proc("jaeger")
	jq := "http://" + jp.Health
	out := s.seed(t, 300, 100)
	pw := regexp.MustCompile(`anna@example\.org\s+password (\S+)`).FindStringSubmatch(out)
	if pw == nil {
		t.Fatalf("the seed names no password for anna:\n%s", out)
	}
	m := s.plant(t)
	s.waitNoLag(t, "mentoring-1", "mentoring-2", "notify-1", "notify-2")

	gp, _ := s.Proc("gateway")
	gw := "http://" + gp.Addr
	var signedIn struct{ Token string }
	call(t, gw, signInProc, "", map[string]any{"email": "anna@example.org", "password": pw[1]}, &signedIn)
	type job struct {
		Job struct {
			ID, State string
			Counts    struct{ Proposals int }
		}
	}
	var started, done job
	call(t, gw, startJobProc, signedIn.Token, map[string]any{"requestId": "one-trace"}, &started)
	testutil.CheckFor(t, 3*time.Minute, 250*time.Millisecond, func() error {
		call(t, gw, getJobProc, signedIn.Token, map[string]any{"id": started.Job.ID}, &done)
		switch done.Job.State {
		case "JOB_STATE_SUCCEEDED":
			return nil
		case "JOB_STATE_FAILED":
			t.Fatalf("job failed: %+v", done)
		}
		return fmt.Errorf("job %s", done.Job.State)
	})
	proposals := done.Job.Counts.Proposals
	if proposals == 0 {
		t.Fatal("the job proposed nothing: its trace would hold no events")
	}

	// The start: one trace from the click to every consumer of the
	// proposals' events (each durable consumer handles each event once).
	publish, process := "publish "+events.PairProposed, "process "+events.PairProposed
	durables := s.consumersOf(t, events.StreamMentoring, events.PairProposed)
	if !slices.ContainsFunc(durables, func(d string) bool { return strings.HasPrefix(d, "notify") }) {
		t.Fatalf("no notify consumer of %s among %v", events.PairProposed, durables)
	}
	handledBy := func(tr *spantree.Tree, p spantree.Span) []string {
		var by []string
		for _, k := range tr.Kids(p.ID) {
			if k.Name == process && !slices.Contains(by, k.Attr("messaging.consumer.group.name")) {
				by = append(by, k.Attr("messaging.consumer.group.name"))
			}
		}
		slices.Sort(by)
		return by
	}
	// A job writes and publishes its proposals one at a time or in batches
	// (25 a batch since b65f752: one "publish batch" span per batch).
	publishes := func(tr *spantree.Tree) []spantree.Span {
		return append(tr.Named(publish), tr.Named("publish batch")...)
	}
	// handled counts each durable's handlings below the publishes.
	handled := func(tr *spantree.Tree) map[string]int {
		n := map[string]int{}
		for _, p := range publishes(tr) {
			for _, k := range tr.Kids(p.ID) {
				if k.Name == process {
					n[k.Attr("messaging.consumer.group.name")]++
				}
			}
		}
		return n
	}
	startRPC := "motesplats.mentoring.v1.MentoringService/StartMatchingJob"
	tr := waitTrace(t, jq, startRPC, func(tr *spantree.Tree) error {
		// The gateway exports its spans in its own batches, as each
		// process does: without them the trace seems rooted in mentoring.
		if !slices.ContainsFunc(tr.Spans(), func(s spantree.Span) bool { return s.Service == "gateway" }) {
			return fmt.Errorf("the gateway's spans are not in the trace yet")
		}
		// A span is exported when it ends: the job's run ends after its
		// steps, so its steps can arrive a batch before it (seen in CI:
		// snapshot, build, solve and propose without their jobs.run).
		// A broken propagation still fails oneRoot below, after the wait.
		if roots := tr.Roots(); len(roots) != 1 {
			return fmt.Errorf("%d spans without their parent in the trace yet", len(roots))
		}
		n := handled(tr)
		for _, d := range durables {
			if n[d] < proposals {
				return fmt.Errorf("%s handled %d of %d proposals below a publish", d, n[d], proposals)
			}
		}
		for _, p := range publishes(tr) {
			if by := handledBy(tr, p); !slices.Equal(by, durables) {
				return fmt.Errorf("publish %s handled by %v, want %v", p.ID, by, durables)
			}
		}
		return nil
	})
	t.Logf("the start's trace in Jaeger (%d spans):\n%s", tr.Len(), tr)
	root := oneRoot(t, tr, "StartMatchingJob")
	mentoringCall := onlyIn(t, tr, "mentoring", startRPC, "server")
	if !tr.Under(mentoringCall, root.ID) {
		t.Errorf("mentoring's StartMatchingJob is not below the gateway's request")
	}
	runs := tr.Named("jobs.run mentoring")
	if len(runs) == 0 || !tr.Under(runs[0], root.ID) {
		t.Fatalf("no jobs.run span below the request (%d)", len(runs))
	}
	if got := len(publishes(tr)); got == 0 || got > proposals {
		t.Errorf("%d publish spans, want 1 to %d (one per proposal or per batch)", got, proposals)
	}
	services := map[string]bool{}
	for _, p := range publishes(tr) {
		if !tr.Under(p, runs[0].ID) {
			t.Errorf("publish %s is not below the job's run", p.ID)
		}
		for _, k := range tr.Kids(p.ID) {
			if k.Name == process {
				services[k.Service] = true
			}
		}
	}
	if !services["notify"] {
		t.Errorf("no notify replica's handling in the trace (consumers' services: %v)", services)
	}
	t.Logf("every one of %d proposals published below the job's run and handled by %v in the trace", proposals, durables)

	// The approval: the gateway reads the people (through Redis) and
	// mentoring announces it; notify handles the event.
	var pairs struct {
		Pairs []struct {
			Pair struct{ ID, ParticipantID string }
		}
	}
	call(t, gw, listPairs, signedIn.Token, map[string]any{"jobId": started.Job.ID, "pageSize": 100}, &pairs)
	if len(pairs.Pairs) == 0 {
		t.Fatal("the job's pairs are not listed")
	}
	pick := pairs.Pairs[0].Pair.ID
	for _, p := range pairs.Pairs {
		if p.Pair.ParticipantID == m.participant {
			pick = p.Pair.ID // the planted newcomer: notify reads her record
		}
	}
	var approved map[string]any
	call(t, gw, approveProc, signedIn.Token, map[string]any{"id": pick}, &approved)
	approveRPC := "motesplats.mentoring.v1.MentoringService/ApproveProposal"
	atr := waitTrace(t, jq, approveRPC, func(tr *spantree.Tree) error {
		// Each process exports in its own batches: wait for the gateway's
		// spans as well as notify's, or the trace seems to start in
		// mentoring only because the gateway has not sent its part yet.
		var notified, gateway bool
		for _, s := range tr.Spans() {
			notified = notified || strings.HasPrefix(s.Name, "process ") && s.Service == "notify"
			gateway = gateway || s.Service == "gateway"
		}
		if !notified || !gateway {
			return fmt.Errorf("notify's handling or the gateway's spans are not in the trace yet")
		}
		if roots := tr.Roots(); len(roots) != 1 {
			return fmt.Errorf("%d spans without their parent in the trace yet", len(roots))
		}
		return nil
	})
	t.Logf("the approval's trace in Jaeger (%d spans):\n%s", atr.Len(), atr)
	oneRoot(t, atr, "ApprovePair")
	onlyIn(t, atr, "mentoring", approveRPC, "server")
	var redis []string
	for _, s := range atr.Spans() {
		if s.Attr("db.system") == "redis" || s.Attr("db.system.name") == "redis" {
			redis = append(redis, s.Service+": "+s.Name)
		}
	}
	if len(redis) == 0 {
		t.Errorf("the approval's trace has no Redis span")
	}
	t.Logf("Redis in the approval's trace: %v", redis)

	// No personal value in any span any process exported.
	found := scanJaeger(t, jq, m.values)
	if len(found) > 0 {
		t.Errorf("planted personal values in exported spans: %v", found)
	}
}

// planted are the personal values of one newcomer and one mentor the test
// registers in the coordinator's organisation, so the job matches them.
type planted struct {
	participant string
	values      []string
}

// plant registers a newcomer and a mentor in Anna's organisation (0180,
// 0380) with unique values in every personal field.
func (s *system) plant(t *testing.T) planted {
	t.Helper()
	ctx := testutil.Context(t)
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	run := "zq"
	for _, c := range b {
		run += string(rune('a' + c%26))
	}
	var p planted
	mark := func(field string) string { v := run + field; p.values = append(p.values, v); return v }
	phone := func(n int) string {
		v := fmt.Sprintf("+46709%02d%04d", n, int(b[0])<<4|int(b[1]&15))
		p.values = append(p.values, v)
		return v
	}
	vc := volunteersv1.NewVolunteerServiceClient(s.dial(t, "volunteers"))
	orgs, err := vc.ListOrganisations(ctx, &volunteersv1.ListOrganisationsRequest{MunicipalityCode: "0380", PageSize: 50})
	if err != nil {
		t.Fatal(err)
	}
	var org string
	for _, o := range orgs.GetOrganisations() {
		if !o.GetIsGuideOrganisation() && slices.Contains(o.GetMunicipalityCodes(), "0180") {
			org = o.GetId()
		}
	}
	if org == "" {
		t.Fatal("the seed made no organisation for Stockholm and Uppsala (Anna's)")
	}
	pc := participantsv1.NewParticipantServiceClient(s.dial(t, "participants"))
	created, err := pc.CreateParticipant(ctx, &participantsv1.CreateParticipantRequest{Participant: &participantsv1.Participant{
		OrganisationId: org, MunicipalityCode: "0180", GivenName: mark("given"), FamilyName: mark("family"),
		Contact:   &typev1.Contact{Email: mark("mail") + "@example.org", Phone: phone(1)},
		Languages: []*typev1.LanguageSkill{{Code: "ar", Level: typev1.LanguageLevel_LANGUAGE_LEVEL_NATIVE}},
		Interests: []string{mark("interest")},
		Consents: []*participantsv1.Consent{{Purpose: eventsv1.ConsentPurpose_CONSENT_PURPOSE_MENTORING,
			TextVersion: "2026-01", Language: "ar"}},
	}})
	if err != nil {
		t.Fatalf("CreateParticipant: %v", err)
	}
	p.participant = created.GetParticipant().GetId()
	seen := time.Now().UTC().AddDate(0, -1, 0)
	if _, err := vc.CreateVolunteer(ctx, &volunteersv1.CreateVolunteerRequest{Volunteer: &volunteersv1.Volunteer{
		OrganisationId: org, MunicipalityCode: "0180", GivenName: mark("vgiven"), FamilyName: mark("vfamily"),
		Contact:   &typev1.Contact{Email: mark("vmail") + "@example.org", Phone: phone(2)},
		Languages: []*typev1.LanguageSkill{{Code: "ar", Level: typev1.LanguageLevel_LANGUAGE_LEVEL_NATIVE}},
		Roles:     []*eventsv1.RoleCapacity{{Role: eventsv1.VolunteerRole_VOLUNTEER_ROLE_MENTOR, Capacity: 1}},
		Interests: []string{mark("interest")},
		BackgroundCheck: &volunteersv1.BackgroundCheck{Seen: true, SeenDate: seen.Format(time.DateOnly),
			Verifier: mark("verifier"), ValidUntil: seen.AddDate(1, 0, 0).Format(time.DateOnly)},
	}}); err != nil {
		t.Fatalf("CreateVolunteer: %v", err)
	}
	return p
}

// waitTrace waits for the trace holding mentoring's server span of rpc
// (the gateway's HTTP spans are named by route, the same for every
// procedure of a service), until complete accepts it, and returns it.
func waitTrace(t *testing.T, jq, rpc string, complete func(*spantree.Tree) error) *spantree.Tree {
	t.Helper()
	var tr *spantree.Tree
	testutil.CheckFor(t, 2*time.Minute, 500*time.Millisecond, func() error {
		_, found, err := jaegerGet(jq, "/api/traces", url.Values{"service": {"mentoring"}, "operation": {rpc},
			"limit": {"100"}, "lookback": {"1h"}})
		if err != nil {
			return err
		}
		id := ""
		for _, c := range found {
			for _, s := range c.Spans {
				if s.OperationName == rpc && s.tag("span.kind") == "server" {
					id = c.TraceID
				}
			}
		}
		if id == "" {
			raw, _, _ := jaegerGet(jq, "/api/services", nil)
			return fmt.Errorf("no trace with mentoring's %s in Jaeger yet (services: %s)", rpc, raw)
		}
		_, one, err := jaegerGet(jq, "/api/traces/"+id, nil)
		if err != nil || len(one) != 1 {
			return fmt.Errorf("trace %s: %v (%d)", id, err, len(one))
		}
		tr = newTree(one[0])
		return complete(tr)
	})
	return tr
}

// oneRoot checks that the trace has exactly one span without its parent
// in it, the gateway's HTTP server span of the request, and returns it.
func oneRoot(t *testing.T, tr *spantree.Tree, op string) spantree.Span {
	t.Helper()
	roots := tr.Roots()
	if len(roots) != 1 {
		var names []string
		for _, r := range roots {
			names = append(names, r.Service+": "+r.Name)
		}
		t.Fatalf("the trace has %d spans without their parent in it, want only the gateway's request: %v", len(roots), names)
	}
	r := roots[0]
	path := r.Attr("url.path") + r.Attr("http.target")
	if r.Service != "gateway" || r.Attr("span.kind") != "server" || r.Parent != "" ||
		!strings.HasPrefix(r.Name, "POST /motesplats.gateway.v1.MatchingService/") || (path != "" && !strings.HasSuffix(path, "/"+op)) {
		t.Errorf("the root is %s: %q %s (%s), want the gateway's HTTP server span of %s", r.Service, r.Name, path, r.Attr("span.kind"), op)
	}
	return r
}

// onlyIn returns the one span named op of kind in the trace, and checks
// that it comes from service.
func onlyIn(t *testing.T, tr *spantree.Tree, service, op, kind string) spantree.Span {
	t.Helper()
	var got []spantree.Span
	for _, s := range tr.Named(op) {
		if s.Attr("span.kind") == kind {
			got = append(got, s)
		}
	}
	if len(got) != 1 {
		t.Fatalf("%d %s spans %q in the trace, want 1", len(got), kind, op)
	}
	if svc := got[0].Service; svc != service {
		t.Errorf("%q comes from %s, want %s", op, svc, service)
	}
	return got[0]
}

// scanJaeger returns the planted values found in any span Jaeger holds,
// of every service, as the query API returns them (names, tags, events).
func scanJaeger(t *testing.T, jq string, values []string) []string {
	t.Helper()
	raw, _, err := jaegerGet(jq, "/api/services", nil)
	if err != nil {
		t.Fatal(err)
	}
	var services struct{ Data []string }
	if err := json.Unmarshal(raw, &services); err != nil {
		t.Fatal(err)
	}
	if len(services.Data) < 5 {
		t.Fatalf("Jaeger knows %d services (%v), want every process's", len(services.Data), services.Data)
	}
	var found []string
	spans := 0
	for _, svc := range services.Data {
		raw, traces, err := jaegerGet(jq, "/api/traces", url.Values{"service": {svc}, "limit": {"2000"}, "lookback": {"1h"}})
		if err != nil {
			t.Fatal(err)
		}
		for _, tr := range traces {
			spans += len(tr.Spans)
		}
		for _, v := range values {
			if bytes.Contains(bytes.ToLower(raw), []byte(strings.ToLower(v))) {
				found = append(found, v+" in "+svc+"'s traces")
			}
		}
	}
	t.Logf("scanned %d spans of %d services (%v) for %d planted values", spans, len(services.Data), services.Data, len(values))
	return found
}

// consumersOf lists the durable consumers of stream that receive subject:
// the handlers every event on it must reach.
func (s *system) consumersOf(t *testing.T, stream, subject string) []string {
	t.Helper()
	ctx := testutil.Context(t)
	np, _ := s.Proc("nats-1")
	nc, err := nats.Connect("nats://" + np.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	st, err := js.Stream(ctx, stream)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for info := range st.ListConsumers(ctx).Info() {
		if info.Config.Durable == "" {
			continue // an ordered consumer (a watcher), not a handler
		}
		filters := info.Config.FilterSubjects
		if info.Config.FilterSubject != "" {
			filters = append(filters, info.Config.FilterSubject)
		}
		if len(filters) == 0 {
			filters = []string{">"}
		}
		for _, f := range filters {
			if subjectMatches(f, subject) {
				out = append(out, info.Name)
				break
			}
		}
	}
	slices.Sort(out)
	return out
}

// subjectMatches reports whether a NATS subject filter (with * and >)
// matches subject.
func subjectMatches(filter, subject string) bool {
	f, s := strings.Split(filter, "."), strings.Split(subject, ".")
	for i, tok := range f {
		switch {
		case tok == ">":
			return len(s) > i
		case i >= len(s):
			return false
		case tok != "*" && tok != s[i]:
			return false
		}
	}
	return len(f) == len(s)
}

// call posts a JSON body to a gateway procedure and decodes the answer.
func call(t *testing.T, base, procedure, token string, body, into any) {
	t.Helper()
	raw, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, base+procedure, bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	got, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("%s: %d %s", procedure, res.StatusCode, got)
	}
	if err := json.Unmarshal(got, into); err != nil {
		t.Fatalf("%s: %v", procedure, err)
	}
}
