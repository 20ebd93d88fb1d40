package core

import (
	"fmt"
	"testing"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/grpcx"
)

// TestEveryViolation: the gateway's refusal of a consent and the
// service's violations of the same request make one answer, the
// service's first, a field named by both once, capped at
// apperr.MaxViolations with the count of the rest kept (ADR 0132); a
// service that finds nothing, or refuses for another reason, leaves the
// gateway's answer as it was.
func TestEveryViolation(t *testing.T) {
	t.Parallel()
	ours := apperr.FieldError("participant.consents[0].text_version", "is not a published version")
	service := func(fields ...string) func() error {
		return func() error {
			var v apperr.Validator
			for _, f := range fields {
				v.Add(f, "is bad")
			}
			return grpcx.ToStatus(v.Err())
		}
	}
	fieldsOf := func(err error) []string {
		var out []string
		for _, v := range apperr.Violations(err) {
			out = append(out, v.Field)
		}
		return out
	}
	got := everyViolation(ours, service("participant.given_name", "participant.consents[0].text_version", "participant.consents[0].language"))
	if want := []string{"participant.given_name", "participant.consents[0].text_version", "participant.consents[0].language"}; fmt.Sprint(fieldsOf(got)) != fmt.Sprint(want) {
		t.Errorf("merged: %v, want %v", fieldsOf(got), want)
	}
	got = everyViolation(ours, service("participant.given_name"))
	if want := []string{"participant.given_name", "participant.consents[0].text_version"}; fmt.Sprint(fieldsOf(got)) != fmt.Sprint(want) {
		t.Errorf("merged: %v, want %v", fieldsOf(got), want)
	}
	for name, other := range map[string]func() error{
		"nothing":   service(),
		"no access": func() error { return grpcx.ToStatus(apperr.Errorf(apperr.PermissionDenied, "not yours")) },
	} {
		if got := everyViolation(ours, other); got != ours {
			t.Errorf("service answers %s: %v, want the gateway's answer", name, got)
		}
	}
	var many []string
	for i := range 60 {
		many = append(many, fmt.Sprintf("participant.interests[%d]", i))
	}
	got = everyViolation(ours, service(many...))
	if n := len(apperr.Violations(got)); n != apperr.MaxViolations || apperr.ErrorMessage(got) != "invalid request: 61 problems, the first 50 listed" {
		t.Errorf("past the cap: %d listed, %q", n, apperr.ErrorMessage(got))
	}
}
