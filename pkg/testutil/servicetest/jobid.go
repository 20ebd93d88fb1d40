package servicetest

import (
	"fmt"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/motesplats/motesplats/pkg/grpcx"
)

// JobIDCall is one of a programme's job RPCs called with a job id in
// Field: get and watch ("id"), the left-out list ("job_id"), or a list's
// job filter (Filter: an empty one lists every job, so only a malformed
// id is refused).
type JobIDCall struct {
	Name, Field string
	Filter      bool
	Call        func(id string) error
}

// CheckJobIDRefusals calls each RPC with an empty and a malformed job id
// and wants InvalidArgument with one field violation in the words every
// programme uses (jobs.CheckID, ADR 0180): "is required" for an empty id,
// "is not an id" for one that cannot be an id. The words are written out
// here, not taken from CheckID, so a programme using its own fails.
func CheckJobIDRefusals(tb testing.TB, calls []JobIDCall) {
	tb.Helper()
	for _, c := range calls {
		cases := []struct{ id, want string }{{"", "is required"}, {"no.id", "is not an id"}}
		if c.Filter {
			cases = cases[1:]
		}
		for _, tc := range cases {
			if got := jobIDViolation(c.Call(tc.id)); got != c.Field+": "+tc.want {
				tb.Errorf("%s(%q): got %s, want InvalidArgument %s: %s", c.Name, tc.id, got, c.Field, tc.want)
			}
		}
	}
}

// jobIDViolation is err's code unless it is InvalidArgument, else its one
// field violation as "field: description".
func jobIDViolation(err error) string {
	st := status.Convert(err)
	if st.Code() != codes.InvalidArgument {
		return fmt.Sprintf("%v (%v)", st.Code(), err)
	}
	var out []string
	for _, v := range grpcx.FieldViolations(err) {
		out = append(out, v.Field+": "+v.Description)
	}
	if len(out) != 1 {
		return fmt.Sprintf("violations %q", out)
	}
	return out[0]
}

// ViolatedFields are the fields of err's field violations, in order
// (grpcx.FieldViolations): what a test compares with the fields it sent
// wrong. nil for an error without any.
func ViolatedFields(err error) []string {
	var out []string
	for _, v := range grpcx.FieldViolations(err) {
		out = append(out, v.Field)
	}
	return out
}
