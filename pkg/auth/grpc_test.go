package auth_test

import (
	"context"
	"crypto/ed25519"
	"errors"
	"net"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/motesplats/motesplats/pkg/auth"
	benchv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/bench/v1"
)

// echo answers with the caller's subject and role as the handler sees them.
type echo struct {
	benchv1.UnimplementedEchoServiceServer
}

func (echo) Echo(ctx context.Context, _ *benchv1.EchoRequest) (*benchv1.EchoResponse, error) {
	c, ok := auth.FromContext(ctx)
	if !ok {
		return nil, status.Error(codes.Internal, "no claims in handler context")
	}
	return &benchv1.EchoResponse{Payload: []byte(c.Subject + "/" + string(c.Role))}, nil
}

// health is SERVING; its Watch stream reports whether claims reached the
// stream handler, so the stream interceptor is tested end to end.
type health struct {
	healthpb.UnimplementedHealthServer
}

func (health) Check(context.Context, *healthpb.HealthCheckRequest) (*healthpb.HealthCheckResponse, error) {
	return &healthpb.HealthCheckResponse{Status: healthpb.HealthCheckResponse_SERVING}, nil
}

func (health) Watch(_ *healthpb.HealthCheckRequest, ss grpc.ServerStreamingServer[healthpb.HealthCheckResponse]) error {
	if c, ok := auth.FromContext(ss.Context()); !ok || c.Subject == "" {
		return status.Error(codes.Internal, "no claims in stream context")
	}
	return ss.Send(&healthpb.HealthCheckResponse{Status: healthpb.HealthCheckResponse_SERVING})
}

// serve starts a real gRPC server on loopback with the auth interceptors
// and returns a client connection to it.
func serve(t *testing.T, v *auth.Verifier, skip func(string) bool, opts ...grpc.DialOption) *grpc.ClientConn {
	t.Helper()
	return serveWith(t, []grpc.UnaryServerInterceptor{auth.UnaryServerInterceptor(v, skip)},
		[]grpc.StreamServerInterceptor{auth.StreamServerInterceptor(v, skip)}, opts...)
}

