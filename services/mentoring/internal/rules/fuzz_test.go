package rules

import (
	"testing"

	"github.com/motesplats/motesplats/pkg/testutil/rulefiletest"
)

// FuzzParse: Parse never panics and refuses only with LoadErrors naming
// the file and a line of it (rulefiletest.Fuzz; ADR 0213).
func FuzzParse(f *testing.F) { rulefiletest.Fuzz(f, DefaultYAML, Parse) }
