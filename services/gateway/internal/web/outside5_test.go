package web

import (
	"strings"
	"testing"

	"github.com/motesplats/motesplats/pkg/apperr"
)

// Findings of the s24 outside round on ranked proposals and the polish
// round (ADR 0129) that a page's own checks show.

// TestLowestScoreRefusedInWords: the bulk approval's lowest score says
// what is wrong with what was typed, under its label: empty is "must be
// filled in", a number out of range gives the range (it said "måste vara
// ett heltal" to -1, and named the field "min_score").
func TestLowestScoreRefusedInWords(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ in, want string }{
		{"", "måste fyllas i"},
		{"  ", "måste fyllas i"},
		{"abc", "måste vara ett heltal"},
		{"1e3", "måste vara ett heltal"},
		{"-1", "måste vara mellan 0 och 1000000"},
		{"99999999999", "måste vara mellan 0 och 1000000"},
	} {
		p := &page{Lang: "sv", Errors: map[string]string{}}
		if _, err := minScoreOf(p, tt.in); err == nil {
			t.Errorf("%q accepted", tt.in)
			continue
		}
		if got := p.Errors["min_score"]; got != tt.want {
			t.Errorf("%q: %q, want %q", tt.in, got, tt.want)
		}
		if len(p.ErrorList) != 1 || p.ErrorList[0].Label != "Lägsta poäng" {
			t.Errorf("%q: summary %+v, want it under Lägsta poäng", tt.in, p.ErrorList)
		}
	}
	p := &page{Lang: "sv", Errors: map[string]string{}}
	if n, err := minScoreOf(p, " 125"); err != nil || n != 125 {
		t.Errorf(`" 125" = %d, %v`, n, err)
	}
}

// TestPageTokenIsNotTheMunicipality: a list's refused page token (an
// edited or stale address) is shown as the page's problem, not under the
// municipality filter (it read "Kommun: är inte från en tidigare sida").
func TestPageTokenIsNotTheMunicipality(t *testing.T) {
	t.Parallel()
	if got := listFilterField("page_token"); got != "page_token" {
		t.Errorf("listFilterField(page_token) = %q", got)
	}
	if got := listFilterField("municipality_code"); got != "municipality_code" {
		t.Errorf("listFilterField(municipality_code) = %q", got)
	}
}

// TestDinnerMunicipalityByName: an admin's dinners forms take the
// municipality by name, as the job and user forms do (ADR 0092); they
// took only a four-digit code, with no hint, on pages that otherwise name
// municipalities (ADR 0125). A name nobody has is refused in words.
func TestDinnerMunicipalityByName(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ in, want, refused string }{
		{"Uppsala", "0380", ""},
		{" uppsala ", "0380", ""},
		{"Malmö", "1280", ""},
		{"0180", "0180", ""},
		{"", "", ""},
		{"Atlantis", "Atlantis", "no municipality is called ”Atlantis”"},
	} {
		var v apperr.Validator
		got := dinnerMunicipality(&v, tt.in)
		if got != tt.want {
			t.Errorf("%q = %q, want %q", tt.in, got, tt.want)
		}
		refused := ""
		if err := v.Err(); err != nil {
			refused = err.Error()
		}
		if (tt.refused == "") != (refused == "") || !strings.Contains(refused, tt.refused) {
			t.Errorf("%q refused %q, want %q", tt.in, refused, tt.refused)
		}
	}
}
