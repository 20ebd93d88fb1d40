package web

import (
	"net/url"
	"slices"
	"strings"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/municipality"
)

// choiceFilter is the value of a list's choice filter name in q: "" when
// the address does not set it, one of allowed, or a violation on name
// ("är inget känt värde"), as /participants refuses an unknown Svenskanivå.
// A value the picker does not offer (an edited or old address) is never
// silently read as "no filter": the page would list everything as if it
// were filtered.
func choiceFilter(v *apperr.Validator, q url.Values, name string, allowed ...string) string {
	s := strings.TrimSpace(q.Get(name))
	if s == "" || slices.Contains(allowed, s) {
		return s
	}
	v.Add(name, "is not a known value")
	return ""
}

// municipalityFilter is a list's one-municipality filter name in q: ""
// when not set, an SCB code, or a violation on name naming the
// municipality field, rather than a list of nothing or "not found".
func municipalityFilter(v *apperr.Validator, q url.Values, name string) string {
	s := strings.TrimSpace(q.Get(name))
	if s == "" || municipality.Valid(s) {
		return s
	}
	v.Add(name, "is not an SCB municipality code")
	return ""
}

// idFilter is a list's person (or record) filter name in q: "" when not
// set, an id, or a violation on name; an invalid id is refused rather
// than dropped, which showed the whole list as if filtered.
func idFilter(v *apperr.Validator, q url.Values, name string) string {
	s := strings.TrimSpace(q.Get(name))
	if s == "" || ids.Valid(s) {
		return s
	}
	v.Add(name, "is not an id")
	return ""
}

// sameField maps a violation to the filter of the same name.
func sameField(f string) string { return f }
