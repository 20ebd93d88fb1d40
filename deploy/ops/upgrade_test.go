package ops_test

import (
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/deploy/ops/layout"
	"github.com/motesplats/motesplats/pkg/auth"
	dinnersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	guidesv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	notifyv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/notify/v1"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestUpgrade_FromOlderData starts the current code, in make up's layout,
// on the data an older main wrote (people created and updated, a mentoring
// pair approved and answered, dinner seatings offered and one answered, a
// guides assignment offered, three jobs' results, an erased person, an
// e-mailed offer not answered) and checks what an operator upgrading
// counts on: every record reads with its last value, the erased person
// stays unreadable, the old jobs and their results list and a new job
// runs, the unanswered link answers once, notify sends no offer again, and
// no process logs an error (ADR 0197).
func TestUpgrade_FromOlderData(t *testing.T) {
	t.Parallel()
	dir, m := openUpgradeFixture(t)
	// The streams and buckets as the older version left them, read by a
	// NATS of our own before anything of the current code starts.
	n := testutil.MustNATSDir(t, filepath.Join(dir, "nats", "n1"))
	before := streamInfos(t, n.JS)
	n.Stop()
	s := mustUpOn(t, dir)
	ctx := testutil.Context(t)
	s.waitNoLag(t, "mentoring-1", "mentoring-2", "dinners-1", "dinners-2", "guides-1", "guides-2", "notify-1", "notify-2")

	checkPeopleRead(t, s, "written by "+m.Commit, m.People, m.Volunteers, m.Erased)

	mc := mentoringv1.NewMentoringServiceClient(s.dial(t, "mentoring-1"))
	if got := s.pairsOf(t, mc, m.MentoringJob); len(got) != m.Pairs {
		t.Errorf("mentoring job %s: %d pairs, %d under %s", m.MentoringJob, len(got), m.Pairs, m.Commit)
	}
	if p, err := mc.GetPair(ctx, &mentoringv1.GetPairRequest{Id: m.AnsweredPair}); err != nil ||
		p.GetPair().GetNewcomerAcceptTime() == nil && p.GetPair().GetMentorAcceptTime() == nil {
		t.Errorf("the pair answered under %s: %v, %v; want an acceptance", m.Commit, p.GetPair(), err)
	}
	jobs, err := mc.ListJobs(ctx, &mentoringv1.ListJobsRequest{PageSize: 100})
	if err != nil || !slices.ContainsFunc(jobs.GetJobs(), func(j *mentoringv1.Job) bool { return j.GetId() == m.MentoringJob }) {
		t.Errorf("mentoring's jobs do not list %s: %v", m.MentoringJob, err)
	}
	dc := dinnersv1.NewDinnerServiceClient(s.dial(t, "dinners-1"))
	seats, err := dc.ListSeatings(ctx, &dinnersv1.ListSeatingsRequest{JobId: m.DinnersJob, PageSize: 100})
	if err != nil || len(seats.GetSeatings()) != m.Seatings {
		t.Errorf("dinners job %s: %d seatings, %v; %d under %s", m.DinnersJob, len(seats.GetSeatings()), err, m.Seatings, m.Commit)
	}
	gc := guidesv1.NewGuideServiceClient(s.dial(t, "guides-1"))
	as, err := gc.ListAssignments(ctx, &guidesv1.ListAssignmentsRequest{JobId: m.GuidesJob, PageSize: 100})
	if err != nil || len(as.GetAssignments()) != m.Assignments {
		t.Errorf("guides job %s: %d assignments, %v; %d under %s", m.GuidesJob, len(as.GetAssignments()), err, m.Assignments, m.Commit)
	}
	if !slices.ContainsFunc(as.GetAssignments(), func(a *guidesv1.Assignment) bool { return a.GetId() == m.OfferedAssignment }) {
		t.Errorf("the assignment offered under %s (%s) is not listed", m.Commit, m.OfferedAssignment)
	}

	// A new job runs beside the old ones.
	runNewJob(t, s, mc, m, "after-upgrade")

	// The link e-mailed under the older version and not answered: once.
	gw := mustProc(t, s, "gateway")
	link := "http://" + gw.Addr + m.UnansweredPath
	if code := answerLink(t, link); code != http.StatusOK {
		t.Errorf("the link e-mailed under %s: HTTP %d, want 200", m.Commit, code)
	}
	if code := answerLink(t, link); code != http.StatusConflict {
		t.Errorf("the same link again: HTTP %d, want 409", code)
	}
	if st, err := dc.GetSeating(ctx, &dinnersv1.GetSeatingRequest{Id: m.UnansweredSeating}); err != nil ||
		st.GetSeating().GetGuestAcceptTime() == nil && st.GetSeating().GetHostAcceptTime() == nil {
		t.Errorf("the seating answered by the old link: %v, %v; want an acceptance", st.GetSeating(), err)
	}

	// Notify sends no offer again: every new message is the answer's
	// consequence, none an offer, invitation or assignment.
	s.waitNoLag(t, "notify-1", "notify-2")
	nc := notifyv1.NewNotificationServiceClient(s.dial(t, "notify-1"))
	mb, err := nc.ListMailbox(ctx, &notifyv1.ListMailboxRequest{PageSize: 500})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, msg := range mb.GetMessages() {
		ids[msg.GetId()] = true
		switch msg.GetTemplate() {
		case notifyv1.Template_TEMPLATE_MENTOR_OFFER, notifyv1.Template_TEMPLATE_MENTEE_OFFER, notifyv1.Template_TEMPLATE_DINNER_INVITATION,
			notifyv1.Template_TEMPLATE_DINNER_GUEST_PROPOSED, notifyv1.Template_TEMPLATE_GUIDE_ASSIGNED:
			if !slices.Contains(m.Mailbox, msg.GetId()) {
				t.Errorf("after the upgrade notify sent %s %s again (or anew)", msg.GetTemplate(), msg.GetId())
			}
		}
	}
	for _, id := range m.Mailbox {
		if !ids[id] {
			t.Errorf("message %s sent under %s is gone from the mailbox", id, m.Commit)
		}
	}
	// Every stream and bucket is still there; the people, programme,
	// audit and erasure streams (appended to, never trimmed on a start)
	// have lost no message; what the current code set otherwise is logged.
	after := streamInfos(t, layoutJetStream(t, s))
	for name, b := range before {
		a, ok := after[name]
		if !ok {
			t.Errorf("stream %s written by %s is gone", name, m.Commit)
			continue
		}
		appended := !strings.HasPrefix(name, "KV_") && !strings.HasPrefix(name, "OBJ_") && !strings.HasPrefix(name, "JOBS_")
		if appended && a.State.Msgs < b.State.Msgs {
			t.Errorf("stream %s: %d messages after the upgrade, %d before", name, a.State.Msgs, b.State.Msgs)
		}
		if a.Config.Replicas != b.Config.Replicas || a.Config.MaxAge != b.Config.MaxAge || a.Config.MaxMsgs != b.Config.MaxMsgs ||
			a.Config.MaxBytes != b.Config.MaxBytes || !slices.Equal(a.Config.Subjects, b.Config.Subjects) {
			t.Logf("stream %s: the current code set replicas %d, max age %v, max msgs %d, max bytes %d, subjects %v (was %d, %v, %d, %d, %v)",
				name, a.Config.Replicas, a.Config.MaxAge, a.Config.MaxMsgs, a.Config.MaxBytes, a.Config.Subjects,
				b.Config.Replicas, b.Config.MaxAge, b.Config.MaxMsgs, b.Config.MaxBytes, b.Config.Subjects)
		}
	}
	t.Logf("%d streams and buckets written by %s, %d after the upgrade", len(before), m.Commit, len(after))
	// Nothing refused with Internal, no error logged.
	for _, p := range s.Procs {
		for _, l := range strings.Split(s.logOf(p.Name), "\n") {
			if strings.Contains(l, `"level":"ERROR"`) || strings.Contains(l, "Internal") {
				t.Errorf("%s: %s", p.Name, l)
			}
		}
	}
}

// streamInfos reads every stream's (and bucket's) configuration and state.
func streamInfos(t *testing.T, js jetstream.JetStream) map[string]*jetstream.StreamInfo {
	t.Helper()
	out := map[string]*jetstream.StreamInfo{}
	l := js.ListStreams(testutil.Context(t))
	for info := range l.Info() {
		out[info.Config.Name] = info
	}
	if err := l.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// jobOrg is the organisation a mentoring job ran for.
func jobOrg(t *testing.T, mc mentoringv1.MentoringServiceClient, job string) *volunteersv1.Organisation {
	t.Helper()
	res, err := mc.GetJob(testutil.Context(t), &mentoringv1.GetJobRequest{Id: job})
	if err != nil {
		t.Fatal(err)
	}
	return &volunteersv1.Organisation{Id: res.GetJob().GetOrganisationId(), MunicipalityCodes: res.GetJob().GetMunicipalityCodes()}
}

// mustUpOn starts make up's layout, every process of the current code, on
// a directory that holds an earlier layout's data and keys (keys.env,
// link.key), on free ports; it stops at cleanup.
func mustUpOn(t *testing.T, dir string) *system { return mustUpOnWith(t, dir, nil) }

// mustUpOnWith is mustUpOn with the layout's options changed by with
// (LegacyKeys for phase 3, ADR 0244) before the start.
func mustUpOnWith(t *testing.T, dir string, with func(*layout.Options)) *system {
	t.Helper()
	bin, natsServer := mustBinaries(t)
	keys := map[string]string{}
	b, err := os.ReadFile(filepath.Join(dir, "keys.env"))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(l, "="); ok {
			keys[k] = v
		}
	}
	k, err := auth.DecodePrivateKey(keys["MP_SIGNING_KEY"])
	if err != nil {
		t.Fatal(err)
	}
	ports := map[string]int{}
	portFor := func(name string) int {
		for ports[name] == 0 {
			if p := testutil.FreePort(t); !slices.Contains(slices.Collect(maps.Values(ports)), p) {
				ports[name] = p
			}
		}
		return ports[name]
	}
	// NATS's users are new to a layout of before ADR 0225: make up adds
	// their passwords to its keys.env, and the store, written without
	// users, must still serve every service.
	natsPasswords, err := layout.NewNATSPasswords()
	if err != nil {
		t.Fatal(err)
	}
	o := layout.Options{NATSNodes: 1, Dir: dir, Bin: bin, NATSServer: natsServer,
		Ports: portFor, DataKey: keys["MP_DATA_KEY"], SigningKey: keys["MP_SIGNING_KEY"], PublicKeys: keys["MP_PUBLIC_KEYS"],
		NATSPasswords: natsPasswords}
	if with != nil {
		with(&o)
	}
	r, err := layout.Start(testutil.Context(t), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { keepLogs(t, r.Opts.Dir) })
	t.Cleanup(r.Stop)
	return &system{Running: r, key: k, bin: bin, dataKey: keys["MP_DATA_KEY"]}
}
