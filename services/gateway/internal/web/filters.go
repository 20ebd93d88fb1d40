package web

import (
	"net/url"
	"slices"
	"strings"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/municipality"
)

// filter is list filter name in q: "" when the address does not set it,
// the value when ok says it is one, or a violation on name (msg). A value
// the page does not offer (an edited or old address) is never silently
// read as "no filter": the page would list everything as if it were
// filtered.
func filter(v *apperr.Validator, q url.Values, name string, ok func(string) bool, msg string) string {
	s := strings.TrimSpace(q.Get(name))
	if s == "" || ok(s) {
		return s
	}
	v.Add(name, msg)
	return ""
}

// choiceFilter is a list's choice filter: one of allowed, as /participants
// refuses an unknown Svenskanivå ("är inget känt värde").
func choiceFilter(v *apperr.Validator, q url.Values, name string, allowed ...string) string {
	return filter(v, q, name, func(s string) bool { return slices.Contains(allowed, s) }, "is not a known value")
}

// municipalityFilter is a list's one-municipality filter: an SCB code, or
// a violation naming the municipality field rather than a list of nothing
// or "not found".
func municipalityFilter(v *apperr.Validator, q url.Values, name string) string {
	return filter(v, q, name, municipality.Valid, "is not an SCB municipality code")
}

// idFilter is a list's person (or record) filter: an id, refused rather
// than dropped when invalid.
func idFilter(v *apperr.Validator, q url.Values, name string) string {
	return filter(v, q, name, ids.Valid, "is not an id")
}

// sameField maps a violation to the filter of the same name.
func sameField(f string) string { return f }
