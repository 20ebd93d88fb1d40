package ops_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/grpc"

	dinnersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	guidesv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestUp_KillNineInsideTheJobs kill -9s the replica running a dinners
// seating job and the replica running a guides assignment job, through
// make up's layout, twice each: just after the runner logged that it
// started the job, and once the job's record says it writes its
// proposals (or its result). Each killed replica is started again, as
// `make restart` does. Then each job has ended once, succeeded, with
// every proposal it holds stored once (one per sign-up or newcomer, as
// many as its counts say) and as good as a run without the kills by its
// own objective: the snapshot is frozen, so every attempt solves the same
// instance, and the stored proposals' scores add up to the objective the
// attempt killed while proposing had found (ADR 0194). The seatings and
// assignments were written once even though the runner died among them.
// Then the guides flow with kills (guideOffersThroughKills), counted at a
// real SMTP server.
func TestUp_KillNineInsideTheJobs(t *testing.T) {
	t.Parallel()
	mustBinaries(t)
	start := time.Now()
	s, sink := mustUpMailing(t)
	s.seed(t, 2000, 600)
	t.Logf("layout up and seeded with 2,600 people in %v", time.Since(start).Round(time.Second))
	org := s.programmeOrg(t)
	s.waitNoLag(t, "dinners-1", "dinners-2", "guides-1", "guides-2")

	d := map[string]dinnersv1.DinnerServiceClient{}
	g := map[string]guidesv1.GuideServiceClient{}
	for _, n := range []string{"1", "2"} {
		// Every call here goes to a live replica, but one restarted a
		// moment ago may still be behind its connection's reconnect
		// back-off (a call then fails at once with the refusal of the
		// dial before the restart: CI, 2026-12-06): wait for it.
		wait := grpc.WithDefaultCallOptions(grpc.WaitForReady(true))
		d["dinners-"+n] = dinnersv1.NewDinnerServiceClient(s.dial(t, "dinners-"+n, wait))
		g["guides-"+n] = guidesv1.NewGuideServiceClient(s.dial(t, "guides-"+n, wait))
	}
	dinners := programmeJob{name: "dinners", replicas: []string{"dinners-1", "dinners-2"},
		start: func(ctx context.Context, request string) (string, error) {
			res, err := d["dinners-1"].StartMatchingJob(ctx, &dinnersv1.StartMatchingJobRequest{RequestId: request,
				OrganisationId: org.GetId(), MunicipalityCodes: org.GetMunicipalityCodes()})
			return res.GetJob().GetId(), err
		},
		get: func(ctx context.Context, via, id string) (jobView, error) {
			res, err := d[via].GetJob(ctx, &dinnersv1.GetJobRequest{Id: id})
			j := res.GetJob()
			return jobView{done: j.GetState() == dinnersv1.JobState_JOB_STATE_SUCCEEDED, state: j.GetState().String(),
				failed: j.GetState() == dinnersv1.JobState_JOB_STATE_FAILED, phase: j.GetPhase(), percent: j.GetProgressPercent(),
				proposals: int64(j.GetCounts().GetProposals()), objective: j.GetObjective(), err: j.GetErrorMessage()}, err
		},
		held: func(ctx context.Context, via, id string) ([]heldProposal, error) {
			var out []heldProposal
			req := &dinnersv1.ListSeatingsRequest{JobId: id, PageSize: 500}
			for {
				res, err := d[via].ListSeatings(ctx, req)
				if err != nil {
					return nil, err
				}
				for _, st := range res.GetSeatings() {
					out = append(out, heldProposal{id: st.GetId(), who: st.GetSignUpId(), score: int64(st.GetScore())})
				}
				if req.PageToken = res.GetNextPageToken(); req.PageToken == "" {
					return out, nil
				}
			}
		},
	}
	guides := programmeJob{name: "guides", replicas: []string{"guides-1", "guides-2"},
		start: func(ctx context.Context, request string) (string, error) {
			// An administrator's job naming no municipality: the national one.
			res, err := g["guides-1"].StartAssignmentJob(ctx, &guidesv1.StartAssignmentJobRequest{RequestId: request})
			return res.GetJob().GetId(), err
		},
		get: func(ctx context.Context, via, id string) (jobView, error) {
			res, err := g[via].GetJob(ctx, &guidesv1.GetJobRequest{Id: id})
			j := res.GetJob()
			return jobView{done: j.GetState() == guidesv1.JobState_JOB_STATE_SUCCEEDED, state: j.GetState().String(),
				failed: j.GetState() == guidesv1.JobState_JOB_STATE_FAILED, phase: j.GetPhase(), percent: j.GetProgressPercent(),
				proposals: j.GetCounts()["proposals"], objective: j.GetObjective(), err: j.GetErrorMessage()}, err
		},
		held: func(ctx context.Context, via, id string) ([]heldProposal, error) {
			var out []heldProposal
			req := &guidesv1.ListAssignmentsRequest{JobId: id, PageSize: 500}
			for {
				res, err := g[via].ListAssignments(ctx, req)
				if err != nil {
					return nil, err
				}
				for _, a := range res.GetAssignments() {
					out = append(out, heldProposal{id: a.GetId(), who: a.GetParticipantId(), score: int64(a.GetScore())})
				}
				if req.PageToken = res.GetNextPageToken(); req.PageToken == "" {
					return out, nil
				}
			}
		},
	}
	// The two programmes' jobs at once: their managers are separate, and
	// the take-overs' waits overlap.
	var guidesJob string
	// People a retried job can place: the proposals of a job that ran
	// before still hold every newcomer (and guide) it placed, so a new job
	// over the same people placed no one and objective 0 (CI, 2026-12-07).
	// Each retry seeds more first (the seed's ids follow from the counts,
	// so the people seeded before are answered as already there).
	var seedMu sync.Mutex
	seeded := [2]int{2000, 600}
	seedMore := func(t *testing.T, procs ...string) {
		seedMu.Lock()
		seeded[0], seeded[1] = seeded[0]+600, seeded[1]+200
		s.seed(t, seeded[0], seeded[1])
		seedMu.Unlock()
		s.waitNoLag(t, procs...)
	}
	t.Run("jobs", func(t *testing.T) {
		for _, p := range []programmeJob{dinners, guides} {
			t.Run(p.name, func(t *testing.T) {
				t.Parallel()
				// The kill inside the Forget lock's hold races the
				// runner: when the test's watch hears of the lock
				// after the runner has stored the result and freed it
				// (CI under load, 2026-12-06), that job is checked
				// all the same and a new job tries the kill again.
				var id string
				for attempt := 1; ; attempt++ {
					var landed bool
					id, landed = s.killInsideJob(t, p, fmt.Sprintf("jobkill-%d", attempt))
					if landed {
						break
					}
					if attempt == 3 {
						t.Fatalf("%s: in %d jobs the job ended before the kill at \"propose\" or inside the Forget lock landed", p.name, attempt)
					}
					seedMore(t, p.replicas...)
				}
				if p.name == "guides" {
					guidesJob = id
				}
			})
		}
	})
	if t.Failed() {
		return
	}
	s.guideOffersThroughKills(t, sink, g["guides-1"], guidesJob)
	t.Logf("two jobs with three kill -9 each and the guides flow with four, %v after the build", time.Since(start).Round(time.Second))
}

