// Package consent holds the consent texts a newcomer agrees to, as data:
// one file per programme (purpose) and version under texts/, with the
// text in every language the answer pages speak. The web app's form, its
// printable text page and the mp CLI all read them here, so the version
// a consent records is the version of a text that exists, in the
// language it was shown in (ADR 0120). The participants service stores
// the version and language but never the wording: the gateway owns words.
//
// A published text never changes: a consent recorded as "mentoring
// 2026-12 in Arabic" must show, years later, what was read out then. A
// test holds a hash of every published text; a change of wording is a
// new version file, which becomes that purpose's current version.
package consent

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/BurntSushi/toml"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
)

//go:embed texts/*.toml
var textFS embed.FS

// Fallback is the language a text is shown in when the newcomer's is
// missing or has no text: Swedish, the reviewed text the coordinators know
// (as on the answer page, ADR 0110).
const Fallback = "sv"

// Languages are the languages the texts are written in, in the order the
// text page offers them: the answer pages' languages (ADR 0103).
var Languages = []string{"sv", "en", "ar", "fa", "prs", "ti", "so", "uk"}

// rtl are the languages written right to left.
var rtl = []string{"ar", "fa", "prs"}

// Dir is the writing direction of lang for an HTML dir attribute.
func Dir(lang string) string {
	if slices.Contains(rtl, lang) {
		return "rtl"
	}
	return "ltr"
}

// Purposes are the programmes a consent is given for, in the order forms
// list them.
var Purposes = []eventsv1.ConsentPurpose{eventsv1.ConsentPurpose_CONSENT_PURPOSE_MENTORING,
	eventsv1.ConsentPurpose_CONSENT_PURPOSE_DINNERS, eventsv1.ConsentPurpose_CONSENT_PURPOSE_GUIDES}

// Slug is the purpose's name in file names and URLs ("mentoring"), or ""
// for a purpose without texts.
func Slug(p eventsv1.ConsentPurpose) string {
	if !slices.Contains(Purposes, p) {
		return ""
	}
	return strings.ToLower(strings.TrimPrefix(p.String(), "CONSENT_PURPOSE_"))
}

// PurposeOf is the purpose a slug names; false for a slug that names none.
func PurposeOf(slug string) (eventsv1.ConsentPurpose, bool) {
	for _, p := range Purposes {
		if Slug(p) == slug {
			return p, true
		}
	}
	return 0, false
}

// Text is one published consent text: a purpose's version in one
// language.
type Text struct {
	Purpose eventsv1.ConsentPurpose
	Version string
	Lang    string
	// Published is the date the version was first shown (YYYY-MM-DD).
	Published string
	Title     string
	// Paragraphs are the body, read out or printed one after the other.
	Paragraphs []string
	// Reviewed says a native speaker has read the text. An unreviewed
	// translation is shown with the Swedish text below it (ADR 0103).
	Reviewed bool
}

// Body is the text's paragraphs as one string, blank line between.
func (t Text) Body() string { return strings.Join(t.Paragraphs, "\n\n") }

// Set is every consent text, by purpose, version and language.
type Set struct {
	texts map[key]Text
	// versions lists each purpose's versions, oldest first.
	versions map[eventsv1.ConsentPurpose][]string
}

type key struct {
	purpose       eventsv1.ConsentPurpose
	version, lang string
}

// file is one texts/<purpose>-<version>.toml.
type file struct {
	Purpose   string   `toml:"purpose"`
	Version   string   `toml:"version"`
	Published string   `toml:"published"`
	Reviewed  []string `toml:"reviewed"`
	Text      map[string]struct {
		Title string `toml:"title"`
		Body  string `toml:"body"`
	} `toml:"text"`
}

// versionRE is a version's form: the year and month it was written, and
// a letter when a month needs a second (2026-12, 2026-12b). It sorts by
// age and fits the participants service's check (1-32 letters, digits,
// '-' or '_').
var versionRE = regexp.MustCompile(`^20[0-9]{2}-(0[1-9]|1[0-2])[a-z]?$`)

var dateRE = regexp.MustCompile(`^20[0-9]{2}-[01][0-9]-[0-3][0-9]$`)

