package web

import (
	"strings"
	"testing"

	dinnersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
)

// TestDinnerJobGapInPlainWords: a finished dinners job said "3,52 % från
// den bevisade gränsen" ("from the proven bound"), the engine's words,
// which told a coordinator nothing (ADR 0154). It says how far the
// seating's points may at most lie below the best possible, in Swedish
// and English, with the figure in the page's decimal form.
func TestDinnerJobGapInPlainWords(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ lang, want string }{
		{"sv", "32 förslag, 22 sällskap utan plats; poängen är högst 3,52 % under den bästa möjliga placeringen"},
		{"en", "32 proposals, 22 parties without a seat; the points are at most 3.52 % below the best possible seating"},
	} {
		p := &page{Lang: tt.lang}
		got := p.tf("dinners.job.done", "Proposals", 32, "Unseated", 22, "Gap", gapPercent(p, 35200))
		if got != tt.want {
			t.Errorf("%s: %q, want %q", tt.lang, got, tt.want)
		}
		for _, jargon := range []string{"gräns", "bound", "bevisad", "proven"} {
			if strings.Contains(got, jargon) {
				t.Errorf("%s: %q has the engine's word %q", tt.lang, got, jargon)
			}
		}
	}
}

// TestDinnerJobOptimumInMentoringsWords: a dinners job with a proven
// optimum read "poängen är högst 0,00 % under den bästa möjliga
// placeringen" where a mentoring job says "Bästa möjliga" (outside round
// s32). The same fact now has the same words; a gap keeps its figure.
func TestDinnerJobOptimumInMentoringsWords(t *testing.T) {
	t.Parallel()
	counts := &dinnersv1.JobCounts{Proposals: 32, Unseated: 22}
	for _, tt := range []struct {
		lang string
		gap  int64
		want string
	}{
		{"sv", 0, "32 förslag, 22 sällskap utan plats · Bästa möjliga (1\u00a0388 poäng)"},
		{"en", 0, "32 proposals, 22 parties without a seat · Best possible (1,388 points)"},
		{"sv", 35200, "32 förslag, 22 sällskap utan plats; poängen är högst 3,52 % under den bästa möjliga placeringen"},
	} {
		p := &page{Lang: tt.lang}
		j := &dinnersv1.Job{Counts: counts, Objective: 1388, Bound: 1388 + tt.gap/1000, GapPpm: tt.gap}
		if got := dinnerJobResult(p, j); got != tt.want {
			t.Errorf("%s, gap %d: %q, want %q", tt.lang, tt.gap, got, tt.want)
		}
	}
}
