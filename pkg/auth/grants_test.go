package auth_test

import (
	"crypto/ed25519"
	"errors"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"github.com/motesplats/motesplats/pkg/auth"
	benchv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/bench/v1"
)

func TestParseGrants(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want string // String() of the result; "" for an error
	}{
		{"users", "users"},
		{"users+service/gateway", "users+service/gateway"},
		{"service/notify+service/notify-link+service/notify", "service/notify+service/notify-link"},
		{" service/notify ", "service/notify"},
		{"", ""},
		{"admin", ""},
		{"service/", ""},
		{"service/a/b", ""},
		{"users+", ""},
	} {
		g, err := auth.ParseGrants(tc.in)
		switch {
		case tc.want == "" && err == nil:
			t.Errorf("ParseGrants(%q) = %v, want an error", tc.in, g)
		case tc.want != "" && (err != nil || g.String() != tc.want):
			t.Errorf("ParseGrants(%q) = %v, %v; want %s", tc.in, g, err, tc.want)
		}
	}
}

// TestBoundVerifier: a key signs only what its grants allow. Notify's key
// cannot sign a person (admin, coordinator, operator) or another service;
// the gateway's signs every person and its own service subject only; the
// operators' signs every person and no service at all (ADR 0217); an
// unbound key (the form before bindings) signs anything.
func TestBoundVerifier(t *testing.T) {
	t.Parallel()
	gw, nk, op, old := mustKey(t), mustKey(t), mustKey(t), mustKey(t)
	pub := func(k ed25519.PrivateKey) ed25519.PublicKey { return k.Public().(ed25519.PublicKey) }
	v := auth.NewBoundVerifier(map[string]auth.BoundKey{
		"gateway":  {Key: pub(gw), Grants: auth.GatewayGrants()},
		"notify":   {Key: pub(nk), Grants: auth.NotifyGrants()},
		"operator": {Key: pub(op), Grants: auth.OperatorGrants()},
		"old":      {Key: pub(old), Grants: auth.AnyClaims},
	}, nil, time.Second)
	admin := auth.Claims{Subject: "u-1", Role: auth.RoleAdmin}
	operator := auth.Claims{Subject: "u-2", Role: auth.RoleOperator}
	service := func(sub string) auth.Claims { return auth.Claims{Subject: sub, Role: auth.RoleService} }
	for _, tc := range []struct {
		kid  string
		key  ed25519.PrivateKey
		c    auth.Claims
		want bool
	}{
		{"gateway", gw, admin, true},
		{"gateway", gw, coordinator(), true},
		{"gateway", gw, operator, true},
		{"gateway", gw, service("gateway"), true},
		{"gateway", gw, service("notify"), false},
		{"gateway", gw, service("mentoring"), false},
		{"notify", nk, service("notify"), true},
		{"notify", nk, service(auth.AnswerLinkSubject), true},
		{"notify", nk, admin, false},
		{"notify", nk, coordinator(), false},
		{"notify", nk, operator, false},
		{"notify", nk, service("gateway"), false},
		{"notify", nk, service("mentoring"), false},
		{"operator", op, admin, true},
		{"operator", op, coordinator(), true},
		{"operator", op, operator, true},
		{"operator", op, service("gateway"), false},
		{"operator", op, service("notify"), false},
		{"operator", op, service(auth.AnswerLinkSubject), false},
		{"operator", op, service("mentoring"), false},
		{"old", old, admin, true},
		{"old", old, service("anything"), true},
	} {
		tok, err := auth.NewSigner(tc.key, tc.kid, nil).Sign(tc.c, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		// Twice: a refused token is not remembered as verified.
		for range 2 {
			_, err = v.Verify(tok)
			if got := err == nil; got != tc.want || (!tc.want && !errors.Is(err, auth.ErrNotGranted)) {
				t.Errorf("key %s signing %s %s: %v, want accepted %t", tc.kid, tc.c.Role, tc.c.Subject, err, tc.want)
			}
		}
	}
}

// serveCallers starts a real gRPC server on loopback with the platform's
// unary interceptors (auth.ServerInterceptors) and an echo whose one method
// takes the service callers table lists; streams are checked the same way
// but with no method open, so the health Watch stream carries a token.
func serveCallers(t *testing.T, v *auth.Verifier, table auth.Callers) *grpc.ClientConn {
	t.Helper()
	unary, _ := auth.ServerInterceptors(v, table)
	return serveWith(t, unary, []grpc.StreamServerInterceptor{auth.StreamServerInterceptor(v, nil), auth.StreamCallersInterceptor(table)})
}

// TestCallers_OverGRPC: over real gRPC, a method takes the service
// callers it lists and people of every role (their scope is the
// handler's); another service gets PermissionDenied, a method missing
// from the table takes no service (the health Watch stream here), and
// a token its key may not sign is Unauthenticated in the words of any bad
// token, before the table is looked at.
func TestCallers_OverGRPC(t *testing.T) {
	t.Parallel()
	gw, nk := mustKey(t), mustKey(t)
	v := auth.NewBoundVerifier(map[string]auth.BoundKey{
		"gateway": {Key: gw.Public().(ed25519.PublicKey), Grants: auth.GatewayGrants()},
		"notify":  {Key: nk.Public().(ed25519.PublicKey), Grants: auth.NotifyGrants()},
	}, nil, time.Second)
	conn := serveCallers(t, v, auth.Callers{"/motesplats.bench.v1.EchoService/Echo": {auth.NotifySubject}})
	as := func(key ed25519.PrivateKey, kid string, c auth.Claims) grpc.CallOption {
		tok, err := auth.NewSigner(key, kid, nil).Sign(c, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		return grpc.PerRPCCredentials(auth.PerRPCCredentials(auth.StaticToken(tok)))
	}
	for _, tc := range []struct {
		name string
		call grpc.CallOption
		code codes.Code
		msg  string
	}{
		{"notify, listed", as(nk, "notify", auth.Claims{Subject: "notify", Role: auth.RoleService}), codes.OK, ""},
		{"a coordinator", as(gw, "gateway", coordinator()), codes.OK, ""},
		{"the gateway's service, not listed", as(gw, "gateway", auth.Claims{Subject: "gateway", Role: auth.RoleService}),
			codes.PermissionDenied, auth.MsgServiceNotAllowed},
		{"notify-link, not listed", as(nk, "notify", auth.Claims{Subject: auth.AnswerLinkSubject, Role: auth.RoleService}),
			codes.PermissionDenied, auth.MsgServiceNotAllowed},
		{"notify's key as an admin", as(nk, "notify", auth.Claims{Subject: "x", Role: auth.RoleAdmin}),
			codes.Unauthenticated, "missing or invalid token"},
		{"notify's key as a coordinator", as(nk, "notify", coordinator()), codes.Unauthenticated, "missing or invalid token"},
		{"notify's key as mentoring", as(nk, "notify", auth.Claims{Subject: "mentoring", Role: auth.RoleService}),
			codes.Unauthenticated, "missing or invalid token"},
	} {
		_, err := benchv1.NewEchoServiceClient(conn).Echo(t.Context(), &benchv1.EchoRequest{}, tc.call)
		if st := status.Convert(err); st.Code() != tc.code || st.Message() != tc.msg {
			t.Errorf("%s: %v %q, want %v %q", tc.name, st.Code(), st.Message(), tc.code, tc.msg)
		}
	}
	// A stream the table does not name: no service, but a person.
	for _, tc := range []struct {
		name string
		call grpc.CallOption
		code codes.Code
	}{
		{"notify on a method not in the table", as(nk, "notify", auth.Claims{Subject: "notify", Role: auth.RoleService}), codes.PermissionDenied},
		{"an admin on it", as(gw, "gateway", auth.Claims{Subject: "u", Role: auth.RoleAdmin}), codes.OK},
	} {
		w, err := healthpb.NewHealthClient(conn).Watch(t.Context(), &healthpb.HealthCheckRequest{}, tc.call)
		if err == nil {
			_, err = w.Recv()
		}
		if got := status.Code(err); got != tc.code {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.code)
		}
	}
}
