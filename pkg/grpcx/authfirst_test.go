package grpcx

import (
	"context"
	"crypto/ed25519"
	"log/slog"
	"net"
	"testing"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/motesplats/motesplats/pkg/auth"
	benchv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/bench/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// authed is a NewServer behind the services' own auth interceptors, with
// no method open (health and its Watch stream need a token too), so the
// order of decoding and authentication shows over real gRPC.
type authed struct {
	cc          *grpc.ClientConn
	dec         *codec
	good, wrong string // a token the server accepts; one signed by a key it does not know
}

func startAuthed(tb testing.TB) *authed {
	tb.Helper()
	sign := func(v **auth.Verifier) string {
		key, err := auth.GenerateKey()
		if err != nil {
			tb.Fatal(err)
		}
		s := auth.NewSigner(key, "k-"+auth.KeyID(key.Public().(ed25519.PublicKey))[:8], nil)
		tok, err := s.Sign(auth.Claims{Subject: "authfirst", Role: auth.RoleAdmin}, time.Hour)
		if err != nil {
			tb.Fatal(err)
		}
		if v != nil {
			*v = auth.NewVerifier(map[string]ed25519.PublicKey{s.KeyID(): key.Public().(ed25519.PublicKey)}, nil, time.Second)
		}
		return tok
	}
	var v *auth.Verifier
	a := &authed{good: sign(&v), wrong: sign(nil)}
	srv, hs, dec := newServer(Options{
		Logger:             slog.New(slog.DiscardHandler),
		MeterProvider:      sdkmetric.NewMeterProvider(),
		UnaryInterceptors:  []grpc.UnaryServerInterceptor{auth.UnaryServerInterceptor(v, nil)},
		StreamInterceptors: []grpc.StreamServerInterceptor{auth.StreamServerInterceptor(v, nil)},
	})
	a.dec = dec
	benchv1.RegisterEchoServiceServer(srv, &echoer{entered: make(chan struct{}, 1), release: make(chan struct{}), never: make(chan struct{})})
	a.cc = serveOn(tb, srv, hs)
	return a
}

// undecodable are request bodies gRPC's own codec would refuse, with the
// violation the server names for each once the caller is authenticated.
var undecodable = map[string]struct {
	raw       []byte
	violation string
}{
	"not UTF-8": {protowire.AppendString(protowire.AppendTag(nil, 1, protowire.BytesType), "\xff\xfe"), "service: " + notUTF8Message},
	"cut short": {[]byte{0x0a, 0x05, 'a'}, ": " + undecodableMessage},
}

// call sends raw to the unary Check and, as a stream, to Watch, with tok,
// and returns both answers' errors. It may run on any goroutine.
func (a *authed) call(ctx context.Context, tok string, raw []byte) (unary, stream error) {
	ctx, cancel := context.WithCancel(withToken(ctx, tok))
	defer cancel()
	var out []byte
	unary = a.cc.Invoke(ctx, healthpb.Health_Check_FullMethodName, &raw, &out, grpc.ForceCodecV2(rawCodec{}))
	st, err := a.cc.NewStream(ctx, &grpc.StreamDesc{ServerStreams: true}, healthpb.Health_Watch_FullMethodName, grpc.ForceCodecV2(rawCodec{}))
	if err != nil {
		return unary, err
	}
	if err := st.SendMsg(&raw); err != nil {
		return unary, err
	}
	_ = st.CloseSend()
	var resp []byte
	return unary, st.RecvMsg(&resp)
}

// held is how many decoding failures the codec still remembers, by its
// counter and by its map; both must be 0 once no call is in progress.
func (a *authed) held() (pending int64, entries int) {
	a.dec.failed.Range(func(any, any) bool { entries++; return true })
	return a.dec.pending.Load(), entries
}

// TestServer_AuthBeforeUndecodable: bytes that do not decode, sent without
// a token, with garbage or with a token of an unknown key, are answered
// Unauthenticated with auth's own message and no detail, for unary calls
// and streams; with a good token, InvalidArgument naming the field. No
// refused call leaves its failure in the codec.
func TestServer_AuthBeforeUndecodable(t *testing.T) {
	t.Parallel()
	a := startAuthed(t)
	ctx := testutil.Context(t)
	refused := map[string]string{"no token": "", "garbage": "x.y.z", "unknown key": a.wrong}
	for name, body := range undecodable {
		for who, tok := range refused {
			u, s := a.call(ctx, tok, body.raw)
			for what, err := range map[string]error{"Check": u, "Watch": s} {
				st := status.Convert(err)
				if st.Code() != codes.Unauthenticated || st.Message() != "missing or invalid token" || len(st.Details()) != 0 {
					t.Errorf("%s, %s, %s: %v %q %v, want Unauthenticated, auth's message, no details", name, who, what, st.Code(), st.Message(), st.Details())
				}
			}
		}
		u, s := a.call(ctx, a.good, body.raw)
		for what, err := range map[string]error{"Check": u, "Watch": s} {
			if got := status.Code(err); got != codes.InvalidArgument {
				t.Fatalf("%s, good token, %s: %v, want InvalidArgument", name, what, err)
			}
			var got []string
			for _, v := range FieldViolations(err) {
				got = append(got, v.Field+": "+v.Description)
			}
			if len(got) != 1 || got[0] != body.violation {
				t.Errorf("%s, good token, %s: violations %q, want [%q]", name, what, got, body.violation)
			}
		}
	}
	if p, n := a.held(); p != 0 || n != 0 {
		t.Fatalf("codec holds %d failures (pending %d) after every call ended, want 0", n, p)
	}
	// A good request from the good caller is answered.
	if _, err := healthpb.NewHealthClient(a.cc).Check(withToken(ctx, a.good), &healthpb.HealthCheckRequest{}); err != nil {
		t.Fatalf("Check with a good token: %v", err)
	}
}

// TestServer_RefusedUndecodableLeaveNothing sends many refused
// undecodable calls at once: each decodes (and fails) before auth refuses
// it, and the outermost step must forget every one.
func TestServer_RefusedUndecodableLeaveNothing(t *testing.T) {
	t.Parallel()
	a := startAuthed(t)
	ctx := testutil.Context(t)
	const n = 200
	errs := make(chan error, 2*n)
	for i := range n {
		go func() {
			tok := []string{"", a.wrong}[i%2]
			u, s := a.call(ctx, tok, undecodable["not UTF-8"].raw)
			errs <- u
			errs <- s
		}()
	}
	for range 2 * n {
		if err := <-errs; status.Code(err) != codes.Unauthenticated {
			t.Errorf("refused undecodable call: %v, want Unauthenticated", err)
		}
	}
	if p, n := a.held(); p != 0 || n != 0 {
		t.Fatalf("codec holds %d failures (pending %d) after %d refused calls, want 0", n, p, 2*n)
	}
}

// TestServer_StreamReadBeforeAuth: a stream interceptor that reads the
// message itself, before the chain's last step, never gets the answer
// first: it sees an empty message, and the failure is answered after it
// (InvalidArgument) or dropped with its refusal; the codec keeps nothing.
func TestServer_StreamReadBeforeAuth(t *testing.T) {
	t.Parallel()
	seen := make(chan string, 2)
	peek := func(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		var req healthpb.HealthCheckRequest
		if err := ss.RecvMsg(&req); err != nil {
			return err
		}
		seen <- req.GetService()
		if md, _ := metadata.FromIncomingContext(ss.Context()); len(md.Get("authorization")) == 0 {
			return status.Error(codes.Unauthenticated, "missing token")
		}
		return handler(srv, ss)
	}
	srv, hs, dec := newServer(Options{Logger: slog.New(slog.DiscardHandler), MeterProvider: sdkmetric.NewMeterProvider(), StreamInterceptors: []grpc.StreamServerInterceptor{peek}})
	a := &authed{cc: serveOn(t, srv, hs), dec: dec}
	ctx := testutil.Context(t)
	u, s := a.call(ctx, "", undecodable["not UTF-8"].raw)
	if status.Code(s) != codes.Unauthenticated || status.Code(u) != codes.InvalidArgument {
		t.Errorf("no token: Watch %v, want Unauthenticated; Check (no unary auth) %v, want InvalidArgument", s, u)
	}
	_, s = a.call(ctx, "anything", undecodable["not UTF-8"].raw)
	if vs := FieldViolations(s); status.Code(s) != codes.InvalidArgument || len(vs) != 1 || vs[0].Field != "service" {
		t.Errorf("token: Watch %v, want InvalidArgument on service", s)
	}
	for range 2 {
		// Both calls have ended: what the interceptor read is in seen.
		select {
		case got := <-seen:
			if got != "" {
				t.Errorf("interceptor read service %q, want the empty stand-in", got)
			}
		default:
			t.Error("the interceptor's read failed; want an empty stand-in, answered after it")
		}
	}
	if p, n := a.held(); p != 0 || n != 0 {
		t.Fatalf("codec holds %d failures (pending %d), want 0", n, p)
	}
}

// serveOn serves srv on loopback until the test ends and returns a client.
func serveOn(tb testing.TB, srv *grpc.Server, hs *health.Server) *grpc.ClientConn {
	tb.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, srv, hs, lis, time.Second) }()
	tb.Cleanup(func() {
		cancel()
		<-done
	})
	cc, err := Dial(lis.Addr().String())
	if err != nil {
		tb.Fatalf("Dial: %v", err)
	}
	tb.Cleanup(func() { cc.Close() })
	return cc
}

