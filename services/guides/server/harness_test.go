package server_test

import (
	"context"
	"crypto/ed25519"
	"fmt"
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
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/grpcx"
	"github.com/motesplats/motesplats/pkg/service"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/guides/server"
)

const (
	guideOrg = "org-guide"
	coordOrg = "org-kommun"
)

var (
	admin    = auth.Claims{Subject: "u-admin", Role: auth.RoleAdmin}
	coord    = auth.Claims{Subject: "u-c", Role: auth.RoleCoordinator, Organisation: coordOrg, Municipalities: []string{"0180"}}
	coordFar = auth.Claims{Subject: "u-far", Role: auth.RoleCoordinator, Organisation: coordOrg, Municipalities: []string{"1480"}}
	operator = auth.Claims{Subject: "u-op", Role: auth.RoleOperator}
)

// today is the tests' clock: eligibility is computed for this day.
var today = time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)

type env struct {
	t      testing.TB
	nats   *testutil.NATS
	addrs  []string
	key    ed25519.PrivateKey
	signer *auth.Signer
}

func startEnv(t testing.TB, replicas int, o server.Options) *env {
	t.Helper()
	k, err := auth.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, nats: testutil.MustNATS(t), key: k}
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
	_, js := e.nats.Connect(e.t)
	d := service.Deps{
		JS:       js,
		Verifier: auth.NewVerifier(map[string]ed25519.PublicKey{"k1": e.key.Public().(ed25519.PublicKey)}, time.Now, time.Second),
		Now:      func() time.Time { return today },
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
	case <-time.After(20 * time.Second):
		e.t.Fatal("server not ready")
	}
	return ""
}

func (e *env) as(c auth.Claims) pb.GuideServiceClient { return e.replica(0, c) }

func (e *env) replica(k int, c auth.Claims) pb.GuideServiceClient {
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
	return pb.NewGuideServiceClient(conn)
}

var eventSeq struct {
	mu sync.Mutex
	n  int
}

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

func (e *env) publish(ctx context.Context, envs ...*eventsv1.Envelope) {
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

// newcomer is an entitled newcomer in muni (permit a year ago, enrolled).
func newcomer(id, muni, lang string, g typev1.Gender) *eventsv1.ParticipantFacts {
	return &eventsv1.ParticipantFacts{ParticipantId: id, OrganisationId: coordOrg, MunicipalityCode: muni,
		Languages:           []*typev1.LanguageSkill{{Code: lang, Level: typev1.LanguageLevel_LANGUAGE_LEVEL_NATIVE}},
		Gender:              g,
		ConsentedPurposes:   []eventsv1.ConsentPurpose{eventsv1.ConsentPurpose_CONSENT_PURPOSE_GUIDES},
		EstablishmentStatus: eventsv1.EstablishmentStatus_ESTABLISHMENT_STATUS_ENROLLED,
		ParentalLeave:       eventsv1.ParentalLeave_PARENTAL_LEAVE_NONE,
		ResidencePermitDate: "2025-12-01", RegisteredAt: "2026-01-10T10:00:00Z", HouseholdSize: 1}
}

func registered(t testing.TB, f *eventsv1.ParticipantFacts) *eventsv1.Envelope {
	return envelope(t, events.ParticipantRegistered, f.GetParticipantId(), &eventsv1.ParticipantRegistered{Facts: f})
}

func organisation(t testing.TB, id string, caps ...*eventsv1.GuideCapacity) *eventsv1.Envelope {
	return envelope(t, events.OrganisationCreated, id, &eventsv1.OrganisationCreated{Facts: &eventsv1.OrganisationFacts{
		OrganisationId: id, Type: "ORGANISATION_TYPE_ASSOCIATION", MunicipalityCodes: []string{"0180"}, GuideCapacities: caps}})
}

// waitKeys waits until bucket holds n keys.
func (e *env) waitKeys(ctx context.Context, bucket string, n int) {
	e.t.Helper()
	testutil.CheckFor(e.t, 20*time.Second, 50*time.Millisecond, func() error {
		kv, err := e.nats.JS.KeyValue(ctx, bucket)
		if err != nil {
			return err
		}
		keys, err := kv.ListKeys(ctx)
		if err != nil {
			return err
		}
		got := 0
		for range keys.Keys() {
			got++
		}
		if got != n {
			return fmt.Errorf("%s has %d keys, want %d", bucket, got, n)
		}
		return nil
	})
}

// runJob starts a job as c and waits for it to end; it returns the job.
func (e *env) runJob(ctx context.Context, c pb.GuideServiceClient, req *pb.StartAssignmentJobRequest) *pb.Job {
	e.t.Helper()
	res, err := c.StartAssignmentJob(ctx, req)
	if err != nil {
		e.t.Fatalf("StartAssignmentJob: %v", err)
	}
	var job *pb.Job
	testutil.CheckFor(e.t, 60*time.Second, 50*time.Millisecond, func() error {
		r, err := c.GetJob(ctx, &pb.GetJobRequest{Id: res.GetJob().GetId()})
		if err != nil {
			return err
		}
		job = r.GetJob()
		if s := job.GetState(); s != pb.JobState_JOB_STATE_SUCCEEDED && s != pb.JobState_JOB_STATE_FAILED {
			return fmt.Errorf("job %s at %d%%", s, job.GetProgressPercent())
		}
		return nil
	})
	return job
}

func assignments(ctx context.Context, t testing.TB, c pb.GuideServiceClient, job string) []*pb.Assignment {
	t.Helper()
	var out []*pb.Assignment
	tok := ""
	for {
		res, err := c.ListAssignments(ctx, &pb.ListAssignmentsRequest{JobId: job, PageSize: 500, PageToken: tok})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, res.GetAssignments()...)
		if tok = res.GetNextPageToken(); tok == "" {
			return out
		}
	}
}

func code(err error) codes.Code { return status.Code(err) }

func errorf(format string, args ...any) error { return fmt.Errorf(format, args...) }
