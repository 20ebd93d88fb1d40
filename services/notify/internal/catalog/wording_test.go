package catalog

import (
	"os"
	"regexp"
	"testing"
)

// TestSwedishSaysEtableringslots: the Swedish messages call the guides
// programme by the domain's word, "etableringslots" (DOMAIN.md), as the
// web app does; the guide-assigned message said "etableringsguide".
func TestSwedishSaysEtableringslots(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("messages/sv.toml")
	if err != nil {
		t.Fatal(err)
	}
	// Values only: the keys (guide_assigned_subject) are code.
	for _, m := range regexp.MustCompile(`(?m)^[a-z_]+ = "(.*)"$`).FindAllStringSubmatch(string(b), -1) {
		if regexp.MustCompile(`(?i)guid`).MatchString(m[1]) {
			t.Errorf("%q says guide, the domain's word is lots", m[1])
		}
	}
}
