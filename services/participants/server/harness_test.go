package server_test

import (
	"context"
	"crypto/ed25519"
	"net"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/redis/go-redis/v9"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/cache"
	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/grpcx"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/service"
	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/participants/server"
)

// env is a running participants service on a private NATS.
type env struct {
	t      testing.TB
	nats   *testutil.NATS
	addr   string
	key    ed25519.PrivateKey
	signer *auth.Signer
	other  *auth.Signer // a key the service does not trust
}

const (
	orgA = "org-a"
	orgB = "org-b"
)

func newKey(t testing.TB) ed25519.PrivateKey {
	t.Helper()
	k, err := auth.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func startEnv(t testing.TB, hooks *store.Hooks) *env {
	t.Helper()
	n := testutil.MustNATS(t)
	return startOn(t, n, hooks)
}

func startOn(t testing.TB, n *testutil.NATS, hooks *store.Hooks) *env {
	t.Helper()
	return startWith(t, n, hooks, nil)
}

// startWith starts the service with a given cache backend (nil: in-process).
func startWith(t testing.TB, n *testutil.NATS, hooks *store.Hooks, backend cache.Backend) *env {
	t.Helper()
	return startJS(t, n, n.JS, hooks, backend)
}

// startJS starts the service on js, a connection to n (through a proxy,
// say), after the volunteers service's events that create orgA and orgB.
func startJS(t testing.TB, n *testutil.NATS, js jetstream.JetStream, hooks *store.Hooks, backend cache.Backend) *env {
	t.Helper()
	return run(t, n, service.Deps{JS: js, Cache: backend}, server.Options{StoreHooks: hooks})
}

// run starts the service with d and o after the volunteers service's
// events that create orgA and orgB, trusting a new key of its own (d's
// Verifier is set here), and stops it when the test ends. Every start of
// the harness (startJS, startSealed) goes through it.
func run(t testing.TB, n *testutil.NATS, d service.Deps, o server.Options) *env {
	t.Helper()
	publishOrg(t, n.JS, events.OrganisationCreated, orgA)
	publishOrg(t, n.JS, events.OrganisationCreated, orgB)
	key, otherKey := newKey(t), newKey(t)
	d.Verifier = auth.NewVerifier(map[string]ed25519.PublicKey{"k1": key.Public().(ed25519.PublicKey)}, time.Now, time.Second)
	d = d.WithDefaults()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() {
		done <- server.Run(ctx, "127.0.0.1:0", d, o, func(a net.Addr) { ready <- a })
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("server.Run: %v", err)
		}
	})
	var addr net.Addr
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("server.Run: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("server not ready")
	}
	return &env{t: t, nats: n, addr: addr.String(), key: key,
		signer: auth.NewSigner(key, "k1", time.Now), other: auth.NewSigner(otherKey, "k1", time.Now)}
}

func (e *env) token(c auth.Claims) string {
	e.t.Helper()
	tok, err := e.signer.Sign(c, time.Hour)
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

var (
	admin        = auth.Claims{Subject: "u-admin", Role: auth.RoleAdmin}
	coordA       = auth.Claims{Subject: "u-a", Role: auth.RoleCoordinator, Organisation: orgA, Municipalities: []string{"0180", "0880"}}
	coordAOther  = auth.Claims{Subject: "u-a2", Role: auth.RoleCoordinator, Organisation: orgA, Municipalities: []string{"1480"}}
	coordB       = auth.Claims{Subject: "u-b", Role: auth.RoleCoordinator, Organisation: orgB, Municipalities: []string{"0180"}}
	operatorUser = auth.Claims{Subject: "u-op", Role: auth.RoleOperator}
)

// client returns a client that sends tok (none when empty).
func (e *env) client(tok string) pb.ParticipantServiceClient {
	e.t.Helper()
	var opts []grpc.DialOption
	if tok != "" {
		opts = append(opts, grpc.WithPerRPCCredentials(auth.PerRPCCredentials(auth.StaticToken(tok))))
	}
	conn, err := grpcx.Dial(e.addr, opts...)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { _ = conn.Close() })
	return pb.NewParticipantServiceClient(conn)
}

func (e *env) as(c auth.Claims) pb.ParticipantServiceClient { return e.client(e.token(c)) }

