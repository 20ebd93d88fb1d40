package catalog

import (
	"slices"
	"strings"
	"sync"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// PickerLanguages are the languages the web app's language filters offer
// by name and its "languages spoken" fields take by name: those the
// programme's newcomers and volunteers speak most. A code outside the list
// still works in the API, the forms and mp.
var PickerLanguages = []string{"am", "ar", "bs", "ckb", "de", "en", "es", "fa", "fi", "fr", "hr", "it", "kmr", "ku",
	"pl", "prs", "ps", "ro", "ru", "so", "sq", "sr", "sv", "th", "ti", "tr", "uk", "ur", "vi", "zh"}

// namers caches a CLDR language namer per locale.
var namers sync.Map // locale -> display.Namer

// LanguageName is a language's name in locale from CLDR data ("arabiska"
// for ar in Swedish), unless the catalogue names it (lang.CODE: CLDR's
// data in x/text lacks some, such as Dari); an unknown code is itself.
// The web app and mp name languages with it, so both take the same names.
func LanguageName(locale, code string) string {
	if s := Text(locale, "lang."+code); s != "lang."+code {
		return s
	}
	n, ok := namers.Load(locale)
	if !ok {
		n, _ = namers.LoadOrStore(locale, display.Languages(language.Make(locale)))
	}
	if tag, err := language.Parse(code); err == nil {
		if s := n.(display.Namer).Name(tag); s != "" {
			return s
		}
	}
	return code
}

// nameLocales are the languages whose names of languages mp and the
// forms take: a coordinator writes "arabiska" or "Arabic".
var nameLocales = []string{"sv", "en"}

// languageNames maps each lower-case Swedish and English name of the
// PickerLanguages to its code; a name with a gloss ("kurmanji
// (nordkurdiska)") is also taken by either part.
var languageNames = sync.OnceValue(func() map[string]string {
	out := map[string]string{}
	for _, l := range nameLocales {
		for _, c := range PickerLanguages {
			name := strings.ToLower(LanguageName(l, c))
			out[name] = c
			if head, gloss, ok := strings.Cut(name, " ("); ok {
				out[head] = c
				out[strings.TrimSuffix(gloss, ")")] = c
			}
		}
	}
	return out
})

// otherLanguageNames maps the lower-case Swedish and English names of
// every other language with a two-letter ISO 639-1 code that CLDR names
// to its code: `mp -languages isländska` was unknown while `is` was taken
// (ADR 0251, 0254). Only the two-letter codes: CLDR also names hundreds
// of three-letter ones (klingonska is tlh), which nobody registering a
// newcomer means. Left out are a name two codes share (neither is
// guessed) and a name of a code's shape ("ewe", "ido"), which stays a
// code as mp has always read it.
var otherLanguageNames = sync.OnceValue(func() map[string]string {
	out, shared := map[string]string{}, map[string]bool{}
	for a := 'a'; a <= 'z'; a++ {
		for b := 'a'; b <= 'z'; b++ {
			code := string([]rune{a, b})
			if base, err := language.ParseBase(code); err != nil || base.String() != code || slices.Contains(PickerLanguages, code) {
				continue
			}
			for _, l := range nameLocales {
				name := strings.ToLower(LanguageName(l, code))
				if name == code || len([]rune(name)) <= 3 {
					continue
				}
				if c, ok := out[name]; ok && c != code {
					shared[name] = true
				}
				out[name] = code
			}
		}
	}
	for name := range shared {
		delete(out, name)
	}
	return out
})

// LanguageByName is the code of the language named name in Swedish or
// English (case and surrounding space ignored): one of PickerLanguages,
// else any other language with a two-letter code (otherLanguageNames).
func LanguageByName(name string) (string, bool) {
	name = strings.ToLower(strings.TrimSpace(name))
	if c, ok := languageNames()[name]; ok {
		return c, true
	}
	c, ok := otherLanguageNames()[name]
	return c, ok
}

// CloseLanguages are up to n languages whose Swedish or English name is
// close to name (a typo, a missing letter, the start of a name), nearest
// first, each as "name (code)" with the name in locale: what mp offers
// when no language is called name.
func CloseLanguages(locale, name string, n int) []string {
	name = strings.ToLower(strings.TrimSpace(name))
	type near struct {
		code string
		d    int
	}
	best := map[string]int{}
	for known, c := range languageNames() {
		d := editDistance(name, known)
		// The start of a name ("ukrain"), or a name with more after it
		// ("somalian"), is nearer than its spelling says.
		if (len(name) >= 3 && strings.HasPrefix(known, name)) || (len(known) >= 4 && strings.HasPrefix(name, known)) {
			d = min(d, 1)
		}
		if limit := max(2, len([]rune(name))/3); d > limit {
			continue
		}
		if old, ok := best[c]; !ok || d < old {
			best[c] = d
		}
	}
	var found []near
	for c, d := range best {
		found = append(found, near{c, d})
	}
	slices.SortFunc(found, func(a, b near) int {
		if a.d != b.d {
			return a.d - b.d
		}
		return strings.Compare(a.code, b.code)
	})
	var out []string
	for _, f := range found[:min(n, len(found))] {
		out = append(out, LanguageName(locale, f.code)+" ("+f.code+")")
	}
	return out
}

// editDistance is the Levenshtein distance between a and b, in runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
