package main

import (
	"bytes"
	"context"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/reflection/grpc_reflection_v1"

	"github.com/motesplats/motesplats/pkg/auth"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/grpcx"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/servicetest"
)

func testConfig(t *testing.T, dir string) Config {
	t.Helper()
	cfg, err := configFromEnv(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	cfg.DataDir, cfg.NATSPort = dir, -1
	cfg.ParticipantsAddr, cfg.VolunteersAddr, cfg.MentoringAddr = "127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0"
	cfg.GuidesAddr = "127.0.0.1:0"
	cfg.DinnersAddr = "127.0.0.1:0"
	cfg.NotifyAddr = "127.0.0.1:0"
	cfg.Gateway.Addr = "127.0.0.1:0"
	cfg.MetricsAddr = "127.0.0.1:0"
	return cfg
}

// stackPools holds each started stack's programme pools (*Listening ->
// *servicetest.Pools): they live in the stack's memory (ADR 0088).
var stackPools sync.Map

// poolsOf returns the programme pools of the stack listening on l.
func poolsOf(t *testing.T, l *Listening) *servicetest.Pools {
	t.Helper()
	p, ok := stackPools.Load(l)
	if !ok {
		t.Fatal("no pools for this stack: start it with startStack")
	}
	return p.(*servicetest.Pools)
}

// startStack runs the stack until the returned stop is called.
func startStack(t *testing.T, cfg Config) (*Listening, *testutil.LogBuffer, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out := &testutil.LogBuffer{}
	l := &Listening{}
	pools := &servicetest.Pools{}
	cfg.Mentoring.Pools, cfg.Dinners.Pools, cfg.Guides.Pools = pools.Add, pools.Add, pools.Add
	stackPools.Store(l, pools)
	done := make(chan error, 1)
	go func() { done <- run(ctx, cfg, out, l) }()
	testutil.CheckFor(t, 30*time.Second, 20*time.Millisecond, func() error {
		if !strings.Contains(out.String(), "Ctrl-C stops") {
			select {
			case err := <-done:
				t.Fatalf("stack stopped: %v\n%s", err, out.String())
			default:
			}
			return context.DeadlineExceeded
		}
		return nil
	})
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	}
	t.Cleanup(stop)
	return l, out, stop
}

func TestStack_ServesAndKeepsDataAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(t, dir)
	l, out, stop := startStack(t, cfg)
	for _, want := range []string{"participants", "volunteers", "nats://", "grpcurl"} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("start-up output lacks %q:\n%s", want, out.String())
		}
	}
	ctx := testutil.Context(t)
	for _, part := range []string{"participants", "volunteers"} {
		conn, err := grpcx.Dial(l.Addr(part))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		res, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{})
		if err != nil || res.GetStatus() != healthpb.HealthCheckResponse_SERVING {
			t.Fatalf("%s health=%v err=%v", part, res.GetStatus(), err)
		}
		if services := reflected(t, ctx, conn); !strings.Contains(services, "motesplats."+part+".v1") {
			t.Fatalf("%s reflection lists %s", part, services)
		}
	}

	// The token command mints what the services accept.
	var tok bytes.Buffer
	if err := token(cfg, nil, &tok); err != nil {
		t.Fatal(err)
	}
	creds := grpc.WithPerRPCCredentials(auth.PerRPCCredentials(auth.StaticToken(strings.TrimSpace(tok.String()))))
	vconn, err := grpcx.Dial(l.Addr("volunteers"), creds)
	if err != nil {
		t.Fatal(err)
	}
	defer vconn.Close()
	org, err := volunteersv1.NewVolunteerServiceClient(vconn).CreateOrganisation(ctx, &volunteersv1.CreateOrganisationRequest{
		Organisation: &volunteersv1.Organisation{Name: "Röda Korset Kalmar", Type: volunteersv1.OrganisationType_ORGANISATION_TYPE_ASSOCIATION,
			MunicipalityCodes: []string{"0880"}}})
	if err != nil {
		t.Fatalf("create organisation: %v", err)
	}
	pconn, err := grpcx.Dial(l.Addr("participants"), creds)
	if err != nil {
		t.Fatal(err)
	}
	defer pconn.Close()
	created, err := participantsv1.NewParticipantServiceClient(pconn).CreateParticipant(ctx, &participantsv1.CreateParticipantRequest{
		Participant: &participantsv1.Participant{OrganisationId: org.GetOrganisation().GetId(), MunicipalityCode: "0880", GivenName: "Amina"}})
	if err != nil {
		t.Fatalf("create participant: %v", err)
	}
	stop()

	l2, _, _ := startStack(t, cfg)
	pconn2, err := grpcx.Dial(l2.Addr("participants"), creds)
	if err != nil {
		t.Fatal(err)
	}
	defer pconn2.Close()
	got, err := participantsv1.NewParticipantServiceClient(pconn2).GetParticipant(ctx, &participantsv1.GetParticipantRequest{Id: created.GetParticipant().GetId()})
	if err != nil || got.GetParticipant().GetGivenName() != "Amina" {
		t.Fatalf("after restart get=%v err=%v", got, err)
	}
}

