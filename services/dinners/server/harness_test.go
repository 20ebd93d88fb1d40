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
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/events"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/seal"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/servicetest"
	"github.com/motesplats/motesplats/services/dinners/server"
)

const (
	orgA = "org-a"
	orgB = "org-b"
)

var (
	admin    = auth.Claims{Subject: "u-admin", Role: auth.RoleAdmin}
	coordA   = auth.Claims{Subject: "u-a", Role: auth.RoleCoordinator, Organisation: orgA, Municipalities: []string{"0180", "0184"}}
	coordA2  = auth.Claims{Subject: "u-a2", Role: auth.RoleCoordinator, Organisation: orgA, Municipalities: []string{"1480"}}
	coordB   = auth.Claims{Subject: "u-b", Role: auth.RoleCoordinator, Organisation: orgB, Municipalities: []string{"0180"}}
	operator = auth.Claims{Subject: "u-op", Role: auth.RoleOperator}
)

// The tests start on a fixed day so dates in requests are stable.
var day0 = time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC) // a Monday

// date is day0 plus n days, YYYY-MM-DD.
func date(n int) string { return day0.AddDate(0, 0, n).Format(time.DateOnly) }

// env is one or more dinners replicas on a private NATS.
type env struct {
	t      testing.TB
	nats   *testutil.NATS
	addrs  []string
	key    ed25519.PrivateKey
	signer *auth.Signer
	clock  *testutil.Clock
	// pools are the replicas' pool sides, held in their memory.
	pools *servicetest.Pools
	// kr, when set, is every replica's keyring (records sealed).
	kr *seal.Keyring
}

func startEnv(t testing.TB, replicas int, o server.Options) *env {
	t.Helper()
	key := servicetest.NewKey(t)
	e := &env{t: t, nats: testutil.MustNATS(t), key: key, signer: servicetest.NewSigner(key), clock: testutil.NewClock(day0)}
	for range replicas {
		e.addrs = append(e.addrs, e.start(o))
	}
	return e
}

func (e *env) start(o server.Options) string {
	e.t.Helper()
	return servicetest.Replica{NATS: e.nats, Key: e.key, Now: e.clock.Now, Pools: &e.pools, Keyring: e.kr}.Start(e.t, server.Run, o)
}

func (e *env) as(c auth.Claims) pb.DinnerServiceClient { return e.replica(0, c) }

