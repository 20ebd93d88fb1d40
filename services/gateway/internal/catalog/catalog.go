// Package catalog is the gateway's words: the TOML catalogues under
// locales/ (one file per area and language, read by go-i18n, ADR 0081),
// lookup with placeholders and plural forms, the labels of form fields
// and the table of the services' validation wording. The web app and the
// mp command line client both print from it, so a word exists once and is
// translated once; it imports no web, gRPC or template code, so mp need not
// carry the web app to speak (ADR 0111).
package catalog

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// A translator edits a file, not Go code; plural forms follow CLDR's
// rules per language; several engineers add an area without touching the
// same file. English is the fallback for any key a language lacks, so a
// language can start small and grow key by key.

//go:embed locales/*.toml
var localeFS embed.FS

// tagAliases name, for a file language that go-i18n has no plural rule
// for, the language whose rules it shares: Dari is CLDR's fa-AF.
var tagAliases = map[string]string{"prs": "fa-AF"}

// catalogue is every locale file loaded into one go-i18n bundle.
type catalogue struct {
	bundle *i18n.Bundle
	// loc is a localizer per locale code as the files name it ("prs"),
	// each falling back to English.
	loc map[string]*i18n.Localizer
	// keys holds the message ids each locale's files define, for
	// completeness (the picker offers complete locales only).
	keys map[string]map[string]bool
	// plain caches the text of every message without placeholders or
	// plural forms per locale, resolved once through the library (with
	// its English fallback): pages print hundreds of words, and a lookup
	// should cost a map read, not a language match.
	plain map[string]map[string]string
}

// load reads every locales/*.toml file in fsys. A file is named
// AREA.LANG.toml; LANG is any BCP 47 code.
func load(fsys fs.FS) (*catalogue, error) {
	c := &catalogue{bundle: i18n.NewBundle(language.English), loc: map[string]*i18n.Localizer{},
		keys: map[string]map[string]bool{}, plain: map[string]map[string]string{}}
	files, err := fs.Glob(fsys, "locales/*.toml")
	if err != nil {
		return nil, err
	}
	sort.Strings(files) // a stable order, so a duplicate key wins the same way each run
	unmarshal := map[string]i18n.UnmarshalFunc{"toml": toml.Unmarshal}
	tags := map[string]language.Tag{}
	for _, f := range files {
		parts := strings.Split(path.Base(f), ".")
		if len(parts) != 3 {
			return nil, fmt.Errorf("locale file %s: want AREA.LANG.toml", f)
		}
		code := parts[1]
		buf, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		mf, err := i18n.ParseMessageFileBytes(buf, f, unmarshal)
		if err != nil {
			return nil, fmt.Errorf("locale file %s: %w", f, err)
		}
		tag, err := language.Parse(code)
		if alias, ok := tagAliases[code]; ok {
			tag, err = language.Parse(alias)
		}
		if err != nil {
			return nil, fmt.Errorf("locale file %s: language %q: %w", f, code, err)
		}
		if err := c.bundle.AddMessages(tag, mf.Messages...); err != nil {
			return nil, fmt.Errorf("locale file %s: %w", f, err)
		}
		tags[code] = tag
		if c.keys[code] == nil {
			c.keys[code] = map[string]bool{}
		}
		for _, m := range mf.Messages {
			c.keys[code][m.ID] = true
		}
	}
	if c.keys["en"] == nil {
		return nil, fmt.Errorf("no English locale file: English is the fallback")
	}
	for code, tag := range tags {
		c.loc[code] = i18n.NewLocalizer(c.bundle, tag.String())
	}
	all := map[string]bool{}
	for _, ks := range c.keys {
		for k := range ks {
			all[k] = true
		}
	}
	for code, l := range c.loc {
		c.plain[code] = map[string]string{}
		for k := range all {
			if c.keys["en"][k] || c.keys[code][k] {
				if s, ok := localize(l, k, nil, nil); ok && !strings.Contains(s, "{{") && !c.plural(code, k) {
					c.plain[code][k] = s
				}
			}
		}
	}
	return c, nil
}

// plural reports whether key has plural forms in locale or English; such
// messages are never cached, since their text depends on a count.
func (c *catalogue) plural(code, key string) bool {
	for _, l := range []string{code, "en"} {
		if lz := c.loc[l]; lz != nil {
			s1, _ := localize(lz, key, map[string]any{"Count": 1}, 1)
			s2, _ := localize(lz, key, map[string]any{"Count": 5}, 5)
			if s1 != s2 {
				return true
			}
		}
	}
	return false
}

