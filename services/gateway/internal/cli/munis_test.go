package cli

import (
	"flag"
	"testing"
)

// TestMunicipalityByName: a municipality flag takes a name as the web's
// fields do ("Stockholm", "malmö kommun", "  Göteborg "), or a code; a
// name no municipality has is passed on as typed for the service to
// refuse (ADR 0154).
func TestMunicipalityByName(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ in, one, list string }{
		{"Stockholm", "0180", "0180"},
		{"malmö kommun", "1280", "1280"},
		{"  Göteborg ", "1480", "1480"},
		{"0880", "0880", "0880"},
		{"Atlantis", "Atlantis", "Atlantis"},
		{"Stockholm, uppsala,0880", "Stockholm, uppsala,0880", "0180,0380,0880"},
	} {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		one := municipalityFlag(fs, "municipality", "")
		list := municipalitiesFlag(fs, "municipalities", "")
		if err := fs.Parse([]string{"-municipality", tt.in, "-municipalities", tt.in}); err != nil {
			t.Fatal(err)
		}
		if *one != tt.one || *list != tt.list {
			t.Errorf("%q: -municipality %q, -municipalities %q; want %q, %q", tt.in, *one, *list, tt.one, tt.list)
		}
	}
}
