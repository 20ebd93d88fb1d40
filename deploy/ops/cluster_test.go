package ops_test

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// writer registers newcomers in a loop through the participants service,
// retrying each with the same request id until it is acknowledged, and
// records which were acknowledged and the longest time without one.
type writer struct {
	pc  participantsv1.ParticipantServiceClient
	org string
	// timeout bounds each attempt (5 s when zero).
	timeout time.Duration

	mu       sync.Mutex
	acked    map[string]string // request id -> participant id
	retried  map[string]bool   // request ids with a failed attempt
	failures int
	// failedBy counts the failed attempts by gRPC code: a retried create
	// answered FailedPrecondition ("removed") was read through a replica
	// that was behind (docs/adr/0113).
	failedBy map[codes.Code]int
	last     time.Time
	worstGap time.Duration
}

func (w *writer) run(ctx context.Context, prefix string) {
	for i := 0; ctx.Err() == nil; i++ {
		req := fmt.Sprintf("%s-%05d", prefix, i)
		for ctx.Err() == nil {
			timeout := cmp.Or(w.timeout, 5*time.Second)
			cctx, cancel := context.WithTimeout(ctx, timeout)
			res, err := w.pc.CreateParticipant(cctx, &participantsv1.CreateParticipantRequest{RequestId: req, Participant: w.newcomer()})
			cancel()
			w.mu.Lock()
			now := time.Now()
			if err == nil {
				w.acked[req] = res.GetParticipant().GetId()
				if !w.last.IsZero() {
					w.worstGap = max(w.worstGap, now.Sub(w.last))
				}
				w.last = now
				w.mu.Unlock()
				break
			}
			w.failures++
			if w.retried == nil {
				w.retried, w.failedBy = map[string]bool{}, map[codes.Code]int{}
			}
			w.failedBy[status.Code(err)]++
			w.retried[req] = true
			w.mu.Unlock()
			select {
			case <-ctx.Done():
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
}

// newcomer is what each of the writer's creates registers.
func (w *writer) newcomer() *participantsv1.Participant {
	return &participantsv1.Participant{
		OrganisationId: w.org, MunicipalityCode: "0180", GivenName: "Node",
		Languages:    []*typev1.LanguageSkill{{Code: "ar", Level: typev1.LanguageLevel_LANGUAGE_LEVEL_NATIVE}},
		SwedishLevel: typev1.SwedishLevel_SWEDISH_LEVEL_SFI_B, Household: &participantsv1.Household{Size: 1},
		Consents: []*participantsv1.Consent{{Purpose: eventsv1.ConsentPurpose_CONSENT_PURPOSE_MENTORING, TextVersion: "2026-01", Language: "ar"}},
	}
}

// gap returns the longest time without an acknowledged write since the
// last call, and starts a new measurement.
func (w *writer) gap() time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	g := w.worstGap
	w.worstGap = 0
	return g
}

// ids returns the participant ids acknowledged so far.
func (w *writer) ids() map[string]bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	ids := make(map[string]bool, len(w.acked))
	for _, id := range w.acked {
		ids[id] = true
	}
	return ids
}

func (w *writer) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.acked)
}

// waitWrites waits until n more writes are acknowledged.
func (w *writer) waitWrites(t *testing.T, n int) {
	t.Helper()
	target := w.count() + n
	testutil.CheckFor(t, 90*time.Second, 20*time.Millisecond, func() error {
		if c := w.count(); c < target {
			return fmt.Errorf("%d of %d writes acknowledged", c, target)
		}
		return nil
	})
}

// TestCluster_NodeLoss runs the layout on three NATS nodes with streams
// and buckets at R3 and, while a writer registers newcomers and while a
// matching job runs: kills a node with kill -9 and restarts it; then kills
// one, wipes its disk and lets it rejoin empty. Every acknowledged write
// is readable afterwards, each has exactly one registered event (no effect
// twice), and the job finishes. The longest time without an acknowledged
// write is logged (the time without service). DEADLETTER and REPLAY are
// at R3 from the start, raised again by their owner's (the gateway's)
// start when lowered (ADR 0234: no other service may change them), and
// current on the wiped node after it rejoined.
func TestCluster_NodeLoss(t *testing.T) {
	t.Parallel()
	mustBinaries(t)
	s := mustUp(t, 3)
	ctx := testutil.Context(t)
	// The streams every consumer shares are at R3 like the rest, and
	// their owner's start raises them when they are not.
	s.checkOperatorStreams(t, "nats-1", 3)
	s.lowerThenRestart(t, "gateway")
	s.checkOperatorStreams(t, "nats-1", 3)
	s.seed(t, 200, 60)
	org := s.org(t)
	w := &writer{pc: participantsv1.NewParticipantServiceClient(s.dial(t, "participants")), org: org.GetId(), acked: map[string]string{}}
	wctx, stopWriter := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { w.run(wctx, "node-loss") })
	defer func() { stopWriter(); wg.Wait() }()
	w.waitWrites(t, 20)
	t.Logf("before any fault: longest time without an acknowledged write %v", w.gap().Round(time.Millisecond))

	// 1. kill -9 a node during writes and during a job; restart it.
	mc := mentoringv1.NewMentoringServiceClient(s.dial(t, "mentoring-2"))
	job := s.runJob(t, mc, org, "node-loss-job")
	start := time.Now()
	if err := s.Kill("nats-1"); err != nil {
		t.Fatal(err)
	}
	w.waitWrites(t, 20)
	t.Logf("nats-1 killed: 20 writes acknowledged by the other two in %v", time.Since(start).Round(time.Millisecond))
	if err := s.Restart(ctx, "nats-1"); err != nil {
		t.Fatal(err)
	}
	w.waitWrites(t, 20)
	testutil.CheckFor(t, 120*time.Second, 250*time.Millisecond, func() error {
		j := s.getJob(t, mc, job)
		if j.GetState() != mentoringv1.JobState_JOB_STATE_SUCCEEDED {
			return fmt.Errorf("job %s %s", j.GetState(), j.GetErrorMessage())
		}
		return nil
	})
	t.Logf("kill -9 and restart of nats-1 during writes and job %s: the job finished; longest time without an acknowledged write %v",
		job, w.gap().Round(time.Millisecond))

	// 2. kill -9 a node, wipe its disk, let it rejoin empty.
	if err := s.Kill("nats-3"); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(s.Opts.Dir, "nats", "n3")); err != nil {
		t.Fatal(err)
	}
	w.waitWrites(t, 20)
	if err := s.Restart(ctx, "nats-3"); err != nil {
		t.Fatal(err)
	}
	w.waitWrites(t, 20)
	t.Logf("kill -9 of nats-3, disk wiped, rejoined empty: longest time without an acknowledged write %v", w.gap().Round(time.Millisecond))
	stopWriter()
	wg.Wait()
	w.mu.Lock()
	t.Logf("%d writes acknowledged, %d failed attempts retried", len(w.acked), w.failures)
	acked := w.acked
	w.mu.Unlock()

	// Every acknowledged write is there, on the node that lost its disk
	// too, and so are the dead-letter and replay streams' replicas.
	s.verifyWrites(t, w.pc, acked, "nats-3")
	s.checkOperatorStreams(t, "nats-3", 3)
}

