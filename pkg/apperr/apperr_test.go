package apperr

import (
	"errors"
	"fmt"
	"testing"
)

func TestErrorCode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   error
		want Code
	}{
		{"nil", nil, ""},
		{"plain", errors.New("boom"), Internal},
		{"direct", Errorf(NotFound, "participant not found"), NotFound},
		{"wrapped", fmt.Errorf("load: %w", Errorf(Conflict, "changed")), Conflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ErrorCode(tt.in); got != tt.want {
				t.Fatalf("ErrorCode=%q, want %q", got, tt.want)
			}
		})
	}
}

func TestErrorMessage_HidesInternalDetail(t *testing.T) {
	t.Parallel()
	if got, want := ErrorMessage(errors.New("dial tcp 10.0.0.1: refused")), "internal error"; got != want {
		t.Fatalf("message=%q, want %q", got, want)
	}
	if got, want := ErrorMessage(Errorf(NotFound, "no such participant")), "no such participant"; got != want {
		t.Fatalf("message=%q, want %q", got, want)
	}
}

func TestValidator(t *testing.T) {
	t.Parallel()
	var v Validator
	if err := v.Err(); err != nil {
		t.Fatalf("empty validator Err=%v, want nil", err)
	}
	v.Check(true, "ok", "never")
	v.Check(false, "name", "required")
	v.Add("household.size", "must be between 1 and 20")
	err := v.Err()
	if got, want := ErrorCode(err), Invalid; got != want {
		t.Fatalf("code=%q, want %q", got, want)
	}
	vs := Violations(fmt.Errorf("wrap: %w", err))
	if len(vs) != 2 || vs[0].Field != "name" || vs[1].Field != "household.size" {
		t.Fatalf("violations=%+v", vs)
	}
}
