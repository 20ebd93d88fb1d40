package ops_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestUp_JobOnceAndTakeOver runs the `make up` layout (one NATS node,
// Redis, every service from its binary, two mentoring replicas, the
// gateway), registers people through the services, and starts a matching
// job: exactly one replica runs it; kill -9 of that replica lets the other
// take it over and finish it, and the proposals are written once.
func TestUp_JobOnceAndTakeOver(t *testing.T) {
	t.Parallel()
	start := time.Now()
	mustBinaries(t)
	t.Logf("binaries built (or cached) in %v", time.Since(start).Round(time.Millisecond))
	start = time.Now()
	s := mustUp(t, 1)
	t.Logf("%d processes up and healthy in %v", len(s.Procs), time.Since(start).Round(time.Millisecond))

	start = time.Now()
	s.seed(t, 500, 150)
	t.Logf("seeded 650 people through the services in %v", time.Since(start).Round(time.Millisecond))

	ctx := testutil.Context(t)
	org := s.programmeOrg(t)
	mc := map[string]mentoringv1.MentoringServiceClient{
		"mentoring-1": mentoringv1.NewMentoringServiceClient(s.dial(t, "mentoring-1")),
		"mentoring-2": mentoringv1.NewMentoringServiceClient(s.dial(t, "mentoring-2")),
	}
	// The mentoring pool fills from the registers' events: wait, through
	// the replicas' own metrics, until no consumer and no pool feed lags.
	s.waitNoLag(t, "mentoring-1", "mentoring-2")

	id := s.runJob(t, mc["mentoring-1"], org, "take-over")
	var runner string
	testutil.CheckFor(t, 30*time.Second, 5*time.Millisecond, func() error {
		for name := range mc {
			if strings.Contains(s.logOf(name), `"msg":"jobs: running","jobs":"mentoring","job":"`+id+`"`) ||
				containsAll(s.logOf(name), "jobs: running", id) {
				runner = name
				return nil
			}
		}
		return fmt.Errorf("no replica runs job %s yet", id)
	})
	before := s.getJob(t, mc[runner], id)
	if err := s.Kill(runner); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	other := "mentoring-1"
	if runner == other {
		other = "mentoring-2"
	}
	if containsAll(s.logOf(other), "jobs: running", id) {
		t.Fatalf("both replicas ran job %s before the kill", id)
	}
	if before.GetState() == mentoringv1.JobState_JOB_STATE_SUCCEEDED {
		t.Fatalf("job %s finished before %s was killed (phase %s): the kill proves nothing; grow the seed", id, runner, before.GetPhase())
	}
	t.Logf("killed %s (pid gone) with job %s in phase %q at %d%%", runner, id, before.GetPhase(), before.GetProgressPercent())
	// The take-over: from the kill to the other replica's start of the
	// job (its "jobs: running" line), the time no replica works on it.
	testutil.CheckFor(t, 90*time.Second, 5*time.Millisecond, func() error {
		if !containsAll(s.logOf(other), "jobs: running", id) {
			return fmt.Errorf("%s has not taken job %s over", other, id)
		}
		return nil
	})
	t.Logf("take-over: %s started job %s %v after the kill", other, id, time.Since(killed).Round(10*time.Millisecond))

	var done *mentoringv1.Job
	testutil.CheckFor(t, 90*time.Second, 250*time.Millisecond, func() error {
		done = s.getJob(t, mc[other], id)
		if done.GetState() != mentoringv1.JobState_JOB_STATE_SUCCEEDED {
			return fmt.Errorf("job %s %s at %s", id, done.GetState(), done.GetPhase())
		}
		return nil
	})
	t.Logf("%s took job %s over and finished it %v after the kill (attempts %d, proposals %d)",
		other, id, time.Since(killed).Round(time.Millisecond), done.GetAttempts(), done.GetCounts().GetProposals())
	if !containsAll(s.logOf(other), "jobs: running", id) {
		t.Errorf("%s finished job %s without running it", other, id)
	}
	if done.GetAttempts() < 2 {
		t.Errorf("attempts = %d, want at least 2 (one per runner)", done.GetAttempts())
	}
	if done.GetCounts().GetProposals() == 0 {
		t.Errorf("job %s proposed nothing", id)
	}
	// No effect twice: each proposal of the job is stored once.
	pairs := s.pairsOf(t, mc[other], id)
	if int64(len(pairs)) != int64(done.GetCounts().GetProposals()) {
		t.Errorf("job %s: %d pairs stored, counts say %d proposals", id, len(pairs), done.GetCounts().GetProposals())
	}
	// A read twice through the participants' Redis cache: a miss, a hit.
	pc := participantsv1.NewParticipantServiceClient(s.dial(t, "participants"))
	list, err := pc.ListParticipants(ctx, &participantsv1.ListParticipantsRequest{PageSize: 1})
	if err != nil || len(list.GetParticipants()) == 0 {
		t.Fatalf("ListParticipants: %v (%d)", err, len(list.GetParticipants()))
	}
	for range 2 {
		if _, err := pc.GetParticipant(ctx, &participantsv1.GetParticipantRequest{Id: list.GetParticipants()[0].GetId()}); err != nil {
			t.Fatalf("GetParticipant: %v", err)
		}
	}
	s.requireMetrics(t)
	seen := map[string]bool{}
	for _, p := range pairs {
		k := p.GetParticipantId()
		if seen[k] {
			t.Errorf("newcomer %s proposed twice by job %s", k, id)
		}
		seen[k] = true
	}
}

func containsAll(s string, subs ...string) bool {
	for _, line := range strings.Split(s, "\n") {
		ok := true
		for _, sub := range subs {
			ok = ok && strings.Contains(line, sub)
		}
		if ok {
			return true
		}
	}
	return false
}

func (s *system) logOf(name string) string {
	p, _ := s.Proc(name)
	b, _ := os.ReadFile(p.Log(s.Opts.Dir))
	return string(b)
}

func (s *system) runJob(t *testing.T, c mentoringv1.MentoringServiceClient, org interface {
	GetId() string
	GetMunicipalityCodes() []string
}, req string) string {
	t.Helper()
	res, err := c.StartMatchingJob(testutil.Context(t), &mentoringv1.StartMatchingJobRequest{
		RequestId: req, OrganisationId: org.GetId(), MunicipalityCodes: org.GetMunicipalityCodes(),
	})
	if err != nil {
		t.Fatalf("StartMatchingJob: %v", err)
	}
	return res.GetJob().GetId()
}

func (s *system) getJob(t *testing.T, c mentoringv1.MentoringServiceClient, id string) *mentoringv1.Job {
	t.Helper()
	ctx, cancel := context.WithTimeout(testutil.Context(t), 10*time.Second)
	defer cancel()
	res, err := c.GetJob(ctx, &mentoringv1.GetJobRequest{Id: id})
	if err != nil {
		t.Fatalf("GetJob %s: %v", id, err)
	}
	return res.GetJob()
}

// pairsOf lists every pair a job proposed.
func (s *system) pairsOf(t *testing.T, c mentoringv1.MentoringServiceClient, job string) []*mentoringv1.Pair {
	t.Helper()
	var out []*mentoringv1.Pair
	req := &mentoringv1.ListPairsRequest{JobId: job, PageSize: 500}
	for {
		res, err := c.ListPairs(testutil.Context(t), req)
		if err != nil {
			t.Fatalf("ListPairs: %v", err)
		}
		out = append(out, res.GetPairs()...)
		if res.GetNextPageToken() == "" {
			return out
		}
		req.PageToken = res.GetNextPageToken()
	}
}

// waitNoLag waits until every consumer of the named processes has
// consumed its stream (events_consumer_lag is 0 on each series) and, in
// a programme, every pool feed has applied its source (pool_feed_lag is
// 0: registrations reach the pools only through the feed, ADR 0088).
func (s *system) waitNoLag(t *testing.T, procs ...string) {
	t.Helper()
	testutil.CheckFor(t, 60*time.Second, 200*time.Millisecond, func() error {
		for _, name := range procs {
			p, _ := s.Proc(name)
			f, err := scrape(p.Health)
			if err != nil {
				return err
			}
			lag, ok := sum(f["events_consumer_lag"])
			if !ok || lag > 0 {
				return fmt.Errorf("%s: consumer lag %v (reported: %v)", name, lag, ok)
			}
			if p.Kind == "notify" {
				continue // notify keeps no pool
			}
			if lag, ok := sum(f["pool_feed_lag"]); !ok || lag > 0 {
				return fmt.Errorf("%s: pool feed lag %v (reported: %v)", name, lag, ok)
			}
		}
		return nil
	})
}
