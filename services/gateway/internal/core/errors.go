package core

import (
	"context"
	"errors"
	"log/slog"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/grpcx"
	"github.com/motesplats/motesplats/pkg/natserr"
	"github.com/motesplats/motesplats/services/gateway/internal/bounds"
)

// TooManyRequests is the code of a rate-limited sign-in. apperr has no
// such code because only the gateway limits callers.
const TooManyRequests apperr.Code = "resource_exhausted"

// fromGRPC is the one table from the services' gRPC codes back to domain
// codes; the gateway's transports map domain codes out again.
var fromGRPC = map[codes.Code]apperr.Code{
	codes.InvalidArgument:    apperr.Invalid,
	codes.NotFound:           apperr.NotFound,
	codes.AlreadyExists:      apperr.AlreadyExists,
	codes.Aborted:            apperr.Conflict,
	codes.FailedPrecondition: apperr.FailedPrecondition,
	codes.PermissionDenied:   apperr.PermissionDenied,
	codes.Unauthenticated:    apperr.Unavailable, // the gateway's own token was refused: our fault, not the user's
	codes.Unavailable:        apperr.Unavailable,
	codes.DeadlineExceeded:   apperr.Unavailable,
	codes.ResourceExhausted:  TooManyRequests,
}

// Public turns any error into what a caller may see: a code, a message
// safe to show, and the field violations to fix (at most
// bounds.MaxViolations of them; the message counts the rest). Errors that are neither
// domain errors nor service statuses become Internal "internal error",
// and their detail is logged, never returned.
func Public(ctx context.Context, log *slog.Logger, err error) *apperr.Error {
	var ae *apperr.Error
	if errors.As(err, &ae) {
		if ae.Code == apperr.Internal {
			log.ErrorContext(ctx, "request failed", "err", err)
			return apperr.Errorf(apperr.Internal, "internal error")
		}
		return bounds.Violations(ae)
	}
	if s, ok := status.FromError(err); ok && s.Code() != codes.Unknown {
		if c, ok := fromGRPC[s.Code()]; ok {
			if c == apperr.Unavailable {
				log.WarnContext(ctx, "service unavailable", "code", s.Code().String())
				return apperr.Errorf(apperr.Unavailable, "a service is not answering; try again in a moment")
			}
			return bounds.Violations(&apperr.Error{Code: c, Message: s.Message(), Violations: grpcx.FieldViolations(err)})
		}
	}
	// A service's Canceled is the caller going away (mp closing a job's
	// watch once it ended): as ordinary as the context's own, and no
	// failure to log at ERROR on every followed job.
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || status.Code(err) == codes.Canceled {
		return apperr.Errorf(apperr.Unavailable, "the request took too long; try again")
	}
	// What the gateway asks NATS itself (dead letters, sessions) while a
	// cluster elects its leaders: "try again", as from a service (ADR 0193).
	if natserr.Briefly(err) {
		log.WarnContext(ctx, "NATS unavailable", "err", err)
		return apperr.Errorf(apperr.Unavailable, "a service is not answering; try again in a moment")
	}
	log.ErrorContext(ctx, "request failed", "err", err)
	return apperr.Errorf(apperr.Internal, "internal error")
}
