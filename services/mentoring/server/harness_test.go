package server_test

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"math/rand/v2"
	"net"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/grpcx"
	"github.com/motesplats/motesplats/pkg/service"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/mentoring/server"
)

const (
	orgA = "org-a"
	orgB = "org-b"
)

var (
	admin    = auth.Claims{Subject: "u-admin", Role: auth.RoleAdmin}
	coordA   = auth.Claims{Subject: "u-a", Role: auth.RoleCoordinator, Organisation: orgA, Municipalities: []string{"0180", "0380"}}
	coordA2  = auth.Claims{Subject: "u-a2", Role: auth.RoleCoordinator, Organisation: orgA, Municipalities: []string{"1480"}}
	coordB   = auth.Claims{Subject: "u-b", Role: auth.RoleCoordinator, Organisation: orgB, Municipalities: []string{"0180"}}
	operator = auth.Claims{Subject: "u-op", Role: auth.RoleOperator}
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is one or more mentoring replicas on a private NATS.
type env struct {
	t      testing.TB
	nats   *testutil.NATS
	addrs  []string
	key    ed25519.PrivateKey
	signer *auth.Signer
	clock  *clock
}

func newKey(t testing.TB) ed25519.PrivateKey {
	t.Helper()
	k, err := auth.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// startEnv starts replicas of the service on a fresh NATS.
func startEnv(t testing.TB, replicas int, o server.Options) *env {
	t.Helper()
	e := &env{t: t, nats: testutil.MustNATS(t), key: newKey(t), clock: &clock{t: time.Now().UTC()}}
	e.signer = auth.NewSigner(e.key, "k1", time.Now)
	for range replicas {
		e.addrs = append(e.addrs, e.start(o))
	}
	return e
}

func (e *env) start(o server.Options) string {
	e.t.Helper()
	if o.JobAckWait == 0 {
		o.JobAckWait = 2 * time.Second
	}
	if o.SweepEvery == 0 {
		o.SweepEvery = 100 * time.Millisecond
	}
	_, js := e.nats.Connect(e.t)
	d := service.Deps{
		JS:       js,
		Verifier: auth.NewVerifier(map[string]ed25519.PublicKey{"k1": e.key.Public().(ed25519.PublicKey)}, time.Now, time.Second),
		Now:      e.clock.Now,
	}.WithDefaults()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() { done <- server.Run(ctx, "127.0.0.1:0", d, o, func(a net.Addr) { ready <- a }) }()
	e.t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			e.t.Errorf("server.Run: %v", err)
		}
	})
	select {
	case a := <-ready:
		return a.String()
	case err := <-done:
		e.t.Fatalf("server.Run: %v", err)
	case <-time.After(15 * time.Second):
		e.t.Fatal("server not ready")
	}
	return ""
}

// as returns a client of replica 0 acting as c.
func (e *env) as(c auth.Claims) pb.MentoringServiceClient { return e.replica(0, c) }

func (e *env) replica(k int, c auth.Claims) pb.MentoringServiceClient {
	e.t.Helper()
	tok, err := e.signer.Sign(c, time.Hour)
	if err != nil {
		e.t.Fatal(err)
	}
	conn, err := grpcx.Dial(e.addrs[k], grpc.WithPerRPCCredentials(auth.PerRPCCredentials(auth.StaticToken(tok))))
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { _ = conn.Close() })
	return pb.NewMentoringServiceClient(conn)
}

// people is a deterministic demo population: newcomers p-NNNN and mentors
// v-NNNN of orgA in 0180 and 0380.
type people struct {
	newcomers []*eventsv1.ParticipantFacts
	mentors   []*eventsv1.VolunteerFacts
}

func population(seed uint64, nn, nm int) people {
	r := rand.New(rand.NewPCG(seed, 7))
	munis := []string{"0180", "0380"}
	langs := []string{"ar", "ti", "so", "uk", "en"}
	tags := []string{"cooking", "football", "walking", "music", "chess", "films"}
	pick := func(xs []string, n int) []string {
		var out []string
		for _, k := range r.Perm(len(xs))[:n] {
			out = append(out, xs[k])
		}
		return out
	}
	var p people
	for i := range nn {
		p.newcomers = append(p.newcomers, &eventsv1.ParticipantFacts{
			ParticipantId: fmt.Sprintf("p-%04d", i), OrganisationId: orgA, MunicipalityCode: munis[r.IntN(2)],
			Languages:         []*typev1.LanguageSkill{{Code: langs[r.IntN(len(langs))], Level: typev1.LanguageLevel_LANGUAGE_LEVEL_NATIVE}},
			SwedishLevel:      typev1.SwedishLevel(1 + r.IntN(7)),
			HouseholdSize:     int32(1 + r.IntN(3)),
			Interests:         pick(tags, 1+r.IntN(3)),
			Gender:            typev1.Gender(1 + r.IntN(2)),
			ConsentedPurposes: []eventsv1.ConsentPurpose{eventsv1.ConsentPurpose_CONSENT_PURPOSE_MENTORING},
			RegisteredAt:      "2026-01-02T10:00:00Z",
		})
	}
	for i := range nm {
		p.mentors = append(p.mentors, &eventsv1.VolunteerFacts{
			VolunteerId: fmt.Sprintf("v-%04d", i), OrganisationId: orgA, MunicipalityCode: munis[r.IntN(2)],
			Languages: []*typev1.LanguageSkill{{Code: langs[r.IntN(len(langs))], Level: typev1.LanguageLevel_LANGUAGE_LEVEL_FLUENT}},
			Roles:     []*eventsv1.RoleCapacity{{Role: eventsv1.VolunteerRole_VOLUNTEER_ROLE_MENTOR, Capacity: int32(1 + r.IntN(2))}},
			Interests: pick(tags, 1+r.IntN(3)), Gender: typev1.Gender(1 + r.IntN(2)),
			BackgroundCheckValid: true, HouseholdSize: int32(1 + r.IntN(3)),
		})
	}
	return p
}

