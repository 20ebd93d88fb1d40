package server_test

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	kitpool "github.com/motesplats/motesplats/pkg/pool"
	"github.com/motesplats/motesplats/pkg/seal"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/servicetest"
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

// env is one or more guides replicas on a private NATS (pkg/testutil/
// servicetest runs them, as for every programme).
type env struct {
	t      testing.TB
	nats   *testutil.NATS
	addrs  []string
	key    ed25519.PrivateKey
	signer *auth.Signer
	// pools are the replicas' pool sides, held in their memory.
	pools *servicetest.Pools
	// kr, when set, is every replica's keyring (records sealed).
	kr *seal.Keyring
}

func startEnv(t testing.TB, replicas int, o server.Options) *env {
	t.Helper()
	key := servicetest.NewKey(t)
	e := &env{t: t, nats: testutil.MustNATS(t), key: key, signer: servicetest.NewSigner(key)}
	for range replicas {
		e.addrs = append(e.addrs, e.start(o))
	}
	return e
}

func (e *env) start(o server.Options) string {
	e.t.Helper()
	return e.startClock(o, func() time.Time { return today })
}

// startClock starts a replica whose service clock is now, stopped at the
// end of the test.
func (e *env) startClock(o server.Options, now func() time.Time) string {
	e.t.Helper()
	return servicetest.Replica{NATS: e.nats, Key: e.key, Now: now, Pools: &e.pools, Keyring: e.kr}.Start(e.t, server.Run, o)
}

func (e *env) as(c auth.Claims) pb.GuideServiceClient { return e.replica(0, c) }

func (e *env) replica(k int, c auth.Claims) pb.GuideServiceClient {
	e.t.Helper()
	return pb.NewGuideServiceClient(servicetest.Dial(e.t, e.addrs[k], e.signer, c))
}

// envelope wraps a payload as the producer would (servicetest.Envelope).
func envelope(t testing.TB, subject, id string, payload proto.Message) *eventsv1.Envelope {
	t.Helper()
	return servicetest.Envelope(t, subject, id, payload)
}

func (e *env) publish(ctx context.Context, envs ...*eventsv1.Envelope) {
	e.t.Helper()
	servicetest.PublishPeople(ctx, e.t, e.nats.JS, envs...)
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

// poolHook is the Pools option of every replica the env starts.
func (e *env) poolHook() func(map[string]kitpool.View) {
	if e.pools == nil {
		e.pools = &servicetest.Pools{}
	}
	return e.pools.Add
}

// waitKeys waits until the pool side named bucket (the bucket it was kept
// in before ADR 0088) holds n records in every replica.
func (e *env) waitKeys(_ context.Context, bucket string, n int) {
	e.t.Helper()
	e.pools.Wait(e.t, bucket, n)
}

// runJob starts a job as c and waits for it to end; it returns the job.
func (e *env) runJob(ctx context.Context, c pb.GuideServiceClient, req *pb.StartAssignmentJobRequest) *pb.Job {
	e.t.Helper()
	res, err := c.StartAssignmentJob(ctx, req)
	if err != nil {
		e.t.Fatalf("StartAssignmentJob: %v", err)
	}
	return waitDone(ctx, e, c, res.GetJob().GetId())
}

// waitDone waits until job id succeeded or failed, and returns it.
func waitDone(ctx context.Context, e *env, c pb.GuideServiceClient, id string) *pb.Job {
	e.t.Helper()
	return servicetest.WaitJobEnd(e.t, 60*time.Second, func() (*pb.Job, error) {
		r, err := c.GetJob(ctx, &pb.GetJobRequest{Id: id})
		return r.GetJob(), err
	}, pb.JobState_JOB_STATE_SUCCEEDED, pb.JobState_JOB_STATE_FAILED)
}

func assignments(ctx context.Context, t testing.TB, c pb.GuideServiceClient, job string) []*pb.Assignment {
	t.Helper()
	return servicetest.All(t, func(tok string) ([]*pb.Assignment, string, error) {
		res, err := c.ListAssignments(ctx, &pb.ListAssignmentsRequest{JobId: job, PageSize: 500, PageToken: tok})
		return res.GetAssignments(), res.GetNextPageToken(), err
	})
}

func code(err error) codes.Code { return status.Code(err) }

func errorf(format string, args ...any) error { return fmt.Errorf(format, args...) }
