package web

import (
	"slices"
	"strings"
	"testing"
)

// TestMunicipalityCodes: an administrator's line of municipalities is
// read by name (case, "kommun" and decomposed letters ignored) or by code,
// each once, in order; names no municipality has are returned as typed,
// hostile ones included, and never become a code.
func TestMunicipalityCodes(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in            string
		codes, reject []string
	}{
		{"Stockholm, Uppsala", []string{"0180", "0380"}, nil},
		{" malmö kommun ,GÖTEBORG", []string{"1280", "1480"}, nil},
		{"Malmo\u0308", []string{"1280"}, nil},
		{"Upplands  Väsby", []string{"0114"}, nil},
		{"0180, Stockholm, stockholm", []string{"0180"}, nil},
		{"9999", []string{"9999"}, nil}, // a code: the service says it is none
		{"Stockholmm, Uppsala", []string{"0380"}, []string{"Stockholmm"}},
		{"<script>alert(1)</script>", nil, []string{"<script>alert(1)</script>"}},
		{"a\u0000b, \u200fStockholm", nil, []string{"a\u0000b", "\u200fStockholm"}},
		{"kommun", nil, []string{"kommun"}},
		{", ,", nil, nil},
	} {
		codes, reject := municipalityCodes(tt.in)
		if !slices.Equal(codes, tt.codes) || !slices.Equal(reject, tt.reject) {
			t.Errorf("municipalityCodes(%q) = %q, %q; want %q, %q", tt.in, codes, reject, tt.codes, tt.reject)
		}
	}
}

// TestUnknownMunicipalitiesInSwedish: the refusal names what was typed,
// in Swedish on a Swedish page, cut short when long.
func TestUnknownMunicipalitiesInSwedish(t *testing.T) {
	t.Parallel()
	if unknownMunicipalities("m", nil) != nil {
		t.Fatal("refused nothing")
	}
	p := &page{Lang: "sv", Errors: map[string]string{}}
	if !formErrors(p, unknownMunicipalities("municipality_codes", []string{"Atlantis", strings.Repeat("x", 500)}), func(f string) string { return f }) {
		t.Fatal("not a form error")
	}
	got := p.Errors["municipality_codes"]
	if !strings.HasPrefix(got, `ingen kommun heter ”Atlantis”, ”xxx`) || strings.Contains(got, strings.Repeat("x", 41)) || strings.Contains(got, "municipality") {
		t.Errorf("refusal = %q", got)
	}
	p = &page{Lang: "sv", Errors: map[string]string{}}
	formErrors(p, unknownMunicipalities("m", []string{"\u200fStockholm", "a\u0000b"}), func(f string) string { return f })
	if got, want := p.Errors["m"], `ingen kommun heter ”\u200fStockholm”, ”a\x00b”`; !strings.HasPrefix(got, want) {
		t.Errorf("refusal = %q, want it to start %q", got, want)
	}
}
