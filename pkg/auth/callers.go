package auth

import (
	"context"
	"slices"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Callers says, per gRPC method (its full name, "/pkg.Service/Method"),
// which service subjects may call it with role service (ADR 0210). A key's
// Grants say which subject a token may name; Callers says what that
// subject may do, so a compromised notify reads people but cannot start a
// matching job or erase anyone. People's roles are not listed here: their
// scope is each method's own check (Claims.CanSee).
type Callers map[string][]string

// MsgServiceNotAllowed is the one message a service caller that a method
// does not list gets, with PermissionDenied. It names neither the method's
// callers nor the records; the gateway's catalog has it in Swedish.
const MsgServiceNotAllowed = "this service may not call this method"

// allows reports whether c may call fullMethod: people's roles always
// pass (their scope is the handler's), a service only when listed. A
// method missing from the table takes no service (fail closed; the
// services' tests fail for a method without an entry).
func (t Callers) allows(fullMethod string, c Claims) bool {
	if c.Role != RoleService {
		return true
	}
	return slices.Contains(t[fullMethod], c.Subject)
}

// check refuses a service caller fullMethod does not list. Without
// verified claims (an open method) there is nothing to check.
func (t Callers) check(ctx context.Context, fullMethod string) error {
	c, ok := FromContext(ctx)
	if !ok || t.allows(fullMethod, c) {
		return nil
	}
	trace.SpanFromContext(ctx).AddEvent("auth.rejected",
		trace.WithAttributes(attribute.String("auth.reason", "service not allowed")))
	return status.Error(codes.PermissionDenied, MsgServiceNotAllowed)
}

// UnaryCallersInterceptor refuses, with PermissionDenied, a service token
// whose subject the method's entry in t does not list. It runs after
// UnaryServerInterceptor, which put the verified claims in the context.
func UnaryCallersInterceptor(t Callers) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		if err := t.check(ctx, info.FullMethod); err != nil {
			return nil, err
		}
		return handler(ctx, req)
	}
}

// StreamCallersInterceptor is UnaryCallersInterceptor for streams, checked
// when the stream opens.
func StreamCallersInterceptor(t Callers) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		if err := t.check(ss.Context(), info.FullMethod); err != nil {
			return err
		}
		return handler(srv, ss)
	}
}

// ServerInterceptors are the platform's caller checks in their order: the
// token (UnaryServerInterceptor over v, OpenMethods open), then the
// service callers' table t. Every service's server takes these.
func ServerInterceptors(v *Verifier, t Callers) ([]grpc.UnaryServerInterceptor, []grpc.StreamServerInterceptor) {
	return []grpc.UnaryServerInterceptor{UnaryServerInterceptor(v, OpenMethods), UnaryCallersInterceptor(t)},
		[]grpc.StreamServerInterceptor{StreamServerInterceptor(v, OpenMethods), StreamCallersInterceptor(t)}
}
