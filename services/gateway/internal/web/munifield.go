package web

import (
	"errors"
	"strconv"
	"strings"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/municipality"
)

// An administrator names a new user's municipalities, and the
// municipalities of a job they start, in a line of text: by name
// ("Stockholm, Uppsala"), as the registers' languages field takes names
// (ADR 0092), or by SCB code for those who know them. The services still
// get codes. 290 checkboxes or a multiple select of 290 options would be
// harder to use with a keyboard than typing two names.

// municipalityCodes resolves a comma-separated list of municipalities,
// each a name or an SCB code, into codes in the order given, each once.
// unknown lists, as typed, the entries that name no municipality. An
// entry of digits is taken as a code, for the service to check (and to
// say "not an SCB municipality code", which fits better than "no
// municipality is called 9999").
func municipalityCodes(line string) (codes, unknown []string) {
	seen := map[string]bool{}
	for _, e := range strings.Split(line, ",") {
		e = strings.TrimSpace(e)
		if e == "" {
			continue
		}
		code, ok := e, strings.Trim(e, "0123456789") == ""
		if !ok {
			var m municipality.Municipality
			m, ok = municipality.ByName(e)
			code = m.Code
		}
		switch {
		case !ok:
			unknown = append(unknown, e)
		case !seen[code]:
			seen[code] = true
			codes = append(codes, code)
		}
	}
	return codes, unknown
}

// unknownMunicipalities is the refusal of the entries no municipality is
// called, on field, in English for translateMessage ("ingen kommun heter
// …" on a Swedish page); nil when there are none.
func unknownMunicipalities(field string, unknown []string) error {
	if len(unknown) == 0 {
		return nil
	}
	quoted := make([]string, len(unknown))
	for i, u := range unknown {
		if len([]rune(u)) > 40 {
			u = string([]rune(u)[:40]) + "…"
		}
		// Go's quoting makes controls and direction marks visible
		// (\u200f); Swedish quotation marks need no escaping in HTML.
		q := strconv.Quote(u)
		quoted[i] = "”" + q[1:len(q)-1] + "”"
	}
	var v apperr.Validator
	v.Add(field, "no municipality is called "+strings.Join(quoted, ", "))
	return v.Err()
}

// dinnerMunicipality is the code of the one municipality an admin's
// dinners form names in its text field, by name ("Uppsala") or SCB code,
// as the job and user forms take them (the field took only codes, on
// pages that otherwise name municipalities; ADR 0129). A name no
// municipality has is a violation in v; anything else (empty, several)
// goes to the service as typed, which says what it must be.
func dinnerMunicipality(v *apperr.Validator, s string) string {
	s = strings.TrimSpace(s)
	codes, unknown := municipalityCodes(s)
	switch {
	case len(unknown) > 0:
		var e *apperr.Error
		if errors.As(unknownMunicipalities("municipality_code", unknown), &e) {
			for _, fv := range e.Violations {
				v.Add(fv.Field, fv.Description)
			}
		}
	case len(codes) == 1:
		return codes[0]
	}
	return s
}
