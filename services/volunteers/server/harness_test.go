package server_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/grpcx"
	"github.com/motesplats/motesplats/pkg/seal"
	"github.com/motesplats/motesplats/pkg/service"
	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/volunteers/server"
)

const keyID = "test"

// harness is one volunteers service on a loopback port over its own
// embedded NATS, with a signer whose key the service trusts.
type harness struct {
	nats   *testutil.NATS
	client pb.VolunteerServiceClient
	conn   *grpc.ClientConn
	signer *auth.Signer
	key    ed25519.PrivateKey
	addr   string
}

func start(t testing.TB) *harness {
	t.Helper()
	return startWith(t, testutil.MustNATS(t), nil)
}

// startWith starts the service over n, sealing with kr when it is not nil
// (as production runs it).
func startWith(t testing.TB, n *testutil.NATS, kr *seal.Keyring) *harness {
	t.Helper()
	return startHooked(t, n, kr, nil)
}

// startHooked is startWith with store hooks on the volunteers' repository.
func startHooked(t testing.TB, n *testutil.NATS, kr *seal.Keyring, hooks *store.Hooks) *harness {
	t.Helper()
	pub, key, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	d := service.Deps{
		JS:       n.JS,
		Keyring:  kr,
		Verifier: auth.NewVerifier(map[string]ed25519.PublicKey{keyID: pub}, time.Now, 5*time.Second),
		Logger:   slog.New(slog.DiscardHandler),
	}
	ctx, cancel := context.WithCancel(context.Background())
	addrs := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() {
		done <- server.Run(ctx, "127.0.0.1:0", d, server.Options{StoreHooks: hooks}, func(a net.Addr) { addrs <- a })
	}()
	var addr net.Addr
	select {
	case addr = <-addrs:
	case err := <-done:
		cancel()
		t.Fatalf("Run: %v", err)
	case <-time.After(20 * time.Second):
		cancel()
		t.Fatal("service did not start")
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run returned %v after cancel", err)
		}
	})
	conn, err := grpcx.Dial(addr.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return &harness{nats: n, client: pb.NewVolunteerServiceClient(conn), conn: conn,
		signer: auth.NewSigner(key, keyID, time.Now), key: key, addr: addr.String()}
}