// withToken returns ctx sending tok as the caller's bearer token; "" sends none.
func withToken(ctx context.Context, tok string) context.Context {
	if tok == "" {
		return ctx
	}
	return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+tok)
}

// BenchmarkInterceptorChain is one good call through the server's whole
// interceptor chain, chained as gRPC chains it, with the services' auth
// interceptor: what the decoding steps cost a call that decoded.
func BenchmarkInterceptorChain(b *testing.B) {
	key, _ := auth.GenerateKey()
	s := auth.NewSigner(key, "bench", nil)
	tok, err := s.Sign(auth.Claims{Subject: "bench", Role: auth.RoleAdmin}, time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	v := auth.NewVerifier(map[string]ed25519.PublicKey{"bench": key.Public().(ed25519.PublicKey)}, nil, time.Second)
	unary, stream := chains(Options{
		UnaryInterceptors:  []grpc.UnaryServerInterceptor{auth.UnaryServerInterceptor(v, nil)},
		StreamInterceptors: []grpc.StreamServerInterceptor{auth.StreamServerInterceptor(v, nil)},
	}, slog.New(slog.DiscardHandler), sdkmetric.NewMeterProvider(), &codec{})
	ctx := metadata.NewIncomingContext(context.Background(), metadata.Pairs("authorization", "Bearer "+tok))
	b.Run("unary", func(b *testing.B) {
		info := &grpc.UnaryServerInfo{FullMethod: benchv1.EchoService_Echo_FullMethodName}
		handler := func(context.Context, any) (any, error) { return &benchv1.EchoResponse{}, nil }
		req := &benchv1.EchoRequest{}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := chainUnary(unary, ctx, req, info, handler); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("stream", func(b *testing.B) {
		// The chain around a handler that reads its one message from a
		// real stream over loopback, as a server stream's handler does.
		a := startAuthed(b)
		ctx := withToken(context.Background(), a.good)
		desc := &grpc.StreamDesc{ServerStreams: true}
		b.ReportAllocs()
		for b.Loop() {
			ctx, cancel := context.WithCancel(ctx)
			st, err := a.cc.NewStream(ctx, desc, healthpb.Health_Watch_FullMethodName)
			if err != nil {
				b.Fatal(err)
			}
			if err := st.SendMsg(&healthpb.HealthCheckRequest{}); err != nil {
				b.Fatal(err)
			}
			var resp healthpb.HealthCheckResponse
			if err := st.RecvMsg(&resp); err != nil {
				b.Fatal(err)
			}
			cancel()
		}
	})
	_ = stream
}

// chainUnary runs interceptors around handler the way
// grpc.ChainUnaryInterceptor does, one handler closure per level.
func chainUnary(ints []grpc.UnaryServerInterceptor, ctx context.Context, req any, info *grpc.UnaryServerInfo, final grpc.UnaryHandler) (any, error) {
	var next func(i int) grpc.UnaryHandler
	next = func(i int) grpc.UnaryHandler {
		if i == len(ints)-1 {
			return final
		}
		return func(ctx context.Context, req any) (any, error) {
			return ints[i+1](ctx, req, info, next(i+1))
		}
	}
	return ints[0](ctx, req, info, next(0))
}