// programmeJob is what killInsideJob needs of a programme: start its job,
// read the job's record and the proposals it holds through a replica.
type programmeJob struct {
	name     string
	replicas []string
	start    func(ctx context.Context, request string) (string, error)
	get      func(ctx context.Context, via, id string) (jobView, error)
	held     func(ctx context.Context, via, id string) ([]heldProposal, error)
}

// jobView is the part of a programme's job message the test reads.
type jobView struct {
	done, failed         bool
	state, phase         string
	percent              int32
	proposals, objective int64
	err                  string
}

// heldProposal is one seating or assignment a job holds: who is the
// party it places (a sign-up, a newcomer).
type heldProposal struct {
	id, who string
	score   int64
}

// killInsideJob starts p's job and kill -9s its runner three times, each
// killed replica started again at once: just after the runner logged the
// start; once the record says it writes its proposals ("propose"); and,
// in the attempt after, when it has written them and takes the
// programme's Forget lock to store its result ("result": stopped at
// once, so the kill lands inside the lock's hold). It checks the job's
// end (see TestUp_KillNineInsideTheJobs). request is the start's
// request id; landed is false when the runner had stored the result
// and freed the lock before the last kill reached it, or the job had
// ended before the kill at "propose" (the end is checked all the same).
func (s *system) killInsideJob(t *testing.T, p programmeJob, request string) (id string, landed bool) {
	t.Helper()
	ctx := testutil.Context(t)
	seen := map[string]int{}
	for _, r := range p.replicas {
		seen[r] = strings.Count(s.logOf(r), `"msg":"jobs: running"`)
	}
	began := time.Now()
	id, err := p.start(ctx, request)
	if err != nil {
		t.Fatalf("%s: start the job: %v", p.name, err)
	}
	var mid jobView // the record when the runner writing proposals died
	var written int // proposals stored then
	// The Forget lock's takings from the runner after the one killed at
	// "propose" on: watched from that kill, before anyone can run the
	// job again, so its first taking is the result's.
	var lock jetstream.KeyWatcher
	missed := false // the job ended before the kill at "propose"
	for _, point := range []string{"start", "propose", "result"} {
		runner := s.awaitRunner(t, p, id, seen)
		other := otherOf(p.replicas, runner)
		var at jobView
		if point == "result" {
			// Killed inside the Forget lock's hold as it stores the
			// result: the lock outlives it.
			held := s.killAtForgetLock(t, lock, runner)
			if at, err = p.get(ctx, other, id); err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: %s killed holding the Forget lock (still held: %v)", p.name, runner, held)
		}
		if point == "propose" {
			testutil.CheckFor(t, 60*time.Second, time.Millisecond, func() error {
				v, err := p.get(ctx, other, id)
				if err != nil {
					return err
				}
				if v.phase != "propose" && v.phase != "result" && !v.done {
					return fmt.Errorf("%s job %s at %q", p.name, id, v.phase)
				}
				at = v
				return nil
			})
		}
		if err := s.Kill(runner); err != nil {
			t.Fatal(err)
		}
		if point == "propose" {
			lock = s.watchForgetLock(t, p.name)
		}
		if point == "propose" && at.done {
			// The job wrote its proposals and ended between two reads
			// of its record (its short phase under CI's load, 2026-12-08):
			// this job is checked as it ended, and the caller seeds more
			// and tries a new job, as for a kill at "result" too late.
			t.Logf("%s job %s ended before %s could be killed at %q: checked, and a new job tries again", p.name, id, runner, point)
			missed = true
			if err := s.Restart(ctx, runner); err != nil {
				t.Fatal(err)
			}
			break
		}
		if point == "result" && at.done {
			t.Logf("%s job %s: %s had stored the result and freed the Forget lock before its kill landed", p.name, id, runner)
			if err := s.Restart(ctx, runner); err != nil {
				t.Fatal(err)
			}
			break
		}
		landed = point == "result"
		// With its runner dead the record must say the job is not over.
		after, err := p.get(ctx, other, id)
		if err != nil {
			t.Fatalf("%s: GetJob %s through %s: %v", p.name, id, other, err)
		}
		if after.done || after.failed {
			t.Fatalf("%s job %s ended when %s died at %q: %+v", p.name, id, runner, point, after)
		}
		stored, err := p.held(ctx, other, id)
		if err != nil {
			t.Fatal(err)
		}
		if point == "propose" {
			mid, written = after, len(stored)
		}
		t.Logf("%s: killed %s %v after the start, at %q: the record says %s %q %d%%, %d proposals stored, objective %d",
			p.name, runner, time.Since(began).Round(time.Millisecond), point, after.state, after.phase, after.percent, len(stored), after.objective)
		if err := s.Restart(ctx, runner); err != nil {
			t.Fatal(err)
		}
	}

	// The end: one runner finishes it, once, within a take-over or two
	// (AckWait, 5 s, each). A runner killed while it held the programme's
	// Forget lock (storing the result) left it for a minute, and the job
	// ended 60 s after the kill (ADR 0194): 45 s is the bound.
	other := p.replicas[0]
	var end jobView
	testutil.CheckFor(t, 45*time.Second, 50*time.Millisecond, func() error {
		v, err := p.get(ctx, other, id)
		if err != nil {
			return err
		}
		if !v.done {
			if v.failed {
				t.Fatalf("%s job %s failed after the kills: %s", p.name, id, v.err)
			}
			return fmt.Errorf("%s job %s at %q", p.name, id, v.phase)
		}
		end = v
		return nil
	})
	t.Logf("%s: job %s succeeded %v after its start, %d proposals, objective %d", p.name, id,
		time.Since(began).Round(time.Millisecond), end.proposals, end.objective)
	got, err := p.held(ctx, other, id)
	if err != nil {
		t.Fatal(err)
	}
	byWho, ids := map[string]bool{}, map[string]bool{}
	var sum int64
	for _, h := range got {
		if byWho[h.who] || ids[h.id] {
			t.Errorf("%s job %s placed %s twice (%s)", p.name, id, h.who, h.id)
		}
		byWho[h.who], ids[h.id] = true, true
		sum += h.score
	}
	if int64(len(got)) != end.proposals || len(got) == 0 {
		t.Errorf("%s job %s: %d proposals stored, its counts say %d", p.name, id, len(got), end.proposals)
	}
	if len(got) < written {
		t.Errorf("%s job %s: %d proposals at the end, %d were written before a kill", p.name, id, len(got), written)
	}
	if !missed && end.objective != mid.objective {
		t.Errorf("%s job %s: objective %d at the end, %d in the attempt killed while writing (same frozen snapshot)", p.name, id, end.objective, mid.objective)
	}
	if sum != end.objective {
		t.Errorf("%s job %s: its proposals score %d in all, its objective says %d: one lost or doubled", p.name, id, sum, end.objective)
	}
	return id, landed
}

