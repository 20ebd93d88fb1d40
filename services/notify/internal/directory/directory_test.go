package directory

import (
	"errors"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/motesplats/motesplats/pkg/apperr"
)

// TestFromStatus: what a programme's status means to an answer. Aborted
// is the programmes' "changed at the same time; answer again" (guides
// also says it when its store does not answer): the offer is still open,
// so the answer is tried again, not settled as a proposal that moved on
// (which showed "withdrawn" and used up the link: ADR 0198).
func TestFromStatus(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		in   error
		want apperr.Code
	}{
		{"ok", nil, ""},
		{"gone", status.Error(codes.NotFound, "no such assignment"), apperr.NotFound},
		{"moved on", status.Error(codes.FailedPrecondition, "only an approved assignment can be accepted"), apperr.FailedPrecondition},
		{"changed at the same time", status.Error(codes.Aborted, "the assignment changed; try again"), apperr.Unavailable},
		{"refused", status.Error(codes.InvalidArgument, "party"), apperr.Invalid},
		{"down", status.Error(codes.Unavailable, "connection refused"), apperr.Unavailable},
		{"not a status", errors.New("boom"), apperr.Unavailable},
	} {
		if got := apperr.ErrorCode(fromStatus(tc.in)); got != tc.want {
			t.Errorf("%s: fromStatus = %q, want %q", tc.name, got, tc.want)
		}
	}
}