func (e *env) replica(k int, c auth.Claims) pb.DinnerServiceClient {
	e.t.Helper()
	return pb.NewDinnerServiceClient(servicetest.Dial(e.t, e.addrs[k], e.signer, c))
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

func guestFacts(id, org, muni string) *eventsv1.ParticipantFacts {
	return &eventsv1.ParticipantFacts{ParticipantId: id, OrganisationId: org, MunicipalityCode: muni,
		Languages: []*typev1.LanguageSkill{{Code: "ar", Level: typev1.LanguageLevel_LANGUAGE_LEVEL_NATIVE}},
		Gender:    typev1.Gender_GENDER_WOMAN, SwedishLevel: typev1.SwedishLevel_SWEDISH_LEVEL_SFI_C,
		ConsentedPurposes: []eventsv1.ConsentPurpose{eventsv1.ConsentPurpose_CONSENT_PURPOSE_DINNERS}}
}

func hostFacts(id, org, muni string) *eventsv1.VolunteerFacts {
	return &eventsv1.VolunteerFacts{VolunteerId: id, OrganisationId: org, MunicipalityCode: muni,
		Roles:                []*eventsv1.RoleCapacity{{Role: eventsv1.VolunteerRole_VOLUNTEER_ROLE_DINNER_HOST, Capacity: 6}},
		BackgroundCheckValid: true}
}

// people registers guests g-NNNN and hosts h-NNNN of org in muni and
// waits until the pool holds them.
func (e *env) people(ctx context.Context, org, muni string, guests, hosts []string) {
	e.t.Helper()
	var envs []*eventsv1.Envelope
	for _, id := range guests {
		envs = append(envs, envelope(e.t, events.ParticipantRegistered, id, &eventsv1.ParticipantRegistered{Facts: guestFacts(id, org, muni)}))
	}
	for _, id := range hosts {
		envs = append(envs, envelope(e.t, events.VolunteerRegistered, id, &eventsv1.VolunteerRegistered{Facts: hostFacts(id, org, muni)}))
	}
	e.publish(ctx, envs...)
	e.waitPool(ctx, guests, hosts)
}

// waitPool waits until every replica's pool has a record of each guest
// and host.
func (e *env) waitPool(_ context.Context, guests, hosts []string) {
	e.t.Helper()
	e.pools.WaitIDs(e.t, "dinners_guests", guests)
	e.pools.WaitIDs(e.t, "dinners_hosts", hosts)
}

func offer(host, org, muni string, seats int32, dates ...string) *pb.Offer {
	o := &pb.Offer{OrganisationId: org, MunicipalityCode: muni, VolunteerId: host, Seats: seats,
		Kitchen:     &pb.Kitchen{Diets: []typev1.Diet{typev1.Diet_DIET_HALAL, typev1.Diet_DIET_VEGETARIAN}},
		Composition: pb.Composition_COMPOSITION_COUPLE, Languages: []string{"en"}}
	for _, d := range dates {
		o.Dinners = append(o.Dinners, &pb.Dinner{Date: d, StartTime: "18:00"})
	}
	return o
}

func party(n int) []*pb.PartyMember {
	out := []*pb.PartyMember{{Age: 30, Relation: pb.Relation_RELATION_SELF}}
	for len(out) < n {
		out = append(out, &pb.PartyMember{Age: 8, Relation: pb.Relation_RELATION_CHILD})
	}
	return out
}

func signUp(guest, org, muni string, size int, dates ...string) *pb.SignUp {
	return &pb.SignUp{OrganisationId: org, MunicipalityCode: muni, ParticipantId: guest, Party: party(size),
		SwedishLevel: typev1.SwedishLevel_SWEDISH_LEVEL_SFI_C, Dates: dates,
		Composition: pb.Composition_COMPOSITION_FAMILY, FirstTime: true}
}

func (e *env) mustOffer(ctx context.Context, c pb.DinnerServiceClient, o *pb.Offer) *pb.Offer {
	e.t.Helper()
	res, err := c.CreateOffer(ctx, &pb.CreateOfferRequest{RequestId: "o-" + o.GetVolunteerId() + "-" + o.GetDinners()[0].GetDate(), Offer: o})
	if err != nil {
		e.t.Fatalf("CreateOffer: %v", err)
	}
	return res.GetOffer()
}

func (e *env) mustSignUp(ctx context.Context, c pb.DinnerServiceClient, s *pb.SignUp) *pb.SignUp {
	e.t.Helper()
	res, err := c.CreateSignUp(ctx, &pb.CreateSignUpRequest{RequestId: "s-" + s.GetParticipantId(), SignUp: s})
	if err != nil {
		e.t.Fatalf("CreateSignUp: %v", err)
	}
	return res.GetSignUp()
}

// runJob starts a job as c and waits for it to succeed.
func (e *env) runJob(ctx context.Context, c pb.DinnerServiceClient, requestID string, munis ...string) *pb.Job {
	e.t.Helper()
	res, err := c.StartMatchingJob(ctx, &pb.StartMatchingJobRequest{RequestId: requestID, OrganisationId: orgA, MunicipalityCodes: munis})
	if err != nil {
		e.t.Fatalf("StartMatchingJob: %v", err)
	}
	return e.waitJob(ctx, c, res.GetJob().GetId())
}

func (e *env) waitJob(ctx context.Context, c pb.DinnerServiceClient, id string) *pb.Job {
	e.t.Helper()
	return servicetest.WaitJob(e.t, 10*time.Minute, func() (*pb.Job, error) {
		res, err := c.GetJob(ctx, &pb.GetJobRequest{Id: id})
		return res.GetJob(), err
	}, pb.JobState_JOB_STATE_SUCCEEDED, pb.JobState_JOB_STATE_FAILED)
}

func seatingsOf(ctx context.Context, t testing.TB, c pb.DinnerServiceClient, jobID string) []*pb.Seating {
	t.Helper()
	return servicetest.All(t, func(tok string) ([]*pb.Seating, string, error) {
		res, err := c.ListSeatings(ctx, &pb.ListSeatingsRequest{JobId: jobID, PageSize: 500, PageToken: tok})
		return res.GetSeatings(), res.GetNextPageToken(), err
	})
}

// unseatedOf is the job's unseated parties' reasons by sign-up id.
func unseatedOf(ctx context.Context, t testing.TB, c pb.DinnerServiceClient, jobID string) map[string]pb.UnseatedReason {
	t.Helper()
	got := map[string]pb.UnseatedReason{}
	for _, u := range servicetest.All(t, func(tok string) ([]*pb.UnseatedParty, string, error) {
		res, err := c.ListUnseated(ctx, &pb.ListUnseatedRequest{JobId: jobID, PageSize: 500, PageToken: tok})
		return res.GetUnseated(), res.GetNextPageToken(), err
	}) {
		got[u.GetSignUpId()] = u.GetReason()
	}
	return got
}

// wantUnseated fails the test unless the job left exactly want's parties
// unseated, each for its reason.
func wantUnseated(ctx context.Context, t testing.TB, c pb.DinnerServiceClient, jobID string, want map[string]pb.UnseatedReason) {
	t.Helper()
	got := unseatedOf(ctx, t, c, jobID)
	if len(got) != len(want) {
		t.Errorf("unseated: got %v, want %v", got, want)
	}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("sign-up %s: got %v, want %v", id, got[id], w)
		}
	}
}

