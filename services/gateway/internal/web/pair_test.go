package web

import (
	"net/url"
	"strings"
	"testing"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/services/gateway/internal/core"
)

// TestStepByAnswerLink: a history step answered through the answer link
// names the party and the link, in Swedish and English, not "okänd
// användare"; a user, an unknown user and the system read as before.
func TestStepByAnswerLink(t *testing.T) {
	t.Parallel()
	w, err := New(&core.Gateway{}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		lang string
		step core.PairStep
		want string
	}{
		{"sv", core.PairStep{Step: "accepted_newcomer", ByUser: true, ByLink: "newcomer"}, "den nyanlända via svarslänken"},
		{"sv", core.PairStep{Step: "accepted_mentor", ByUser: true, ByLink: "mentor"}, "mentorn via svarslänken"},
		{"en", core.PairStep{Step: "accepted_mentor", ByUser: true, ByLink: "mentor"}, "the mentor via the answer link"},
		{"sv", core.PairStep{Step: "offered", ByUser: true, UserName: "Sara Lind"}, "Sara Lind"},
		{"sv", core.PairStep{Step: "offered", ByUser: true}, "okänd användare"},
		// A user erased since the step (ADR 0201).
		{"sv", core.PairStep{Step: "offered", ByUser: true, UserErased: true}, "raderad användare"},
		{"en", core.PairStep{Step: "offered", ByUser: true, UserErased: true}, "erased user"},
	}
	for _, tt := range tests {
		var b strings.Builder
		if err := tplOf(t, w, tt.lang, "pair").ExecuteTemplate(&b, "stepby", tt.step); err != nil {
			t.Fatal(err)
		}
		if got := strings.TrimSpace(b.String()); got != tt.want {
			t.Errorf("%s %+v: %q, want %q", tt.lang, tt.step, got, tt.want)
		}
	}
}

// TestPairFormUnknownValue: a pair form posting a value its select does
// not offer (a stale or hand-made form) was told "måste fyllas i" as if
// nothing had been chosen (outside round s26, ADR 0137); it is "is not a
// known value", and an empty or unspecified choice is still "is required".
func TestPairFormUnknownValue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		action, field, value, want string
	}{
		{"check_in", "rating", "CHECK_IN_RATING_ZZZ", "is not a known value"},
		{"check_in", "rating", "", "is required"},
		{"check_in", "rating", "CHECK_IN_RATING_UNSPECIFIED", "is required"},
		{"end", "reason", "END_REASON_BORED", "is not a known value"},
		{"reject", "reason", "poor_fit", "is not a known value"},
	}
	for _, tt := range tests {
		_, err := pairActionOf(tt.action, url.Values{tt.field: {tt.value}, "date": {"2026-12-01"}})
		var got []string
		for _, fv := range apperr.Violations(err) {
			if fv.Field == tt.field {
				got = append(got, fv.Description)
			}
		}
		if len(got) != 1 || got[0] != tt.want {
			t.Errorf("%s %s=%q: %v, want [%s]", tt.action, tt.field, tt.value, got, tt.want)
		}
	}
}