// verifyWrites checks that every acknowledged write is readable through
// the service and has exactly one registered event in the stream, read
// through node.
func (s *system) verifyWrites(t *testing.T, pc participantsv1.ParticipantServiceClient, acked map[string]string, node string) {
	t.Helper()
	ctx := testutil.Context(t)
	readable, retried := 0, 0
	var longest time.Duration
	for req, id := range acked {
		// A read that answers Unavailable ("try again") right after a
		// heal is the service's word for a stream leader it could not ask
		// yet, not a lost write: it is asked again for up to 15 s, and
		// how often that was needed is logged. A write that stays
		// unreadable, or reads NotFound, fails (CI s46 saw 2 of 132 reads
		// answer "no answer within 3s" once, right after healing).
		start, tries := time.Now(), 0
		var err error
		for {
			tries++
			_, err = pc.GetParticipant(ctx, &participantsv1.GetParticipantRequest{Id: id})
			if status.Code(err) != codes.Unavailable || time.Since(start) > 15*time.Second {
				break
			}
			time.Sleep(250 * time.Millisecond)
		}
		if tries > 1 {
			retried++
			longest = max(longest, time.Since(start))
		}
		if err != nil {
			t.Errorf("%s (%s) acknowledged but not readable: %v", req, id, err)
			continue
		}
		readable++
	}
	if retried > 0 {
		t.Logf("%d acknowledged writes answered \"try again\" before they were read, the longest for %v", retried, longest.Round(time.Millisecond))
	}
	np, _ := s.Proc(node)
	nc, err := nats.Connect("nats://" + np.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	registered := map[string]int{}
	// CheckFor fails with t.Fatalf, which still runs deferred calls: a
	// create without its event is explained before the test ends.
	defer func() {
		if !t.Failed() {
			return
		}
		var lost []string
		for _, id := range acked {
			if registered[id] == 0 {
				lost = append(lost, id)
			}
		}
		if len(lost) > 0 {
			s.explainLost(t, nc, lost)
		}
	}()
	testutil.CheckFor(t, 60*time.Second, 250*time.Millisecond, func() error {
		registered = map[string]int{}
		cons, err := js.OrderedConsumer(ctx, "PARTICIPANTS", jetstream.OrderedConsumerConfig{FilterSubjects: []string{"participants.participant.registered.>"}})
		if err != nil {
			return err
		}
		info, err := cons.Info(ctx)
		if err != nil {
			return err
		}
		for n := info.NumPending; n > 0; {
			batch, err := cons.FetchNoWait(int(min(n, 500)))
			if err != nil {
				return err
			}
			got := 0
			for m := range batch.Messages() {
				registered[m.Subject()[strings.LastIndex(m.Subject(), ".")+1:]]++
				got++
			}
			if got == 0 {
				return fmt.Errorf("stream read stalled with %d pending", n)
			}
			n -= uint64(got)
		}
		for _, id := range acked {
			if registered[id] == 0 {
				return fmt.Errorf("no registered event for %s in the stream (read through %s) yet", id, node)
			}
		}
		return nil
	})
	var once, twice, none int
	for req, id := range acked {
		switch registered[id] {
		case 1:
			once++
		case 0:
			none++
		default:
			twice++
		}
		if registered[id] != 1 {
			t.Errorf("%s (%s): %d registered events, want exactly 1", req, id, registered[id])
		}
	}
	t.Logf("%d writes acknowledged, %d readable; %d with exactly one registered event, %d with more (duplicates), %d with none",
		len(acked), readable, once, twice, none)
}

// org is a mentoring organisation in Stockholm (0180) made by the seed.
func (s *system) org(t *testing.T) *volunteersv1.Organisation {
	t.Helper()
	vc := volunteersv1.NewVolunteerServiceClient(s.dial(t, "volunteers"))
	orgs, err := vc.ListOrganisations(testutil.Context(t), &volunteersv1.ListOrganisationsRequest{MunicipalityCode: "0180", PageSize: 50})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range orgs.GetOrganisations() {
		if !o.GetIsGuideOrganisation() {
			return o
		}
	}
	t.Fatal("no mentoring organisation in 0180")
	return nil
}
