package catalog

import (
	"strings"
	"testing"

	guidesv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
)

// TestEveryGuidesReasonWorded: each reason a guides job gives for a
// left-out newcomer has its words in Swedish and English, so the web and
// mp never fall back to the code; no unit in the municipality says where,
// not the language (ADR 0184: Uppsala, where no guide organisation works,
// read "lotsar på något av den nyanländas språk").
func TestEveryGuidesReasonWorded(t *testing.T) {
	t.Parallel()
	for name := range guidesv1.UnassignedReason_value {
		key := "guides.unassigned." + strings.ToLower(strings.TrimPrefix(name, "UNASSIGNED_REASON_"))
		for _, l := range []string{"sv", "en"} {
			if !Has(l, key) {
				t.Errorf("%s: no %s words (%s)", name, l, key)
			}
		}
	}
	for l, want := range map[string]string{"sv": "Ingen lotsorganisation lotsar i den nyanländas kommun.", "en": "No guide organisation guides in the newcomer's municipality."} {
		if got := Text(l, "guides.unassigned.no_unit_in_municipality"); got != want {
			t.Errorf("%s: got %q, want %q", l, got, want)
		}
	}
}
