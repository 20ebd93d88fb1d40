package catalog

import (
	"fmt"

	guidesv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
)

// GuideReason is one part of why the engine proposed an assignment: the
// score part's rule, its points and the language guided in. The API words
// it in English (English); the web app and mp look Rule up in the guides
// catalogue so the same parts read in the user's language.
type GuideReason struct {
	// Rule is the engine's score part: base, language, municipality,
	// waiting or re_proposed (services/guides/internal/assign).
	Rule string
	// Points the part added.
	Points int32
	// Language is the unit's language code.
	Language string
}

// Explain lists the reasons of an assignment's score, in the order the
// engine gave them.
func Explain(a *guidesv1.Assignment) []GuideReason {
	out := make([]GuideReason, 0, len(a.GetScoreParts()))
	for _, p := range a.GetScoreParts() {
		out = append(out, GuideReason{Rule: p.GetRule(), Points: p.GetPoints(), Language: a.GetLanguage()})
	}
	return out
}

// englishReasons are the API's sentences per rule; a rule not listed (a
// newer engine) is shown by its name.
var englishReasons = map[string]string{
	"base":         "entitled to a guide and a place is free",
	"language":     "guided in a language the newcomer speaks (%s)",
	"municipality": "the guide organisation serves the newcomer's own municipality",
	"waiting":      "priority for the time waited for a guide",
	"re_proposed":  "their guide organisation left; proposed again first",
}

// English is the reason as one English sentence with its points.
func (r GuideReason) English() string {
	f, ok := englishReasons[r.Rule]
	if !ok {
		return fmt.Sprintf("%s (%+d)", r.Rule, r.Points)
	}
	if r.Rule == "language" {
		f = fmt.Sprintf(f, r.Language)
	}
	return fmt.Sprintf("%s (%+d)", f, r.Points)
}
