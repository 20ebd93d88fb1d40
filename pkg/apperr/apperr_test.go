package apperr

import (
	"errors"
	"fmt"
	"slices"
	"strings"
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

// TestValidator_Nest: a part's violations, named within it, are added
// under its name in order (Under; field "" keeps them as they are), an
// element's under field[i], the element itself for ""; a valid element
// adds nothing; the cap still holds.
func TestValidator_Nest(t *testing.T) {
	t.Parallel()
	var v Validator
	v.Add("name", "required")
	var ok, bad, part, plain Validator
	v.Nest("languages", 0, &ok)
	bad.Add("code", "is not an ISO 639 language code")
	bad.Add("", "is listed twice")
	v.Nest("languages", 3, &bad)
	part.Add("email", "is not an e-mail address")
	part.Add("", "is required")
	v.Under("participant.contact", &part)
	plain.Add("gender", "is not a known value")
	v.Under("", &plain)
	var got []string
	for _, fv := range Violations(v.Err()) {
		got = append(got, fv.Field+": "+fv.Description)
	}
	want := []string{"name: required", "languages[3].code: is not an ISO 639 language code", "languages[3]: is listed twice",
		"participant.contact.email: is not an e-mail address", "participant.contact: is required", "gender: is not a known value"}
	if !slices.Equal(got, want) {
		t.Fatalf("violations %q, want %q", got, want)
	}
	var many, capped Validator
	for range MaxViolations + 2 {
		many.Add("level", "is required")
	}
	capped.Nest("l", 1, &many)
	if got, want := capped.Count(), MaxViolations+2; got != want {
		t.Fatalf("Count=%d after nesting %d, want %d", got, want, want)
	}
}

func TestValidator_CapsViolations(t *testing.T) {
	t.Parallel()
	var v Validator
	const n = 399_999
	for i := range n {
		v.Add(fmt.Sprintf("consents[%d].purpose", i), "is required")
	}
	if got := v.Count(); got != n {
		t.Fatalf("Count=%d, want %d", got, n)
	}
	var e *Error
	if !errors.As(v.Err(), &e) {
		t.Fatalf("Err=%v, want *Error", v.Err())
	}
	if got := len(e.Violations); got != MaxViolations {
		t.Fatalf("listed %d violations, want %d", got, MaxViolations)
	}
	if got, want := e.Omitted, n-MaxViolations; got != want {
		t.Fatalf("Omitted=%d, want %d", got, want)
	}
	if want := "399999 problems, the first 50 listed"; !strings.Contains(e.Message, want) {
		t.Fatalf("Message=%q, want it to contain %q", e.Message, want)
	}
	if e.Violations[0].Field != "consents[0].purpose" {
		t.Fatalf("first violation=%+v, want the first one added", e.Violations[0])
	}
}

func TestError_Capped(t *testing.T) {
	t.Parallel()
	e := &Error{Code: Invalid, Violations: make([]FieldViolation, MaxViolations+7), Omitted: 3}
	listed, omitted := e.Capped()
	if len(listed) != MaxViolations || omitted != 10 {
		t.Fatalf("Capped=%d,%d, want %d,10", len(listed), omitted, MaxViolations)
	}
	if !strings.Contains(e.Error(), "and 10 more") {
		t.Fatalf("Error()=%q, want the count of the rest", e.Error())
	}
}

// TestMergedOmittedCount: a list cut at another's cap and merged into a
// Validator keeps its count of what it left out (OmittedIn, Omit).
func TestMergedOmittedCount(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		msg  string
		want int
	}{
		{"invalid request: 61 problems, the first 50 listed", 11},
		{"participant: 70 problems, the first 50 listed", 20},
		{"invalid request", 0},
		{"61 problems, the first 50 listed, and more", 0},
	} {
		if got := OmittedIn(tt.msg); got != tt.want {
			t.Errorf("OmittedIn(%q) = %d, want %d", tt.msg, got, tt.want)
		}
	}
	var v Validator
	v.Add("a", "is bad")
	v.Omit(11)
	v.Omit(-3)
	if got := v.Err().Error(); got != "invalid: invalid request: 12 problems, the first 1 listed (a: is bad; and 11 more)" {
		t.Errorf("merged: %s", got)
	}
	if got := OmittedIn(ErrorMessage(v.Err())); got != 11 {
		t.Errorf("OmittedIn of its own message: %d, want 11", got)
	}
}
