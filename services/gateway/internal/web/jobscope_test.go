package web

import (
	"strings"
	"testing"

	"github.com/motesplats/motesplats/pkg/municipality"
)

// TestJobScopeNamesAFewAndCountsTheRest: a job's line and history row
// named every municipality of its scope; an administrator's job over the
// nation named 290 (outside round s45). The line names up to ten and
// counts the rest, and says "hela landet" for all of them (ADR 0251).
func TestJobScopeNamesAFewAndCountsTheRest(t *testing.T) {
	t.Parallel()
	var all []string
	for _, m := range municipality.All() {
		all = append(all, m.Code)
	}
	sv, en := &page{Lang: "sv"}, &page{Lang: "en"}
	for _, c := range []struct {
		name  string
		p     *page
		codes []string
		want  string
	}{
		{"two", sv, []string{"0180", "0380"}, "Stockholm, Uppsala"},
		{"none", sv, nil, ""},
		{"eleven", sv, all[:11], strings.Join(scopeNames(all[:10]), ", ") + " och 1 kommun till"},
		{"twelve", en, all[:12], strings.Join(scopeNames(all[:10]), ", ") + " and 2 more municipalities"},
		{"the nation", sv, all, "hela landet (290 kommuner)"},
		{"the nation", en, all, "the whole country (290 municipalities)"},
		{"all but one", sv, all[1:], strings.Join(scopeNames(all[1:11]), ", ") + " och 279 kommuner till"},
	} {
		if got := jobScope(c.p, c.codes); got != c.want {
			t.Errorf("%s (%s): %q, want %q", c.name, c.p.Lang, got, c.want)
		}
	}
}

func scopeNames(codes []string) []string {
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = muniLabel(c)
	}
	return out
}