func TestStack_Seed(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	l, _, _ := startStack(t, cfg)
	cfg.ParticipantsAddr, cfg.VolunteersAddr = l.Addr("participants"), l.Addr("volunteers")
	cfg.DinnersAddr = l.Addr("dinners")
	// The seed runs with the stack's environment: its banner names the
	// gateway where that environment put it (GATEWAY_ADDR), not port 8080.
	cfg.Gateway.Addr = l.Addr("gateway")
	ctx := testutil.Context(t)
	var out bytes.Buffer
	seedArgs := []string{"-participants", "60", "-volunteers", "20", "-nats", "nats://" + l.Addr("nats")}
	if err := seed(ctx, cfg, seedArgs, &out); err != nil {
		t.Fatalf("seed: %v\n%s", err, out.String())
	}
	// Seeding twice creates nothing new: request ids are stable.
	if err := seed(ctx, cfg, seedArgs, &out); err != nil {
		t.Fatalf("second seed: %v", err)
	}
	if !strings.Contains(out.String(), "anna@example.org") || !strings.Contains(out.String(), "(3 new)") ||
		!strings.Contains(out.String(), "(0 new)") || !strings.Contains(out.String(), "sign-ups") ||
		!strings.Contains(out.String(), "3 guide organisations") || !strings.Contains(out.String(), "Flyktingguiderna Väst                66 places") {
		t.Fatalf("seed output lacks the demo sign-ins, created once:\n%s", out.String())
	}
	if want := "sign-ins (3 new), at http://" + l.Addr("gateway") + ":"; !strings.Contains(out.String(), want) {
		t.Fatalf("seed output does not say where to sign in (%q):\n%s", want, out.String())
	}
	var tok bytes.Buffer
	if err := token(cfg, nil, &tok); err != nil {
		t.Fatal(err)
	}
	conn, err := grpcx.Dial(cfg.ParticipantsAddr, grpc.WithPerRPCCredentials(auth.PerRPCCredentials(auth.StaticToken(strings.TrimSpace(tok.String())))))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	pc := participantsv1.NewParticipantServiceClient(conn)
	res, err := pc.ListParticipants(ctx, &participantsv1.ListParticipantsRequest{PageSize: 1})
	if err != nil || res.GetTotalSize() != 60 {
		t.Fatalf("participants after seeding twice=%d err=%v, want 60", res.GetTotalSize(), err)
	}

	// A coordinator erases a seeded newcomer and deletes a seeded volunteer;
	// make seed again stopped with "participant 18: ... has been removed"
	// (ADR 0137). It leaves them removed, says so, and makes nothing new.
	if _, err := pc.EraseParticipant(ctx, &participantsv1.EraseParticipantRequest{Id: res.GetParticipants()[0].GetId()}); err != nil {
		t.Fatal(err)
	}
	vconn, err := grpcx.Dial(cfg.VolunteersAddr, grpc.WithPerRPCCredentials(auth.PerRPCCredentials(auth.StaticToken(strings.TrimSpace(tok.String())))))
	if err != nil {
		t.Fatal(err)
	}
	defer vconn.Close()
	vc := volunteersv1.NewVolunteerServiceClient(vconn)
	vs, err := vc.ListVolunteers(ctx, &volunteersv1.ListVolunteersRequest{PageSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := vc.DeleteVolunteer(ctx, &volunteersv1.DeleteVolunteerRequest{Id: vs.GetVolunteers()[0].GetId()}); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := seed(ctx, cfg, seedArgs, &out); err != nil {
		t.Fatalf("seed after a removal: %v\n%s", err, out.String())
	}
	for _, want := range []string{"removed since  2 of them", "(0 new)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("seed after a removal lacks %q:\n%s", want, out.String())
		}
	}
	if res, err := pc.ListParticipants(ctx, &participantsv1.ListParticipantsRequest{PageSize: 1}); err != nil || res.GetTotalSize() != 59 {
		t.Fatalf("participants after seeding again=%d err=%v, want 59", res.GetTotalSize(), err)
	}
}

func TestDispatch_RefusesUnknownCommand(t *testing.T) {
	err := dispatch(context.Background(), Config{}, []string{"frobnicate"}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "unknown command") {
		t.Fatalf("err=%v, want unknown command", err)
	}
}

func reflected(t *testing.T, ctx context.Context, conn *grpc.ClientConn) string {
	t.Helper()
	stream, err := grpc_reflection_v1.NewServerReflectionClient(conn).ServerReflectionInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := stream.Send(&grpc_reflection_v1.ServerReflectionRequest{MessageRequest: &grpc_reflection_v1.ServerReflectionRequest_ListServices{}}); err != nil {
		t.Fatal(err)
	}
	res, err := stream.Recv()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range res.GetListServicesResponse().GetService() {
		names = append(names, s.GetName())
	}
	return strings.Join(names, ",")
}

// TestRun_PortTakenNamesTheVariable: a port the stack needs that is
// taken stops it with an error naming the port and the variable that
// moves it.
func TestRun_PortTakenNamesTheVariable(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		// take points cfg at the taken address and returns the words
		// the error must hold.
		take func(cfg *Config, addr *net.TCPAddr) []string
	}{
		{"nats", func(cfg *Config, addr *net.TCPAddr) []string {
			cfg.NATSHost, cfg.NATSPort = "127.0.0.1", addr.Port
			return []string{strconv.Itoa(addr.Port), "already in use", "MP_NATS_PORT"}
		}},
		{"gateway", func(cfg *Config, addr *net.TCPAddr) []string {
			cfg.Gateway.Addr = addr.String()
			return []string{addr.String(), "already in use", "GATEWAY_ADDR"}
		}},
		// The metrics and the services' ports said only "bind: address
		// already in use" (outside round s29).
		{"metrics", func(cfg *Config, addr *net.TCPAddr) []string {
			cfg.MetricsAddr = addr.String()
			return []string{addr.String(), "already in use", "METRICS_ADDR"}
		}},
		{"participants", func(cfg *Config, addr *net.TCPAddr) []string {
			cfg.ParticipantsAddr = addr.String()
			return []string{addr.String(), "already in use", "PARTICIPANTS_ADDR"}
		}},
		{"guides", func(cfg *Config, addr *net.TCPAddr) []string {
			cfg.GuidesAddr = addr.String()
			return []string{addr.String(), "already in use", "GUIDES_ADDR"}
		}},
		{"notify", func(cfg *Config, addr *net.TCPAddr) []string {
			cfg.NotifyAddr = addr.String()
			return []string{addr.String(), "already in use", "NOTIFY_ADDR"}
		}},
		// Notify's bounce endpoint failed after everything had started
		// (ADR 0186).
		{"bounces", func(cfg *Config, addr *net.TCPAddr) []string {
			cfg.Notify.BounceAddr, cfg.Notify.BounceSecret = addr.String(), "0123456789abcdef"
			return []string{addr.String(), "already in use", "MP_BOUNCE_ADDR"}
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			cfg := testConfig(t, t.TempDir())
			wants := tt.take(&cfg, l.Addr().(*net.TCPAddr))
			err = run(testutil.Context(t), cfg, &testutil.LogBuffer{}, &Listening{})
			if err == nil {
				t.Fatalf("run with the %s port taken succeeded", tt.name)
			}
			for _, want := range wants {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
		})
	}
}
