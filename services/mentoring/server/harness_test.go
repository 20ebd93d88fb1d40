package server_test

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/jobs"
	"github.com/motesplats/motesplats/pkg/seal"
	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/sealtest"
	"github.com/motesplats/motesplats/pkg/testutil/servicetest"
	"github.com/motesplats/motesplats/services/mentoring/internal/pairs"
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

// env is one or more mentoring replicas on a private NATS.
type env struct {
	t      testing.TB
	nats   *testutil.NATS
	addrs  []string
	key    ed25519.PrivateKey
	signer *auth.Signer
	clock  *testutil.Clock
	// pools are the replicas' pool sides, held in their memory.
	pools *servicetest.Pools
	// kr is the replicas' keyring (one KEK, one key bucket, as in
	// production); nil runs them without sealing (records in clear). kek
	// opens another keyring over the same keys, as an operator could.
	kr  *seal.Keyring
	kek seal.KEK
}

func newKey(t testing.TB) ed25519.PrivateKey { return servicetest.NewKey(t) }

// startEnv starts replicas of the service on a fresh NATS, sealing
// records with a keyring as production does.
func startEnv(t testing.TB, replicas int, o server.Options) *env {
	t.Helper()
	return startEnvSealed(t, replicas, o, true)
}

// startEnvSealed is startEnv, without a keyring unless sealed (a bare run
// beside a sealed one, records written in clear as before sealing).
func startEnvSealed(t testing.TB, replicas int, o server.Options, sealed bool) *env {
	t.Helper()
	key := newKey(t)
	e := &env{t: t, nats: testutil.MustNATS(t), key: key, signer: servicetest.NewSigner(key), clock: testutil.NewClock(time.Now().UTC())}
	if sealed {
		e.kek = sealtest.KEK(t)
		e.kr = sealtest.Keyring(t, e.nats.JS, e.kek)
	}
	for range replicas {
		e.addrs = append(e.addrs, e.start(o))
	}
	return e
}

func (e *env) start(o server.Options) string {
	e.t.Helper()
	return servicetest.Replica{NATS: e.nats, Key: e.key, Now: e.clock.Now, Pools: &e.pools, Keyring: e.kr}.Start(e.t, server.Run, o)
}

// pairRepo opens the pairs bucket beside the replicas, as another replica
// would (with the env's keyring, if any).
func (e *env) pairRepo(ctx context.Context) *store.Repo[*pb.Pair] {
	e.t.Helper()
	cfg := pairs.RepoConfig(nil, nil)
	cfg.Keyring = e.kr
	return e.pairRepoWith(ctx, cfg)
}

// pairRepoWith opens the pairs bucket with cfg (a keyring or none).
func (e *env) pairRepoWith(ctx context.Context, cfg store.Config[*pb.Pair]) *store.Repo[*pb.Pair] {
	e.t.Helper()
	r, err := store.Open(ctx, e.nats.JS, cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(r.Close)
	return r
}

// as returns a client of replica 0 acting as c.
func (e *env) as(c auth.Claims) pb.MentoringServiceClient { return e.replica(0, c) }

func (e *env) replica(k int, c auth.Claims) pb.MentoringServiceClient {
	e.t.Helper()
	return pb.NewMentoringServiceClient(servicetest.Dial(e.t, e.addrs[k], e.signer, c))
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

// envelope wraps a payload as the producer would (servicetest.Envelope).
func envelope(t testing.TB, subject, id string, payload proto.Message) *eventsv1.Envelope {
	t.Helper()
	return servicetest.Envelope(t, subject, id, payload)
}

// publishAll publishes events for the population on the producers'
// streams, as the participants and volunteers services would.
func (e *env) publishAll(ctx context.Context, envs []*eventsv1.Envelope) {
	e.t.Helper()
	servicetest.PublishPeople(ctx, e.t, e.nats.JS, envs...)
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

// waitPool waits until every replica's pool holds n newcomers and m
// mentors (tombstones included).
func (e *env) waitPool(_ context.Context, n, m int) {
	e.t.Helper()
	e.pools.Wait(e.t, "mentoring_newcomers", n)
	e.pools.Wait(e.t, "mentoring_mentors", m)
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
	return servicetest.WaitJob(e.t, 30*time.Second, func() (*pb.Job, error) {
		res, err := c.GetJob(ctx, &pb.GetJobRequest{Id: id})
		return res.GetJob(), err
	}, pb.JobState_JOB_STATE_SUCCEEDED, pb.JobState_JOB_STATE_FAILED)
}

// pairsOf lists every pair of a job.
func pairsOf(ctx context.Context, t testing.TB, c pb.MentoringServiceClient, jobID string) []*pb.Pair {
	t.Helper()
	return servicetest.All(t, func(tok string) ([]*pb.Pair, string, error) {
		res, err := c.ListPairs(ctx, &pb.ListPairsRequest{JobId: jobID, PageSize: 500, PageToken: tok})
		return res.GetPairs(), res.GetNextPageToken(), err
	})
}

// holdAt returns job hooks that hold a job when it reports phase, until
// release is closed; held is closed when the first job gets there.
func holdAt(phase string) (hooks *jobs.Hooks, held, release chan struct{}) {
	held, release = make(chan struct{}), make(chan struct{})
	var once sync.Once
	return &jobs.Hooks{OnReport: func(_ jobs.Job, p string, _ int) {
		if p == phase {
			once.Do(func() { close(held) })
			<-release
		}
	}}, held, release
}

func code(err error) codes.Code { return status.Code(err) }

func errorf(format string, args ...any) error { return fmt.Errorf(format, args...) }
