package web

import (
	"strings"
	"testing"

	"github.com/motesplats/motesplats/pkg/apperr"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/people"
	"github.com/motesplats/motesplats/services/gateway/internal/bounds"
)

// TestListCapRefusalInSwedish: the gateway's own refusal of an overlong
// list (internal/bounds, not a copy of its text), which a newcomer form
// with 21 interests typed in one field meets, reads in Swedish with both
// numbers; it was shown in English ("lists 21 entries; at most 20 are
// allowed") on a Swedish page.
func TestListCapRefusalInSwedish(t *testing.T) {
	t.Parallel()
	interests := make([]string, 21)
	for i := range interests {
		interests[i] = "x"
	}
	fvs := apperr.Violations(bounds.Check(&participantsv1.Participant{Interests: interests}))
	if len(fvs) != 1 {
		t.Fatalf("violations %v, want one", fvs)
	}
	got := translateMessage("sv", fvs[0].Description)
	if got == fvs[0].Description || !strings.Contains(got, "21") || !strings.Contains(got, "20") {
		t.Errorf("refusal in Swedish = %q (service: %q)", got, fvs[0].Description)
	}
}

// TestMessagePreferenceRefusalsInSwedish: pkg/people's refusals of a
// person's message preferences (its own messages, not copies), which
// `mp participants notify -language xx` printed in English, read in
// Swedish.
func TestMessagePreferenceRefusalsInSwedish(t *testing.T) {
	t.Parallel()
	var v apperr.Validator
	people.Notifications(&v, "notifications", &typev1.NotificationPreferences{PreferredLanguage: "xx",
		OptOuts: make([]typev1.NotificationTopic, people.MaxOptOuts+1)})
	fvs := apperr.Violations(v.Err())
	if len(fvs) != 2 {
		t.Fatalf("violations %v, want two", fvs)
	}
	for _, fv := range fvs {
		if got := translateMessage("sv", fv.Description); got == fv.Description {
			t.Errorf("%s: refusal stays English: %q", fv.Field, got)
		}
	}
}