// Load reads every texts/*.toml file of fsys. Every version must have a
// Swedish text (the fallback) and a title and body in each language it
// has; a file named otherwise than its purpose and version is refused,
// so two files cannot claim one version.
func Load(fsys fs.FS) (*Set, error) {
	names, err := fs.Glob(fsys, "texts/*.toml")
	if err != nil {
		return nil, err
	}
	s := &Set{texts: map[key]Text{}, versions: map[eventsv1.ConsentPurpose][]string{}}
	for _, name := range names {
		buf, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		var f file
		md, err := toml.Decode(string(buf), &f)
		if err != nil {
			return nil, fmt.Errorf("consent text %s: %w", name, err)
		}
		if u := md.Undecoded(); len(u) > 0 {
			return nil, fmt.Errorf("consent text %s: unknown keys %v", name, u)
		}
		p, ok := PurposeOf(f.Purpose)
		switch {
		case !ok:
			return nil, fmt.Errorf("consent text %s: unknown purpose %q", name, f.Purpose)
		case !versionRE.MatchString(f.Version):
			return nil, fmt.Errorf("consent text %s: version %q is not YYYY-MM", name, f.Version)
		case path.Base(name) != f.Purpose+"-"+f.Version+".toml":
			return nil, fmt.Errorf("consent text %s: want the name %s-%s.toml", name, f.Purpose, f.Version)
		case !dateRE.MatchString(f.Published):
			return nil, fmt.Errorf("consent text %s: published %q is not YYYY-MM-DD", name, f.Published)
		}
		if _, ok := f.Text[Fallback]; !ok {
			return nil, fmt.Errorf("consent text %s: no %s text", name, Fallback)
		}
		for lang, t := range f.Text {
			if !slices.Contains(Languages, lang) {
				return nil, fmt.Errorf("consent text %s: language %q is not one of %v", name, lang, Languages)
			}
			paras := paragraphs(t.Body)
			if strings.TrimSpace(t.Title) == "" || len(paras) == 0 {
				return nil, fmt.Errorf("consent text %s: %s needs a title and a body", name, lang)
			}
			s.texts[key{p, f.Version, lang}] = Text{Purpose: p, Version: f.Version, Lang: lang, Published: f.Published,
				Title: strings.TrimSpace(t.Title), Paragraphs: paras, Reviewed: slices.Contains(f.Reviewed, lang)}
		}
		s.versions[p] = append(s.versions[p], f.Version)
	}
	for _, p := range Purposes {
		if len(s.versions[p]) == 0 {
			return nil, fmt.Errorf("consent texts: none for %s", Slug(p))
		}
		slices.Sort(s.versions[p])
	}
	return s, nil
}

// paragraphs splits a body at blank lines, joining each paragraph's lines
// with a space (TOML's multi-line strings wrap where the author pressed
// return).
func paragraphs(body string) []string {
	var out []string
	for _, para := range strings.Split(strings.ReplaceAll(body, "\r\n", "\n"), "\n\n") {
		if s := strings.Join(strings.Fields(para), " "); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Current is the version a consent to p is recorded against now: the
// newest file of p.
func (s *Set) Current(p eventsv1.ConsentPurpose) string {
	vs := s.versions[p]
	if len(vs) == 0 {
		return ""
	}
	return vs[len(vs)-1]
}

// Versions lists p's versions, oldest first.
func (s *Set) Versions(p eventsv1.ConsentPurpose) []string {
	return slices.Clone(s.versions[p])
}

// Get is exactly p's version in lang; false when that text does not exist.
func (s *Set) Get(p eventsv1.ConsentPurpose, version, lang string) (Text, bool) {
	t, ok := s.texts[key{p, version, lang}]
	return t, ok
}

// Has reports whether p's version exists (in Swedish at least).
func (s *Set) Has(p eventsv1.ConsentPurpose, version string) bool {
	_, ok := s.texts[key{p, version, Fallback}]
	return ok
}

// Langs lists the languages p's version is written in, in Languages'
// order.
func (s *Set) Langs(p eventsv1.ConsentPurpose, version string) []string {
	var out []string
	for _, l := range Languages {
		if _, ok := s.texts[key{p, version, l}]; ok {
			out = append(out, l)
		}
	}
	return out
}

// ShownIn is the language p's version is shown in for a newcomer who
// chose lang: lang when the version has a text in it, else Swedish.
func (s *Set) ShownIn(p eventsv1.ConsentPurpose, version, lang string) string {
	if _, ok := s.texts[key{p, version, lang}]; ok {
		return lang
	}
	return Fallback
}

// Record is the consent to p a newcomer who chose lang gives now: the
// current version, in the language it is shown in.
func (s *Set) Record(p eventsv1.ConsentPurpose, lang string) *participantsv1.Consent {
	v := s.Current(p)
	return &participantsv1.Consent{Purpose: p, TextVersion: v, Language: s.ShownIn(p, v, lang)}
}

// Path is the address of the printable page of p's version in lang
// (the gateway serves it publicly: it holds no personal data).
func Path(p eventsv1.ConsentPurpose, version, lang string) string {
	return "/consent/" + Slug(p) + "/" + version + "/" + lang
}

// Each calls fn for every text, in purpose, version and language order.
func (s *Set) Each(fn func(Text)) {
	for _, p := range Purposes {
		for _, v := range s.versions[p] {
			for _, l := range s.Langs(p, v) {
				fn(s.texts[key{p, v, l}])
			}
		}
	}
}

// Texts is the set compiled into the program from texts/.
var Texts = sync.OnceValue(func() *Set {
	s, err := Load(textFS)
	if err != nil {
		// The files are compiled in and TestLoad reads them: a broken
		// file never reaches a running gateway.
		panic(err)
	}
	return s
})
