// Package apperr is the error vocabulary of the domain packages. A domain
// error has a code and a message that is safe to show a caller; anything
// else is internal and is logged, never sent. Transports map the codes once
// (gRPC in pkg/grpcx, HTTP in the gateway).
package apperr

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Code classifies an error for callers.
type Code string

// The codes a domain package may return. They mirror the gRPC codes the
// services need, so the mapping stays one table.
const (
	// Invalid: the request is malformed; see the field violations.
	Invalid Code = "invalid"
	// NotFound: no such record, or one the caller may not see.
	NotFound Code = "not_found"
	// AlreadyExists: a record with that identity exists.
	AlreadyExists Code = "already_exists"
	// Conflict: a concurrent change won (etag mismatch); retry with fresh data.
	Conflict Code = "conflict"
	// FailedPrecondition: the record is not in a state that allows this.
	FailedPrecondition Code = "failed_precondition"
	// PermissionDenied: the caller is known but may not do this.
	PermissionDenied Code = "permission_denied"
	// Unauthenticated: no valid identity.
	Unauthenticated Code = "unauthenticated"
	// Unavailable: a dependency is down; retrying later may work.
	Unavailable Code = "unavailable"
	// Internal: a bug or an unexpected failure; the detail is only logged.
	Internal Code = "internal"
)

// FieldViolation says what is wrong with one request field.
type FieldViolation struct {
	// Field is a dotted path, for example "participant.languages[2].code".
	Field string
	// Description says what to change, for a person to act on.
	Description string
}

// MaxViolations bounds the field violations one error lists. A request
// with a hundred thousand bad entries must not produce a hundred thousand
// violations: the status would be tens of megabytes, more than a client
// accepts, and gRPC would drop the whole connection with every other call
// on it. The first MaxViolations are listed, and the rest counted.
const MaxViolations = 50

// Error is an application error whose Message is safe to show callers.
type Error struct {
	Code       Code
	Message    string
	Violations []FieldViolation
	// Omitted counts violations found beyond those listed, so a caller
	// learns how many problems there are without receiving all of them.
	Omitted int
}

// Error implements error.
func (e *Error) Error() string {
	if len(e.Violations) == 0 {
		return fmt.Sprintf("%s: %s", e.Code, e.Message)
	}
	vs, omitted := e.Capped()
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = v.Field + ": " + v.Description
	}
	if omitted > 0 {
		parts = append(parts, fmt.Sprintf("and %d more", omitted))
	}
	return fmt.Sprintf("%s: %s (%s)", e.Code, e.Message, strings.Join(parts, "; "))
}

// Capped returns at most MaxViolations of e's violations and how many more
// there are (Omitted included), for transports that send them.
func (e *Error) Capped() (listed []FieldViolation, omitted int) {
	listed, omitted = e.Violations, e.Omitted
	if len(listed) > MaxViolations {
		omitted += len(listed) - MaxViolations
		listed = listed[:MaxViolations]
	}
	return listed, omitted
}

// Errorf returns an *Error with a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, or Internal
// for any other non-nil error.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// ErrorMessage returns the safe message of err, or "internal error".
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// Violations returns the field violations carried by err, if any.
func Violations(err error) []FieldViolation {
	var e *Error
	if errors.As(err, &e) {
		return e.Violations
	}
	return nil
}

// Validator collects field violations so that one response lists every
// problem at once, instead of making the caller fix them one by one. It
// keeps the first MaxViolations and counts the rest, so its memory stays
// bounded whatever the request.
type Validator struct {
	violations []FieldViolation
	omitted    int
}

// Check records a violation of field when ok is false.
func (v *Validator) Check(ok bool, field, description string) {
	if !ok {
		v.Add(field, description)
	}
}

// Add records a violation.
func (v *Validator) Add(field, description string) {
	if len(v.violations) >= MaxViolations {
		v.omitted++
		return
	}
	v.violations = append(v.violations, FieldViolation{Field: field, Description: description})
}

// Under adds the violations of sub, a check of the part field, under
// their full names: sub names fields relative to the part ("given_name",
// or "" for the part itself), and field "" adds them as they are. So a
// check builds a field's full name only when it has a violation: building
// every name up front was most of what checking a valid participant
// allocated.
func (v *Validator) Under(field string, sub *Validator) {
	for _, fv := range sub.violations {
		name := field
		switch {
		case field == "":
			name = fv.Field
		case fv.Field != "":
			name += "." + fv.Field
		}
		v.Add(name, fv.Description)
	}
	v.Omit(sub.omitted)
}

// Nest is Under for the list element field[i].
func (v *Validator) Nest(field string, i int, sub *Validator) {
	if len(sub.violations) == 0 && sub.omitted == 0 {
		return
	}
	v.Under(field+"["+strconv.Itoa(i)+"]", sub)
}

// Omit counts n violations found but not listed: another list's own
// omitted ones, when a caller merges it into v (OmittedIn).
func (v *Validator) Omit(n int) {
	if n > 0 {
		v.omitted += n
	}
}

// Valid reports whether no violation was recorded.
func (v *Validator) Valid() bool { return len(v.violations) == 0 }

// Count returns how many violations were recorded, listed or not.
func (v *Validator) Count() int { return len(v.violations) + v.omitted }

// Err returns an Invalid *Error with the violations, or nil when there are
// none. Beyond MaxViolations the message says how many there are in all.
func (v *Validator) Err() error {
	if len(v.violations) == 0 {
		return nil
	}
	msg := "invalid request"
	if v.omitted > 0 {
		msg = fmt.Sprintf("invalid request: %d problems, the first %d listed", v.Count(), len(v.violations))
	}
	return &Error{Code: Invalid, Message: msg, Violations: v.violations, Omitted: v.omitted}
}

// cutRe reads the end of a message Err (or a transport) wrote for a cut
// list: "... 61 problems, the first 50 listed".
var cutRe = regexp.MustCompile(`(\d+) problems, the first (\d+) listed$`)

// OmittedIn returns how many violations a message of a cut list says it
// left out, 0 for any other message: a status carries the violations it
// lists, and only its message the ones it left out.
func OmittedIn(message string) int {
	m := cutRe.FindStringSubmatch(message)
	if m == nil {
		return 0
	}
	total, _ := strconv.Atoi(m[1])
	listed, _ := strconv.Atoi(m[2])
	return max(0, total-listed)
}

// FieldError returns an Invalid error with one field violation, for checks
// that fail on a single field (an id that is not an id).
func FieldError(field, description string) error {
	var v Validator
	v.Add(field, description)
	return v.Err()
}
