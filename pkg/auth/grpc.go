package auth

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// mdKey is the metadata key of the token; gRPC lower-cases keys.
const mdKey = "authorization"

// The only messages a refused caller gets. The precise reason goes to the
// span (auth.rejected event), for operators, not to the caller.
const (
	msgInvalid = "missing or invalid token"
	msgExpired = "token expired"
)

// OpenMethods is the skip function for methods that stay open without a
// token: gRPC health checks (probes and load balancers carry no token)
// and server reflection (grpcurl list). Neither reveals records.
func OpenMethods(fullMethod string) bool {
	return strings.HasPrefix(fullMethod, "/grpc.health.v1.Health/") ||
		strings.HasPrefix(fullMethod, "/grpc.reflection.")
}

// BearerToken returns the token of the incoming "authorization: Bearer"
// metadata in ctx, for a handler that forwards it (see OutgoingContext).
// ok is false when there is none, or more than one.
func BearerToken(ctx context.Context) (string, bool) {
	// ValueFromIncomingContext reads the one key without copying all the
	// call's metadata, which FromIncomingContext would do on every call.
	vals := metadata.ValueFromIncomingContext(ctx, mdKey)
	if len(vals) != 1 {
		return "", false
	}
	scheme, tok, _ := strings.Cut(vals[0], " ")
	tok = strings.TrimSpace(tok)
	if !strings.EqualFold(scheme, "bearer") || tok == "" {
		return "", false
	}
	return tok, true
}

// authenticate verifies ctx's token and returns ctx carrying its claims,
// or a status error with code Unauthenticated.
func authenticate(ctx context.Context, v *Verifier) (context.Context, error) {
	tok, ok := BearerToken(ctx)
	if !ok {
		return nil, reject(ctx, "missing", msgInvalid)
	}
	c, err := v.Verify(tok)
	switch {
	case errors.Is(err, ErrExpired):
		return nil, reject(ctx, "expired", msgExpired)
	case errors.Is(err, ErrUnknownKey):
		return nil, reject(ctx, "unknown key", msgInvalid)
	case errors.Is(err, ErrBadSignature):
		return nil, reject(ctx, "bad signature", msgInvalid)
	case errors.Is(err, ErrNotYetValid):
		return nil, reject(ctx, "not yet valid", msgInvalid)
	case errors.Is(err, ErrNotGranted):
		// The words of any bad token: a signer learns nothing of which
		// claims another key may sign.
		return nil, reject(ctx, "not granted", msgInvalid)
	case err != nil:
		return nil, reject(ctx, "malformed", msgInvalid)
	}
	return NewContext(ctx, c), nil
}

func reject(ctx context.Context, reason, msg string) error {
	trace.SpanFromContext(ctx).AddEvent("auth.rejected",
		trace.WithAttributes(attribute.String("auth.reason", reason)))
	return status.Error(codes.Unauthenticated, msg)
}

// UnaryServerInterceptor refuses unary calls without a valid token with
// Unauthenticated, and puts the verified claims in the handler's context
// (FromContext). Methods for which skip returns true (use OpenMethods) run
// without a token; skip nil means none.
func UnaryServerInterceptor(v *Verifier, skip func(fullMethod string) bool) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		if skip != nil && skip(info.FullMethod) {
			return handler(ctx, req)
		}
		ctx, err := authenticate(ctx, v)
		if err != nil {
			return nil, err
		}
		return handler(ctx, req)
	}
}

// StreamServerInterceptor is UnaryServerInterceptor for streams: the token
// is checked once, when the stream opens.
func StreamServerInterceptor(v *Verifier, skip func(fullMethod string) bool) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		if skip != nil && skip(info.FullMethod) {
			return handler(srv, ss)
		}
		ctx, err := authenticate(ss.Context(), v)
		if err != nil {
			return err
		}
		return handler(srv, &authedStream{ServerStream: ss, ctx: ctx})
	}
}

// authedStream is a ServerStream whose Context carries the claims.
type authedStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s *authedStream) Context() context.Context { return s.ctx }

// OutgoingContext returns ctx that sends token on outgoing calls, replacing
// any token already set in ctx. A service forwards its caller's token this
// way (BearerToken) so the next service filters by the original caller's
// scope, not the service's.
func OutgoingContext(ctx context.Context, token string) context.Context {
	md, _ := metadata.FromOutgoingContext(ctx) // a copy
	if md == nil {
		md = metadata.MD{}
	}
	md.Set(mdKey, "Bearer "+token)
	return metadata.NewOutgoingContext(ctx, md)
}

// TokenSource supplies the token for an outgoing call.
type TokenSource interface {
	// Token returns a currently valid token.
	Token(ctx context.Context) (string, error)
}

type staticToken string

func (t staticToken) Token(context.Context) (string, error) { return string(t), nil }

// StaticToken returns a TokenSource that always returns tok, for tools and
// tests; it does not renew, so tok expires as minted.
func StaticToken(tok string) TokenSource { return staticToken(tok) }

// signerSource caches one token and re-signs it once 80% of its life has
// passed, so a call never leaves with a token about to expire, while
// signing (tens of microseconds) happens once per token, not once per call.
type signerSource struct {
	s   *Signer
	c   Claims
	ttl time.Duration

	mu      sync.Mutex // guards tok and renewAt
	tok     string
	renewAt time.Time
}

// SignerSource returns a TokenSource that signs c with s for ttl, caches
// the token and renews it after 80% of ttl, by the signer's clock.
func SignerSource(s *Signer, c Claims, ttl time.Duration) TokenSource {
	return &signerSource{s: s, c: c, ttl: ttl}
}

func (t *signerSource) Token(context.Context) (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.s.now()
	if t.tok != "" && now.Before(t.renewAt) {
		return t.tok, nil
	}
	tok, err := t.s.Sign(t.c, t.ttl)
	if err != nil {
		return "", err
	}
	t.tok, t.renewAt = tok, now.Add(t.ttl*8/10)
	return tok, nil
}

// perRPC attaches a TokenSource's token to every call of a connection.
type perRPC struct{ ts TokenSource }

// PerRPCCredentials returns credentials for grpc.WithPerRPCCredentials
// that send ts's token as "authorization: Bearer <token>". A call whose
// context already carries a token (OutgoingContext) keeps that one: the
// forwarded caller's identity wins over the service's own.
func PerRPCCredentials(ts TokenSource) credentials.PerRPCCredentials {
	return perRPC{ts: ts}
}

// GetRequestMetadata implements credentials.PerRPCCredentials.
func (p perRPC) GetRequestMetadata(ctx context.Context, _ ...string) (map[string]string, error) {
	if md, ok := metadata.FromOutgoingContext(ctx); ok && len(md.Get(mdKey)) > 0 {
		return nil, nil
	}
	tok, err := p.ts.Token(ctx)
	if err != nil {
		return nil, err
	}
	return map[string]string{mdKey: "Bearer " + tok}, nil
}

// RequireTransportSecurity implements credentials.PerRPCCredentials. It is
// false because services talk over loopback (the embedded stack) or inside
// a mesh or cluster network whose sidecars or network policy protect the
// hop; requiring TLS here would refuse those plaintext connections. The
// token's short life bounds the harm of one seen on the wire.
func (perRPC) RequireTransportSecurity() bool { return false }