// guideOffersThroughKills is the guides flow after the job: four
// assignments approved with notify-1 killed after the first and nats-1
// right after the last (while the offers are mailed), both started again;
// then one e-mail per offer at the SMTP server, none twice (by
// Message-ID), each link on the layout's gateway; an offer accepted by
// link with guides-1 dead (200), the link again with guides-2 dead (409),
// and one acceptance recorded.
func (s *system) guideOffersThroughKills(t *testing.T, sink *sink, gc guidesv1.GuideServiceClient, job string) {
	t.Helper()
	ctx := testutil.Context(t)
	list, err := gc.ListAssignments(ctx, &guidesv1.ListAssignmentsRequest{JobId: job, PageSize: 50})
	if err != nil {
		t.Fatal(err)
	}
	const offers = 4
	as := list.GetAssignments()
	if len(as) < offers {
		t.Fatalf("guides job %s assigned %d, want at least %d", job, len(as), offers)
	}
	before := len(sink.distinct())
	for i, a := range as[:offers] {
		if i == 1 {
			if err := s.Kill("notify-1"); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := gc.ApproveAssignment(ctx, &guidesv1.ApproveAssignmentRequest{Id: a.GetId()}); err != nil {
			t.Fatalf("approve assignment %s: %v", a.GetId(), err)
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
	natsBack := time.Now()
	testutil.CheckFor(t, 90*time.Second, 100*time.Millisecond, func() error {
		if n := len(sink.distinct()) - before; n < offers {
			return fmt.Errorf("%d of %d guide offers mailed", n, offers)
		}
		return nil
	})
	s.waitNoLag(t, "notify-1", "notify-2")
	mails := sink.distinct()
	if n := len(mails) - before; n != offers {
		t.Errorf("%d distinct e-mails for %d guide offers, want %d", n, offers, offers)
	}
	gw, _ := s.Proc("gateway")
	var link string
	for mid, body := range mails {
		l := linkRE.FindString(body)
		if !strings.HasPrefix(l, "http://"+gw.Addr+"/a/") {
			t.Fatalf("e-mail %s links %q, want the layout's gateway", mid, l)
		}
		link = l
	}
	t.Logf("guides: %d offers approved through kills of notify-1 and nats-1: %d e-mails, %d transmissions", offers, len(mails)-before, sink.transmissions())
	if err := s.Kill("guides-1"); err != nil {
		t.Fatal(err)
	}
	// The first answer is taken (ADR 0198): once in CI it said 404 here,
	// from the notify replica whose index had not seen the link (its
	// watch is made again only 10-20 s after nats-1 is back); notify now
	// reads the link from the bucket. How soon after NATS the answer
	// comes is logged: sooner than that is inside the window.
	t.Logf("guides: the link answered %v after NATS was back", time.Since(natsBack).Round(100*time.Millisecond))
	if code := answerLink(t, link); code != http.StatusOK {
		t.Fatalf("guide offer answered with guides-1 dead: HTTP %d, want 200", code)
	}
	if err := s.Restart(ctx, "guides-1"); err != nil {
		t.Fatal(err)
	}
	gc = guidesv1.NewGuideServiceClient(s.dial(t, "guides-1"))
	if err := s.Kill("guides-2"); err != nil {
		t.Fatal(err)
	}
	if code := answerLink(t, link); code != http.StatusConflict {
		t.Errorf("the same guide offer answered again: HTTP %d, want 409", code)
	}
	list, err = gc.ListAssignments(ctx, &guidesv1.ListAssignmentsRequest{JobId: job, PageSize: 50})
	if err != nil {
		t.Fatal(err)
	}
	accepted := 0
	for _, a := range list.GetAssignments() {
		if a.GetNewcomerAccepted() {
			accepted++
		}
	}
	if accepted != 1 {
		t.Errorf("%d acceptances recorded for one answer to a guide offer, want 1", accepted)
	}
}

// watchForgetLock watches the Forget lock of programme name's jobs (its
// key in the jobs' requests bucket), from now on.
func (s *system) watchForgetLock(t *testing.T, name string) jetstream.KeyWatcher {
	t.Helper()
	js := s.jetStream(t, "nats-1")
	ctx := testutil.Context(t)
	kv, err := js.KeyValue(ctx, name+"_jobs_requests")
	if err != nil {
		t.Fatal(err)
	}
	w, err := kv.Watch(ctx, "forget-lock", jetstream.UpdatesOnly())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = w.Stop() })
	return w
}

// killAtForgetLock waits for the next taking of the lock w watches, by
// runner (the only writer of job data now), and kill -9s runner inside
// its hold: NATS is stopped (SIGSTOP) the moment the lock's event
// arrives, so the runner cannot finish the put or release the lock,
// then the runner is killed and NATS continued. It reports whether the
// dead runner's lock is still there.
func (s *system) killAtForgetLock(t *testing.T, w jetstream.KeyWatcher, runner string) bool {
	t.Helper()
	timeout := time.After(60 * time.Second)
	for {
		select {
		case e := <-w.Updates():
			if e == nil || e.Operation() != jetstream.KeyValuePut {
				continue
			}
			nats1 := s.Pid("nats-1")
			if err := syscall.Kill(nats1, syscall.SIGSTOP); err != nil {
				t.Fatal(err)
			}
			err := s.Kill(runner)
			if cerr := syscall.Kill(nats1, syscall.SIGCONT); cerr != nil {
				t.Fatal(cerr)
			}
			if err != nil {
				t.Fatal(err)
			}
			np, _ := s.Proc("nats-1")
			nc, err := nats.Connect("nats://" + np.Addr)
			if err != nil {
				t.Fatal(err)
			}
			defer nc.Close()
			js, _ := jetstream.New(nc)
			ctx := testutil.Context(t)
			kv, err := js.KeyValue(ctx, e.Bucket())
			if err != nil {
				t.Fatal(err)
			}
			_, err = kv.Get(ctx, e.Key())
			return err == nil
		case <-timeout:
			t.Fatalf("%s never took the Forget lock to store its result", runner)
		}
	}
}

// awaitRunner waits until a replica of p logs the start of an attempt at
// job id beyond the ones seen counts (updated), and returns its name.
func (s *system) awaitRunner(t *testing.T, p programmeJob, id string, seen map[string]int) string {
	t.Helper()
	var runner string
	testutil.CheckFor(t, 60*time.Second, time.Millisecond, func() error {
		for _, r := range p.replicas {
			if n := strings.Count(s.logOf(r), `"msg":"jobs: running"`); n > seen[r] {
				if !containsAll(s.logOf(r), "jobs: running", id) {
					return fmt.Errorf("%s runs another job", r)
				}
				seen[r], runner = n, r
				return nil
			}
		}
		return fmt.Errorf("no replica runs %s job %s yet", p.name, id)
	})
	return runner
}

func otherOf(replicas []string, one string) string {
	for _, r := range replicas {
		if r != one {
			return r
		}
	}
	return one
}
