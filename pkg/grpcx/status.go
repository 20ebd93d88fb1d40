package grpcx

import (
	"context"
	"errors"
	"fmt"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/natserr"
)

// internalMessage is all a caller learns about an unexpected failure; the
// detail goes to the log, with the trace id, and never over the wire.
const internalMessage = "internal error"

// codeOf is the one table from domain codes to gRPC codes. The gateway maps
// gRPC codes to HTTP in turn, so a domain code needs adding only here.
var codeOf = map[apperr.Code]codes.Code{
	apperr.Invalid:            codes.InvalidArgument,
	apperr.NotFound:           codes.NotFound,
	apperr.AlreadyExists:      codes.AlreadyExists,
	apperr.Conflict:           codes.Aborted, // gRPC's "retry the read-modify-write"
	apperr.FailedPrecondition: codes.FailedPrecondition,
	apperr.PermissionDenied:   codes.PermissionDenied,
	apperr.Unauthenticated:    codes.Unauthenticated,
	apperr.Unavailable:        codes.Unavailable,
}

// ToStatus maps an error returned by a handler to a gRPC status error:
//
//   - an *apperr.Error anywhere in the chain keeps its safe message and gets
//     the matching code; Invalid becomes InvalidArgument with an
//     errdetails.BadRequest listing its field violations, at most
//     apperr.MaxViolations of them (the message says how many in all), so
//     the status always fits in what a client accepts;
//   - a gRPC status error (for example from auth, or from a downstream call)
//     passes through with its own code and message, not the wrapping text;
//   - context.Canceled and context.DeadlineExceeded become Canceled and
//     DeadlineExceeded;
//   - NATS not answering for a moment (no responders, no response from
//     the stream, a timeout, JetStream's 503: a node lost and a leader
//     being elected) becomes Unavailable "try again": the caller may
//     retry, where Internal said it should not (ADR 0134);
//   - anything else, and apperr.Internal, becomes Internal "internal error".
//
// ToStatus(nil) is nil.
func ToStatus(err error) error {
	if err == nil {
		return nil
	}
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return fromAppErr(ae)
	}
	var se interface{ GRPCStatus() *status.Status }
	if errors.As(err, &se) {
		if s := se.GRPCStatus(); s != nil && s.Code() != codes.OK {
			if any(se) == any(err) {
				return err // already what the handler should return
			}
			return s.Err()
		}
	}
	switch {
	case errors.Is(err, context.Canceled):
		return status.Error(codes.Canceled, context.Canceled.Error())
	case errors.Is(err, context.DeadlineExceeded):
		return status.Error(codes.DeadlineExceeded, context.DeadlineExceeded.Error())
	case natserr.Briefly(err):
		return status.Error(codes.Unavailable, unavailableMessage)
	}
	return status.Error(codes.Internal, internalMessage)
}

// unavailableMessage is what a caller learns when NATS did not answer for
// a moment.
const unavailableMessage = "briefly unavailable, try again"

func fromAppErr(e *apperr.Error) error {
	c, ok := codeOf[e.Code]
	if !ok {
		// apperr.Internal and codes this table does not know: a new code
		// without a mapping must not leak its message.
		return status.Error(codes.Internal, internalMessage)
	}
	msg := e.Message
	if msg == "" {
		msg = string(e.Code)
	}
	s := status.New(c, msg)
	if c != codes.InvalidArgument || len(e.Violations) == 0 {
		return s.Err()
	}
	vs, omitted := e.Capped()
	if omitted > e.Omitted {
		// Built by hand past the cap: the message must still say how many.
		s = status.New(c, fmt.Sprintf("%s: %d problems, the first %d listed", msg, len(vs)+omitted, len(vs)))
	}
	br := &errdetails.BadRequest{FieldViolations: make([]*errdetails.BadRequest_FieldViolation, len(vs))}
	for i, v := range vs {
		br.FieldViolations[i] = &errdetails.BadRequest_FieldViolation{Field: v.Field, Description: v.Description}
	}
	withDetails, err := s.WithDetails(br)
	if err != nil {
		// Only fails if the detail cannot be marshalled; the code and
		// message still tell the caller the request was bad.
		return s.Err()
	}
	return withDetails.Err()
}

// FieldViolations returns the field violations carried by a status error's
// errdetails.BadRequest details, or nil. Clients, the gateway and tests use
// it to show a caller every field to fix.
func FieldViolations(err error) []apperr.FieldViolation {
	s, ok := status.FromError(err)
	if !ok || s == nil {
		return nil
	}
	var out []apperr.FieldViolation
	for _, d := range s.Details() {
		br, ok := d.(*errdetails.BadRequest)
		if !ok {
			continue
		}
		for _, v := range br.GetFieldViolations() {
			out = append(out, apperr.FieldViolation{Field: v.GetField(), Description: v.GetDescription()})
		}
	}
	return out
}