var eventSeq struct {
	mu sync.Mutex
	n  int
}

// envelope wraps a payload as the producer would, with a fresh event id
// and an occurrence time that increases with every call.
func envelope(t testing.TB, subject, id string, payload proto.Message) *eventsv1.Envelope {
	t.Helper()
	eventSeq.mu.Lock()
	eventSeq.n++
	n := eventSeq.n
	eventSeq.mu.Unlock()
	env, err := events.NewEnvelope(fmt.Sprintf("ev-%08d", n), subject, id,
		time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(n)*time.Millisecond), payload)
	if err != nil {
		t.Fatal(err)
	}
	return env
}

// publishAll publishes events for the population on the producers'
// streams, as the participants and volunteers services would.
func (e *env) publishAll(ctx context.Context, envs []*eventsv1.Envelope) {
	e.t.Helper()
	for _, s := range []events.StreamConfig{
		{Name: events.StreamParticipants, Subjects: []string{events.ParticipantsSubjects}},
		{Name: events.StreamVolunteers, Subjects: []string{events.VolunteersSubjects}},
	} {
		if err := events.EnsureStream(ctx, e.nats.JS, s); err != nil {
			e.t.Fatal(err)
		}
	}
	pub := events.NewPublisher(e.nats.JS)
	for _, env := range envs {
		if err := pub.Publish(ctx, env); err != nil {
			e.t.Fatal(err)
		}
	}
}

func registrations(t testing.TB, p people) []*eventsv1.Envelope {
	var out []*eventsv1.Envelope
	for _, n := range p.newcomers {
		out = append(out, envelope(t, events.ParticipantRegistered, n.GetParticipantId(), &eventsv1.ParticipantRegistered{Facts: n}))
	}
	for _, m := range p.mentors {
		out = append(out, envelope(t, events.VolunteerRegistered, m.GetVolunteerId(), &eventsv1.VolunteerRegistered{Facts: m}))
	}
	return out
}

// seed publishes the population and waits until the pool holds it.
func (e *env) seed(ctx context.Context, p people) {
	e.t.Helper()
	e.publishAll(ctx, registrations(e.t, p))
	e.waitPool(ctx, len(p.newcomers), len(p.mentors))
}

// waitPool waits until the pool buckets hold n newcomers and m mentors.
func (e *env) waitPool(ctx context.Context, n, m int) {
	e.t.Helper()
	testutil.CheckFor(e.t, 20*time.Second, 50*time.Millisecond, func() error {
		gotN, gotM := countKeys(ctx, e, "mentoring_newcomers"), countKeys(ctx, e, "mentoring_mentors")
		if gotN != n || gotM != m {
			return fmt.Errorf("pool has %d newcomers and %d mentors, want %d and %d", gotN, gotM, n, m)
		}
		return nil
	})
}

func countKeys(ctx context.Context, e *env, bucket string) int {
	kv, err := e.nats.JS.KeyValue(ctx, bucket)
	if err != nil {
		return -1
	}
	keys, err := kv.ListKeys(ctx)
	if err != nil {
		return -1
	}
	n := 0
	for range keys.Keys() {
		n++
	}
	return n
}

// runJob starts a job as c and waits for it to succeed.
func (e *env) runJob(ctx context.Context, c pb.MentoringServiceClient, requestID string) *pb.Job {
	e.t.Helper()
	res, err := c.StartMatchingJob(ctx, &pb.StartMatchingJobRequest{RequestId: requestID, OrganisationId: orgA, MunicipalityCodes: []string{"0180", "0380"}})
	if err != nil {
		e.t.Fatalf("StartMatchingJob: %v", err)
	}
	return e.waitJob(ctx, c, res.GetJob().GetId())
}

func (e *env) waitJob(ctx context.Context, c pb.MentoringServiceClient, id string) *pb.Job {
	e.t.Helper()
	var job *pb.Job
	testutil.CheckFor(e.t, 30*time.Second, 50*time.Millisecond, func() error {
		res, err := c.GetJob(ctx, &pb.GetJobRequest{Id: id})
		if err != nil {
			return err
		}
		job = res.GetJob()
		if job.GetState() == pb.JobState_JOB_STATE_FAILED {
			e.t.Fatalf("job failed: %s", job.GetErrorMessage())
		}
		if job.GetState() != pb.JobState_JOB_STATE_SUCCEEDED {
			return fmt.Errorf("job %s at %d%%", job.GetState(), job.GetProgressPercent())
		}
		return nil
	})
	return job
}

// pairsOf lists every pair of a job.
func pairsOf(ctx context.Context, t testing.TB, c pb.MentoringServiceClient, jobID string) []*pb.Pair {
	t.Helper()
	var out []*pb.Pair
	tok := ""
	for {
		res, err := c.ListPairs(ctx, &pb.ListPairsRequest{JobId: jobID, PageSize: 500, PageToken: tok})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, res.GetPairs()...)
		if tok = res.GetNextPageToken(); tok == "" {
			return out
		}
	}
}

func code(err error) codes.Code { return status.Code(err) }

func errorf(format string, args ...any) error { return fmt.Errorf(format, args...) }