// streamMsgs returns every message on the PARTICIPANTS stream.
func (e *env) streamMsgs(ctx context.Context) []*jetstream.RawStreamMsg {
	e.t.Helper()
	s, err := e.nats.JS.Stream(ctx, events.StreamParticipants)
	if err != nil {
		e.t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []*jetstream.RawStreamMsg
	for seq := info.State.FirstSeq; info.State.Msgs > 0 && seq <= info.State.LastSeq; seq++ {
		m, err := s.GetMsg(ctx, seq)
		if err == nil {
			out = append(out, m)
		}
	}
	return out
}

func newcomer(muni string) *pb.Participant {
	return &pb.Participant{
		OrganisationId:      orgA,
		MunicipalityCode:    muni,
		GivenName:           "Amina",
		FamilyName:          "Hassan",
		Contact:             &typev1.Contact{Email: "amina@example.org", Phone: "+46701234567", PreferredLanguage: "ar"},
		Languages:           []*typev1.LanguageSkill{{Code: "ar", Level: typev1.LanguageLevel_LANGUAGE_LEVEL_NATIVE}, {Code: "en", Level: typev1.LanguageLevel_LANGUAGE_LEVEL_CONVERSATIONAL}},
		SwedishLevel:        typev1.SwedishLevel_SWEDISH_LEVEL_SFI_B,
		Household:           &pb.Household{Size: 3, MemberAges: []int32{34, 6}},
		Interests:           []string{"cooking", "football"},
		Diets:               []typev1.Diet{typev1.Diet_DIET_HALAL},
		Gender:              typev1.Gender_GENDER_WOMAN,
		Availability:        []*typev1.Availability{{Weekday: typev1.Weekday_WEEKDAY_TUESDAY, DayPart: typev1.DayPart_DAY_PART_EVENING}},
		ResidencePermitDate: "2025-03-14",
		EstablishmentStatus: eventsv1.EstablishmentStatus_ESTABLISHMENT_STATUS_ENROLLED,
		ParentalLeave:       eventsv1.ParentalLeave_PARENTAL_LEAVE_NONE,
		Consents:            []*pb.Consent{{Purpose: eventsv1.ConsentPurpose_CONSENT_PURPOSE_MENTORING, TextVersion: "2026-01", Language: "ar"}},
	}
}

// publishOrg publishes a volunteers event about organisation id, as the
// volunteers service does: created (or updated) with its facts, or
// deleted with its id.
func publishOrg(t testing.TB, js jetstream.JetStream, typ, id string) {
	t.Helper()
	if err := orgEvent(js, typ, id); err != nil {
		t.Fatal(err)
	}
}

// orgEvent is publishOrg for the crash helper, which has no testing.TB.
func orgEvent(js jetstream.JetStream, typ, id string) error {
	ctx := context.Background()
	if err := events.EnsureStream(ctx, js, events.StreamConfig{
		Name: events.StreamVolunteers, Subjects: []string{events.VolunteersSubjects}}); err != nil {
		return err
	}
	facts := &eventsv1.OrganisationFacts{OrganisationId: id, Type: "ORGANISATION_TYPE_ASSOCIATION", MunicipalityCodes: []string{"0180"}}
	var payload proto.Message = &eventsv1.OrganisationCreated{Facts: facts}
	switch typ {
	case events.OrganisationUpdated:
		payload = &eventsv1.OrganisationUpdated{Facts: facts}
	case events.OrganisationDeleted:
		payload = &eventsv1.OrganisationDeleted{OrganisationId: id}
	}
	env, err := events.NewEnvelope(ids.UUIDv7{}.New(), typ, id, time.Now(), payload)
	if err != nil {
		return err
	}
	return events.NewPublisher(js).Publish(ctx, env)
}

func code(err error) codes.Code { return status.Code(err) }

func startBench(b *testing.B) *env { return startEnv(b, nil) }

// mustRedisClient starts a redis-server for tb and returns its address
// and a client of it for the service's cache (cache.NewRedis), closed
// when tb ends.
func mustRedisClient(tb testing.TB) (string, *redis.Client) {
	tb.Helper()
	addr := testutil.MustRedis(tb)
	rc, err := cache.NewRedisClient("redis://" + addr)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = rc.Close() })
	return addr, rc
}