// token signs c for a minute.
func (h *harness) token(t testing.TB, c auth.Claims) string {
	t.Helper()
	tok, err := h.signer.Sign(c, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// as returns the call option that sends c's token.
func (h *harness) as(t testing.TB, c auth.Claims) grpc.CallOption {
	t.Helper()
	return bearer(h.token(t, c))
}

func bearer(tok string) grpc.CallOption {
	return grpc.PerRPCCredentials(auth.PerRPCCredentials(auth.StaticToken(tok)))
}

var (
	admin    = auth.Claims{Subject: "admin-1", Role: auth.RoleAdmin}
	operator = auth.Claims{Subject: "op-1", Role: auth.RoleOperator}
	svc      = auth.Claims{Subject: auth.GatewaySubject, Role: auth.RoleService} // a service the methods take (pkg/service.Callers)
)

func coordinator(org string, munis ...string) auth.Claims {
	return auth.Claims{Subject: "coord-" + org, Role: auth.RoleCoordinator, Organisation: org, Municipalities: munis}
}

// mustOrg creates an organisation serving munis as admin.
func (h *harness) mustOrg(t testing.TB, name string, munis ...string) *pb.Organisation {
	t.Helper()
	res, err := h.client.CreateOrganisation(testutil.Context(t), &pb.CreateOrganisationRequest{Organisation: &pb.Organisation{
		Name: name, Type: pb.OrganisationType_ORGANISATION_TYPE_ASSOCIATION, MunicipalityCodes: munis,
	}}, h.as(t, admin))
	if err != nil {
		t.Fatalf("create organisation: %v", err)
	}
	return res.GetOrganisation()
}

// volunteerIn returns a complete, valid volunteer of org in municipality.
func volunteerIn(org, muni string) *pb.Volunteer {
	return &pb.Volunteer{
		OrganisationId:   org,
		MunicipalityCode: muni,
		GivenName:        "Astrid",
		FamilyName:       "Lindqvist",
		Contact:          &typev1.Contact{Email: "astrid@example.se", Phone: "+46701234567", PreferredLanguage: "sv"},
		Languages:        []*typev1.LanguageSkill{{Code: "ar", Level: typev1.LanguageLevel_LANGUAGE_LEVEL_CONVERSATIONAL}, {Code: "en", Level: typev1.LanguageLevel_LANGUAGE_LEVEL_NATIVE}},
		Roles: []*eventsv1.RoleCapacity{
			{Role: eventsv1.VolunteerRole_VOLUNTEER_ROLE_MENTOR, Capacity: 2},
			{Role: eventsv1.VolunteerRole_VOLUNTEER_ROLE_DINNER_HOST, Capacity: 4},
		},
		Interests:    []string{"football", "cooking"},
		Gender:       typev1.Gender_GENDER_WOMAN,
		Availability: []*typev1.Availability{{Weekday: typev1.Weekday_WEEKDAY_WEDNESDAY, DayPart: typev1.DayPart_DAY_PART_EVENING}},
		DietsServed:  []typev1.Diet{typev1.Diet_DIET_VEGETARIAN, typev1.Diet_DIET_HALAL},
		BackgroundCheck: &pb.BackgroundCheck{
			Seen: true, SeenDate: "2020-01-10", Verifier: "coord-7", ValidUntil: "2099-01-10",
		},
		BirthYear: 1984,
	}
}

func (h *harness) mustVolunteer(t testing.TB, who auth.Claims, v *pb.Volunteer) *pb.Volunteer {
	t.Helper()
	res, err := h.client.CreateVolunteer(testutil.Context(t), &pb.CreateVolunteerRequest{Volunteer: v}, h.as(t, who))
	if err != nil {
		t.Fatalf("create volunteer: %v", err)
	}
	return res.GetVolunteer()
}

// wantCode fails unless err carries code.
func wantCode(t *testing.T, err error, code codes.Code) {
	t.Helper()
	if got := status.Code(err); got != code {
		t.Fatalf("code = %v (%v), want %v", got, err, code)
	}
}

// hasViolation reports whether err carries a field violation of field.
func hasViolation(err error, field string) bool {
	return slices.ContainsFunc(grpcx.FieldViolations(err), func(v apperr.FieldViolation) bool { return v.Field == field })
}

// streamEvents returns every envelope in the VOLUNTEERS stream, in order,
// with the raw message data.
func (h *harness) streamEvents(t *testing.T) ([]*eventsv1.Envelope, [][]byte) {
	t.Helper()
	ctx := testutil.Context(t)
	s, err := h.nats.JS.Stream(ctx, events.StreamVolunteers)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var envs []*eventsv1.Envelope
	var raws [][]byte
	for seq := info.State.FirstSeq; seq > 0 && seq <= info.State.LastSeq; seq++ {
		m, err := s.GetMsg(ctx, seq)
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		env := &eventsv1.Envelope{}
		if err := proto.Unmarshal(m.Data, env); err != nil {
			t.Fatalf("seq %d: %v", seq, err)
		}
		if want, _ := events.SubjectFor(env); want != m.Subject {
			t.Fatalf("seq %d: type %q on subject %q", seq, env.GetType(), m.Subject)
		}
		envs = append(envs, env)
		raws = append(raws, m.Data)
	}
	return envs, raws
}

// waitEvent waits until the stream holds an event of type subject about id
// and returns it with its raw data.
func (h *harness) waitEvent(t *testing.T, subject, id string) (*eventsv1.Envelope, []byte) {
	t.Helper()
	var env *eventsv1.Envelope
	var raw []byte
	testutil.CheckFor(t, 5*time.Second, 20*time.Millisecond, func() error {
		envs, raws := h.streamEvents(t)
		for i, e := range envs {
			if e.GetType() == subject && e.GetSubjectId() == id {
				env, raw = e, raws[i]
				return nil
			}
		}
		return fmt.Errorf("no %s event for %s", subject, id)
	})
	return env, raw
}

// countEvents returns how many events about id the stream holds.
func (h *harness) countEvents(t *testing.T, id string) int {
	t.Helper()
	envs, _ := h.streamEvents(t)
	n := 0
	for _, e := range envs {
		if e.GetSubjectId() == id {
			n++
		}
	}
	return n
}

// containsAny reports whether data holds any of the strings.
func containsAny(data []byte, ss ...string) bool {
	return slices.ContainsFunc(ss, func(s string) bool { return bytes.Contains(data, []byte(s)) })
}