// localize runs the library; a nil count means no plural form is chosen. A
// message found only in English comes back with a not-found error and
// its English text: that is the fallback, not a failure.
func localize(l *i18n.Localizer, key string, data map[string]any, count any) (string, bool) {
	lc := &i18n.LocalizeConfig{MessageID: key, TemplateData: data, PluralCount: count}
	s, err := l.Localize(lc)
	if s == "" && err != nil {
		return "", false
	}
	return s, true
}

// once loads the embedded catalogue once; Err reports its error, so a
// broken file stops the gateway at start rather than on a page.
var once = sync.OnceValues(func() (*catalogue, error) { return load(localeFS) })

// cat returns the embedded catalogue, or an empty one when it failed to
// load (the gateway has refused to start then; tests see the keys).
func cat() *catalogue {
	c, err := once()
	if err != nil {
		return &catalogue{loc: map[string]*i18n.Localizer{}, keys: map[string]map[string]bool{}, plain: map[string]map[string]string{}}
	}
	return c
}

// Err is the embedded catalogue's load error: the gateway checks it at
// start, so a broken file names itself there rather than as keys on pages.
func Err() error {
	_, err := once()
	return err
}

// Locales lists the locale codes the catalogue has files for, sorted: the
// web app parses its templates once per locale.
func Locales() []string {
	c := cat()
	out := make([]string, 0, len(c.loc))
	for l := range c.loc {
		out = append(out, l)
	}
	sort.Strings(out)
	return out
}

// Keys lists the message ids locale's own files define, sorted (not those
// it takes from English), so a test can hold two languages key for key.
func Keys(locale string) []string {
	c := cat()
	out := make([]string, 0, len(c.keys[locale]))
	for k := range c.keys[locale] {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Complete reports whether locale has every key English has, across all
// area files, and the services' violations and refusals in its words
// (hasRefusals): the web app offers only complete locales in its picker.
func Complete(locale string) bool {
	c := cat()
	if c.keys[locale] == nil || !hasRefusals(locale) {
		return false
	}
	for k := range c.keys["en"] {
		if !c.keys[locale][k] {
			return false
		}
	}
	return true
}

// Text returns key's text in locale, English, or the key itself: a
// missing word shows as its key, never as nothing.
func Text(locale, key string) string {
	c := cat()
	if s, ok := c.plain[locale][key]; ok {
		return s
	}
	if s, ok := c.plain["en"][key]; ok {
		return s
	}
	return Data(locale, key, nil, nil)
}

// Has reports whether key is a message of the catalogue, in locale or
// English: callers that fall back to a readable code ask this rather than
// compare a text with its key.
func Has(locale, key string) bool {
	c := cat()
	return c.keys[locale][key] || c.keys["en"][key]
}

// Data returns key's text in locale with its placeholders ({{.Name}})
// filled from data and, when count is a number (any integer type, so
// templates can pass proto counts), the plural form CLDR's rules give
// count in that language ({{.Count}} is count). An unknown locale is
// English; an unknown key is the key.
func Data(locale, key string, data map[string]any, count any) string {
	c := cat()
	l := c.loc[locale]
	if l == nil {
		l = c.loc["en"]
	}
	if l == nil {
		return key
	}
	if count != nil {
		d := make(map[string]any, len(data)+1)
		for k, v := range data {
			d[k] = v
		}
		d["Count"] = count
		data = d
	}
	if s, ok := localize(l, key, data, count); ok {
		return s
	}
	return key
}

// Plain returns a locale's plain messages (those its own files define,
// without placeholders, in their one form), so a test can check a
// rendered page against another locale's words (issue 12: no English
// string on a Swedish page), and mp can find a service's English sentence
// by its text. Languages' names in themselves are left out: the language
// pickers show every one on every page.
func Plain(locale string) map[string]string {
	c := cat()
	out := make(map[string]string, len(c.keys[locale]))
	for k := range c.keys[locale] {
		if strings.HasSuffix(k, "language_name") {
			continue
		}
		if s, ok := c.plain[locale][k]; ok {
			out[k] = s
		}
	}
	return out
}