func code(err error) codes.Code { return status.Code(err) }

// city is a deterministic population for larger jobs: guests g-NNNN with
// parties of 1 to 5 and hosts h-NNNN with one dinner a week for eight
// weeks in Stockholm's county.
type city struct {
	guests, hosts []string
	signUps       []*pb.SignUp
	offers        []*pb.Offer
}

func newCity(seed uint64, parties, hosts, dinnersPerHost int) city {
	r := rand.New(rand.NewPCG(seed, 11))
	munis := []string{"0180", "0184"}
	var c city
	for i := range hosts {
		id := fmt.Sprintf("h-%04d", i)
		c.hosts = append(c.hosts, id)
		var dates []string
		start := r.IntN(7)
		for k := range dinnersPerHost {
			dates = append(dates, date(1+start+7*k*8/max(dinnersPerHost, 1)))
		}
		o := offer(id, orgA, munis[r.IntN(2)], int32(4+r.IntN(5)), dates...)
		if r.IntN(3) == 0 {
			o.Kitchen.Diets = []typev1.Diet{typev1.Diet_DIET_VEGETARIAN}
		}
		if r.IntN(4) == 0 {
			o.Composition = pb.Composition_COMPOSITION_FAMILY
		}
		c.offers = append(c.offers, o)
	}
	for i := range parties {
		id := fmt.Sprintf("g-%04d", i)
		c.guests = append(c.guests, id)
		var dates []string
		for _, k := range r.Perm(56)[:3+r.IntN(10)] {
			dates = append(dates, date(1+k))
		}
		s := signUp(id, orgA, munis[r.IntN(2)], 1+r.IntN(5), dates...)
		s.FirstTime = r.IntN(2) == 0
		if r.IntN(3) == 0 {
			s.Diets = []typev1.Diet{typev1.Diet_DIET_HALAL}
		}
		if r.IntN(2) == 0 {
			s.Composition = pb.Composition_COMPOSITION_ALL_FEMALE
		}
		c.signUps = append(c.signUps, s)
	}
	return c
}

// load registers the city's people and creates its offers and sign-ups.
func (e *env) load(ctx context.Context, c city) {
	e.t.Helper()
	var envs []*eventsv1.Envelope
	for _, s := range c.signUps {
		envs = append(envs, envelope(e.t, events.ParticipantRegistered, s.GetParticipantId(),
			&eventsv1.ParticipantRegistered{Facts: guestFacts(s.GetParticipantId(), orgA, s.GetMunicipalityCode())}))
	}
	for _, o := range c.offers {
		envs = append(envs, envelope(e.t, events.VolunteerRegistered, o.GetVolunteerId(),
			&eventsv1.VolunteerRegistered{Facts: hostFacts(o.GetVolunteerId(), orgA, o.GetMunicipalityCode())}))
	}
	e.publish(ctx, envs...)
	e.waitPool(ctx, c.guests, c.hosts)
	cl := e.as(admin)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	work := make(chan func() error)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for f := range work {
				if err := f(); err != nil {
					select {
					case errs <- err:
					default:
					}
				}
			}
		}()
	}
	for _, o := range c.offers {
		work <- func() error {
			_, err := cl.CreateOffer(ctx, &pb.CreateOfferRequest{RequestId: "o-" + o.GetVolunteerId(), Offer: o})
			return err
		}
	}
	for _, s := range c.signUps {
		work <- func() error {
			_, err := cl.CreateSignUp(ctx, &pb.CreateSignUpRequest{RequestId: "s-" + s.GetParticipantId(), SignUp: s})
			return err
		}
	}
	close(work)
	wg.Wait()
	select {
	case err := <-errs:
		e.t.Fatal(err)
	default:
	}
}

func mask(paths ...string) *fieldmaskpb.FieldMask { return &fieldmaskpb.FieldMask{Paths: paths} }

// serverOptions are the options most tests run with.
func serverOptions() server.Options { return server.Options{} }