// serveWith starts a real gRPC server on loopback with the echo and
// health services behind the given interceptors, and returns a client
// connection to it (closed, with the server, at the test's end).
func serveWith(t *testing.T, unary []grpc.UnaryServerInterceptor, stream []grpc.StreamServerInterceptor, opts ...grpc.DialOption) *grpc.ClientConn {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer(grpc.ChainUnaryInterceptor(unary...), grpc.ChainStreamInterceptor(stream...))
	benchv1.RegisterEchoServiceServer(srv, echo{})
	healthpb.RegisterHealthServer(srv, health{})
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	conn, err := grpc.NewClient(lis.Addr().String(),
		append([]grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

func TestInterceptors_OverGRPC(t *testing.T) {
	t.Parallel()
	clk := newClock()
	key, other := mustKey(t), mustKey(t)
	v := auth.NewVerifier(map[string]ed25519.PublicKey{"k1": key.Public().(ed25519.PublicKey)}, clk.Now, time.Second)
	s := auth.NewSigner(key, "k1", clk.Now)
	mint := func(s *auth.Signer, c auth.Claims, ttl time.Duration) string {
		t.Helper()
		tok, err := s.Sign(c, ttl)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	valid := mint(s, coordinator(), time.Minute)
	expired := mint(auth.NewSigner(key, "k1", func() time.Time { return clk.Now().Add(-time.Hour) }), coordinator(), time.Minute)
	wrongKey := mint(auth.NewSigner(other, "k1", clk.Now), coordinator(), time.Minute)
	unknownKey := mint(auth.NewSigner(other, "k9", clk.Now), coordinator(), time.Minute)

	conn := serve(t, v, auth.OpenMethods)
	echoClient := benchv1.NewEchoServiceClient(conn)
	tests := []struct {
		name    string
		md      []string // outgoing metadata pairs
		code    codes.Code
		message string
	}{
		{"no token", nil, codes.Unauthenticated, "missing or invalid token"},
		{"not bearer", []string{"authorization", "Basic " + valid}, codes.Unauthenticated, "missing or invalid token"},
		{"empty bearer", []string{"authorization", "Bearer "}, codes.Unauthenticated, "missing or invalid token"},
		{"two tokens", []string{"authorization", "Bearer " + valid, "authorization", "Bearer " + valid}, codes.Unauthenticated, "missing or invalid token"},
		{"garbage", []string{"authorization", "Bearer garbage"}, codes.Unauthenticated, "missing or invalid token"},
		{"expired", []string{"authorization", "Bearer " + expired}, codes.Unauthenticated, "token expired"},
		{"wrong key", []string{"authorization", "Bearer " + wrongKey}, codes.Unauthenticated, "missing or invalid token"},
		{"unknown key id", []string{"authorization", "Bearer " + unknownKey}, codes.Unauthenticated, "missing or invalid token"},
		{"valid", []string{"authorization", "Bearer " + valid}, codes.OK, ""},
		{"valid, lower-case scheme", []string{"authorization", "bearer " + valid}, codes.OK, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := metadata.AppendToOutgoingContext(t.Context(), tt.md...)
			resp, err := echoClient.Echo(ctx, &benchv1.EchoRequest{})
			st := status.Convert(err)
			if st.Code() != tt.code || st.Message() != tt.message {
				t.Fatalf("Echo status %v %q, want %v %q", st.Code(), st.Message(), tt.code, tt.message)
			}
			if tt.code == codes.OK {
				if got, want := string(resp.GetPayload()), coordinator().Subject+"/coordinator"; got != want {
					t.Fatalf("handler saw %q, want %q", got, want)
				}
			}
		})
	}

	t.Run("health open without token", func(t *testing.T) {
		resp, err := healthpb.NewHealthClient(conn).Check(t.Context(), &healthpb.HealthCheckRequest{})
		if err != nil || resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
			t.Fatalf("Check=%v err=%v, want SERVING", resp, err)
		}
	})

	t.Run("token expires while the client holds it", func(t *testing.T) {
		short := mint(s, auth.Claims{Subject: "u", Role: auth.RoleAdmin}, 10*time.Second)
		ctx := auth.OutgoingContext(t.Context(), short)
		if _, err := echoClient.Echo(ctx, &benchv1.EchoRequest{}); err != nil {
			t.Fatalf("fresh token refused: %v", err)
		}
		clk.Add(11 * time.Second)
		defer clk.Add(-11 * time.Second)
		_, err := echoClient.Echo(ctx, &benchv1.EchoRequest{})
		if st := status.Convert(err); st.Code() != codes.Unauthenticated || st.Message() != "token expired" {
			t.Fatalf("Echo after expiry: %v, want Unauthenticated token expired", err)
		}
	})
}

func TestStreamInterceptor_OverGRPC(t *testing.T) {
	t.Parallel()
	key := mustKey(t)
	v := auth.NewVerifier(map[string]ed25519.PublicKey{"k1": key.Public().(ed25519.PublicKey)}, nil, 0)
	// skip nil: even health needs a token here, so Watch exercises the
	// stream interceptor.
	conn := serve(t, v, nil)
	hc := healthpb.NewHealthClient(conn)

	recv := func(ctx context.Context) error {
		stream, err := hc.Watch(ctx, &healthpb.HealthCheckRequest{})
		if err != nil {
			return err
		}
		_, err = stream.Recv()
		return err
	}
	if err := recv(t.Context()); status.Code(err) != codes.Unauthenticated {
		t.Fatalf("Watch without token: %v, want Unauthenticated", err)
	}
	if _, err := hc.Check(t.Context(), &healthpb.HealthCheckRequest{}); status.Code(err) != codes.Unauthenticated {
		t.Fatalf("Check without token and no open methods: %v, want Unauthenticated", err)
	}
	tok, err := auth.NewSigner(key, "k1", nil).Sign(auth.Claims{Subject: "op", Role: auth.RoleOperator}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if err := recv(auth.OutgoingContext(t.Context(), tok)); err != nil {
		t.Fatalf("Watch with token: %v", err)
	}
}

func TestPerRPCCredentials_OverGRPC(t *testing.T) {
	t.Parallel()
	key := mustKey(t)
	v := auth.NewVerifier(map[string]ed25519.PublicKey{"k1": key.Public().(ed25519.PublicKey)}, nil, 0)
	s := auth.NewSigner(key, "k1", nil)
	svc := auth.Claims{Subject: "dinners", Role: auth.RoleService}
	conn := serve(t, v, auth.OpenMethods, grpc.WithPerRPCCredentials(auth.PerRPCCredentials(auth.SignerSource(s, svc, time.Minute))))
	client := benchv1.NewEchoServiceClient(conn)

	resp, err := client.Echo(t.Context(), &benchv1.EchoRequest{})
	if err != nil {
		t.Fatalf("Echo with service credentials: %v", err)
	}
	if got, want := string(resp.GetPayload()), "dinners/service"; got != want {
		t.Fatalf("handler saw %q, want %q", got, want)
	}

	// A forwarded caller token wins over the connection's own.
	user, err := s.Sign(coordinator(), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	resp, err = client.Echo(auth.OutgoingContext(t.Context(), user), &benchv1.EchoRequest{})
	if err != nil {
		t.Fatalf("Echo with forwarded token: %v", err)
	}
	if got, want := string(resp.GetPayload()), coordinator().Subject+"/coordinator"; got != want {
		t.Fatalf("handler saw %q, want %q (the forwarded caller)", got, want)
	}

	// A source that fails stops the call on the client.
	bad := serve(t, v, auth.OpenMethods, grpc.WithPerRPCCredentials(auth.PerRPCCredentials(failing{})))
	if _, err := benchv1.NewEchoServiceClient(bad).Echo(t.Context(), &benchv1.EchoRequest{}); status.Code(err) != codes.Unauthenticated {
		t.Fatalf("Echo with failing source: %v, want Unauthenticated", err)
	}
}

type failing struct{}

func (failing) Token(context.Context) (string, error) { return "", errors.New("no key") }

func TestOutgoingContext_ReplacesToken(t *testing.T) {
	t.Parallel()
	ctx := metadata.AppendToOutgoingContext(t.Context(), "authorization", "Bearer old", "x-other", "kept")
	ctx = auth.OutgoingContext(ctx, "new")
	md, _ := metadata.FromOutgoingContext(ctx)
	if got := md.Get("authorization"); len(got) != 1 || got[0] != "Bearer new" {
		t.Fatalf("authorization=%q, want [Bearer new]", got)
	}
	if got := md.Get("x-other"); len(got) != 1 || got[0] != "kept" {
		t.Fatalf("x-other=%q, want [kept]", got)
	}
}

func TestOpenMethods(t *testing.T) {
	t.Parallel()
	for m, want := range map[string]bool{
		"/grpc.health.v1.Health/Check":                                   true,
		"/grpc.health.v1.Health/Watch":                                   true,
		"/grpc.reflection.v1.ServerReflection/ServerReflectionInfo":      true,
		"/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo": true,
		"/motesplats.bench.v1.EchoService/Echo":                          false,
		"/motesplats.participants.v1.ParticipantService/GetParticipant":  false,
		"/grpc.health.v1.HealthX/Check":                                  false,
	} {
		if got := auth.OpenMethods(m); got != want {
			t.Errorf("OpenMethods(%q)=%v, want %v", m, got, want)
		}
	}
}
