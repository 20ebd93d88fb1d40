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
	a.cc, err = Dial(lis.Addr().String())
	if err != nil {
		tb.Fatalf("Dial: %v", err)
	}
	tb.Cleanup(func() { a.cc.Close() })
	return a
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

var (
	_ = codes.OK
	_ = status.Code
	_ = healthpb.Health_Watch_FullMethodName
	_ = protowire.BytesType
	_ = testutil.Context
)
