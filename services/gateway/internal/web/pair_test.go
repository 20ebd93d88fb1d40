package web

import (
	"strings"
	"testing"

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
	}
	for _, tt := range tests {
		var b strings.Builder
		if err := w.tpl[tt.lang]["pair"].ExecuteTemplate(&b, "stepby", tt.step); err != nil {
			t.Fatal(err)
		}
		if got := strings.TrimSpace(b.String()); got != tt.want {
			t.Errorf("%s %+v: %q, want %q", tt.lang, tt.step, got, tt.want)
		}
	}
}
