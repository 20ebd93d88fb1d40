package grpcx

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/apperr"
)

func TestToStatus(t *testing.T) {
	t.Parallel()
	passthrough := status.Error(codes.Unauthenticated, "missing token")
	tests := []struct {
		name     string
		in       error
		wantCode codes.Code
		wantMsg  string
	}{
		{"invalid", apperr.Errorf(apperr.Invalid, "bad name"), codes.InvalidArgument, "bad name"},
		{"not found", apperr.Errorf(apperr.NotFound, "no such participant"), codes.NotFound, "no such participant"},
		{"already exists", apperr.Errorf(apperr.AlreadyExists, "exists"), codes.AlreadyExists, "exists"},
		{"conflict", apperr.Errorf(apperr.Conflict, "changed"), codes.Aborted, "changed"},
		{"failed precondition", apperr.Errorf(apperr.FailedPrecondition, "erased"), codes.FailedPrecondition, "erased"},
		{"permission denied", apperr.Errorf(apperr.PermissionDenied, "no"), codes.PermissionDenied, "no"},
		{"unauthenticated", apperr.Errorf(apperr.Unauthenticated, "who"), codes.Unauthenticated, "who"},
		{"unavailable", apperr.Errorf(apperr.Unavailable, "nats down"), codes.Unavailable, "nats down"},
		{"wrapped app error", fmt.Errorf("get %s: %w", "p1", apperr.Errorf(apperr.NotFound, "gone")), codes.NotFound, "gone"},
		{"empty message", &apperr.Error{Code: apperr.NotFound}, codes.NotFound, "not_found"},
		{"apperr internal hides message", apperr.Errorf(apperr.Internal, "pq: secret"), codes.Internal, "internal error"},
		{"unknown app code", &apperr.Error{Code: "brand_new", Message: "secret"}, codes.Internal, "internal error"},
		{"plain", errors.New("dial tcp 10.0.0.1:5432: refused"), codes.Internal, "internal error"},
		{"status", passthrough, codes.Unauthenticated, "missing token"},
		{"wrapped status keeps its own message", fmt.Errorf("call volunteers for v7: %w", status.Error(codes.NotFound, "no volunteer")), codes.NotFound, "no volunteer"},
		{"canceled", fmt.Errorf("read: %w", context.Canceled), codes.Canceled, "context canceled"},
		{"deadline", fmt.Errorf("read: %w", context.DeadlineExceeded), codes.DeadlineExceeded, "context deadline exceeded"},
		// A NATS node killed: participants' create answered Internal while
		// the stream's leader was re-elected (ADR 0134).
		{"nats stream leaderless", fmt.Errorf("store: reserve request: %w", jetstream.ErrNoStreamResponse), codes.Unavailable, unavailableMessage},
		{"nats no responders", fmt.Errorf("get: %w", nats.ErrNoResponders), codes.Unavailable, unavailableMessage},
		{"nats timeout", fmt.Errorf("put: %w", nats.ErrTimeout), codes.Unavailable, unavailableMessage},
		{"jetstream 503", fmt.Errorf("info: %w", &jetstream.APIError{Code: 503, ErrorCode: 10008, Description: "JetStream system temporarily unavailable"}), codes.Unavailable, unavailableMessage},
		{"jetstream 404 stays internal", fmt.Errorf("info: %w", jetstream.ErrStreamNotFound), codes.Internal, "internal error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := status.Convert(ToStatus(tt.in))
			if got.Code() != tt.wantCode || got.Message() != tt.wantMsg {
				t.Errorf("ToStatus(%v) = %v %q, want %v %q", tt.in, got.Code(), got.Message(), tt.wantCode, tt.wantMsg)
			}
		})
	}
	if ToStatus(nil) != nil {
		t.Errorf("ToStatus(nil) != nil")
	}
	if got := ToStatus(passthrough); got != passthrough {
		t.Errorf("status error was rebuilt: %v", got)
	}
}

func TestFieldViolations_RoundTrip(t *testing.T) {
	t.Parallel()
	var v apperr.Validator
	v.Add("name", "must not be empty")
	v.Add("household.size", "must be between 1 and 20")
	err := ToStatus(fmt.Errorf("create: %w", v.Err()))
	if got, want := status.Code(err), codes.InvalidArgument; got != want {
		t.Fatalf("code = %v, want %v", got, want)
	}
	want := []apperr.FieldViolation{
		{Field: "name", Description: "must not be empty"},
		{Field: "household.size", Description: "must be between 1 and 20"},
	}
	if diff := cmp.Diff(want, FieldViolations(err)); diff != "" {
		t.Errorf("FieldViolations (-want +got):\n%s", diff)
	}
	// A status wrapped by a client keeps its details.
	if diff := cmp.Diff(want, FieldViolations(fmt.Errorf("call: %w", err))); diff != "" {
		t.Errorf("FieldViolations of wrapped (-want +got):\n%s", diff)
	}
	for _, e := range []error{nil, errors.New("plain"), status.Error(codes.NotFound, "x")} {
		if got := FieldViolations(e); got != nil {
			t.Errorf("FieldViolations(%v) = %v, want nil", e, got)
		}
	}
}

func TestToStatus_CapsViolations(t *testing.T) {
	t.Parallel()
	many := make([]apperr.FieldViolation, 100_000)
	for i := range many {
		many[i] = apperr.FieldViolation{Field: fmt.Sprintf("update_mask.paths[%d]", i), Description: "is not a field"}
	}
	var v apperr.Validator
	for _, fv := range many {
		v.Add(fv.Field, fv.Description)
	}
	for name, in := range map[string]error{
		"from a validator": v.Err(),
		"built by hand":    &apperr.Error{Code: apperr.Invalid, Message: "invalid request", Violations: many},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			err := ToStatus(in)
			if got, want := status.Code(err), codes.InvalidArgument; got != want {
				t.Fatalf("code=%v, want %v", got, want)
			}
			if got := len(FieldViolations(err)); got != apperr.MaxViolations {
				t.Fatalf("%d violations sent, want %d", got, apperr.MaxViolations)
			}
			if msg := status.Convert(err).Message(); !strings.Contains(msg, "100000 problems") {
				t.Fatalf("message=%q, want the total count", msg)
			}
			if size := proto.Size(status.Convert(err).Proto()); size > 16<<10 {
				t.Fatalf("status is %d bytes, want at most 16 KiB", size)
			}
		})
	}
}
