package web

import (
	"strings"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/municipality"
	"github.com/motesplats/motesplats/services/gateway/internal/catalog"
)

// reason is one line of a pair's explanation: a short sentence a
// volunteer understands ("Talar båda arabiska") with the points the rule
// gave beside it (issue 12: the page said "language: 40").
type reason struct {
	Text   string
	Points int32
	// PointsText is Points in words ("40 poäng"), so a page of proposals
	// prints it rather than calling the catalogue for every line.
	PointsText string
}

// explain turns a pair's score parts into sentences in the page's
// language, naming what the two share where the gateway knows it (the
// languages and interests both list, the municipality or county).
func explain(p *page, v *gatewayv1.PairView) []reason {
	pr := v.GetPair()
	var out []reason
	for _, part := range pr.GetScoreParts() {
		if part.GetPoints() == 0 {
			continue // a rule that gave nothing is not a reason
		}
		out = append(out, reason{Text: reasonText(p, v, part.GetRule()), Points: part.GetPoints(), PointsText: p.tn("why.points", part.GetPoints())})
	}
	return out
}

func reasonText(p *page, v *gatewayv1.PairView, rule string) string {
	pr := v.GetPair()
	switch rule {
	case "language":
		if langs := v.GetSharedLanguages(); len(langs) > 0 {
			names := make([]string, len(langs))
			for i, c := range langs {
				names[i] = langName(p.Lang, c)
			}
			return p.tf("why.language.named", "Languages", listJoin(p, names))
		}
	case "interests":
		if is := v.GetSharedInterests(); len(is) > 0 {
			return p.tn("why.interests.named", len(is), "List", strings.Join(is, ", "))
		}
	case "municipality":
		if m, ok := municipality.Lookup(pr.GetMunicipalityCode()); ok {
			return p.tf("why.municipality.named", "Name", m.Name)
		}
	case "county":
		if m, ok := municipality.Lookup(pr.GetMunicipalityCode()); ok {
			return p.tf("why.county.named", "Name", m.CountyName)
		}
	}
	if s := p.t("why." + rule); s != "why."+rule {
		return s
	}
	// A rule this version of the app does not know: its label, or its
	// name in words, never nothing.
	if s := p.t("rule." + rule); s != "rule."+rule {
		return s
	}
	return strings.ReplaceAll(rule, "_", " ")
}

// listJoin writes "a, b och c" in the page's language.
func listJoin(p *page, items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + p.t("list.and") + items[len(items)-1]
}

// langName is a language's name in the page's language
// (catalog.LanguageName: CLDR's, unless the catalogue names it); an
// unknown code shows as itself.
func langName(locale, code string) string { return catalog.LanguageName(locale, code) }

// langNames lists a person's languages by name.
func langNames(locale string, ls []*typev1.LanguageSkill) string {
	out := make([]string, 0, len(ls))
	for _, l := range ls {
		out = append(out, langName(locale, l.GetCode()))
	}
	return strings.Join(out, ", ")
}

// muniLabel is a municipality's name, or its code when the code is not
// one (old data); never the bare code where a name exists.
func muniLabel(code string) string {
	if m, ok := municipality.Lookup(code); ok {
		return m.Name
	}
	return code
}
