package guides

import (
	"testing"

	"github.com/motesplats/motesplats/pkg/match"
	"github.com/motesplats/motesplats/services/guides/internal/assign"
	"github.com/motesplats/motesplats/services/guides/internal/eligibility"
)

// TestUnassignedReason: the first rule that fails, in order: no unit in
// the municipality (nor anywhere, when another is allowed), then none in
// the newcomer's languages or none but those proposed for them before
// (ADR 0248), then what the engine says (ADR 0184).
func TestUnassignedReason(t *testing.T) {
	t.Parallel()
	units := []assign.Unit{{Organisation: "o", Municipality: "0180", Language: "ar", Free: 1}}
	tests := []struct {
		name string
		in   assign.Input
		r    match.Reason
		muni string
		// excluded: the newcomer has pairs proposed before left out.
		excluded bool
		want     string
	}{
		{"no unit there", assign.Input{Units: units}, match.NoEligibleHost, "0380", false, reasonNoUnitHere},
		{"units there, not the language", assign.Input{Units: units}, match.NoEligibleHost, "0180", false, match.NoEligibleHost.String()},
		{"another municipality allowed", assign.Input{Units: units, Weights: eligibility.Weights{OtherMunicipal: true}}, match.NoEligibleHost, "0380", false, match.NoEligibleHost.String()},
		{"no unit anywhere, another allowed", assign.Input{Weights: eligibility.Weights{OtherMunicipal: true}}, match.NoEligibleHost, "0380", false, reasonNoUnitHere},
		{"full units", assign.Input{Units: units}, match.HostsFull, "0180", false, match.HostsFull.String()},
		// ADR 0248: the units that fit were all proposed before.
		{"only units proposed before", assign.Input{Units: units}, match.NoEligibleHost, "0180", true, reasonProposedBefore},
		{"proposed before, no unit there now", assign.Input{Units: units}, match.NoEligibleHost, "0380", true, reasonNoUnitHere},
		{"proposed before, others full", assign.Input{Units: units}, match.HostsFull, "0180", true, match.HostsFull.String()},
	}
	for _, tt := range tests {
		if got := unassignedReason(tt.r, unitMunicipalities(tt.in), tt.muni, tt.excluded); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}
