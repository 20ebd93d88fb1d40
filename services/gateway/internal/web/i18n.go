package web

import (
	"embed"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// The web app's text lives in TOML catalogues under locales/, one file per
// area and language (core.sv.toml, dinners.en.toml, answer.ti.toml), read
// by go-i18n (ADR 0081): a translator edits a file, not Go code; plural
// forms follow CLDR's rules per language; several engineers add an area
// without touching the same file. English is the fallback for any key a
// language lacks, so a language can start small and grow key by key.

//go:embed locales/*.toml
var localeFS embed.FS

// localeNames are shown in the language picker, each in its own language.
var localeNames = map[string]string{"sv": "Svenska", "en": "English", "ar": "العربية"}

// rtl lists the right-to-left locales.
var rtl = []string{"ar", "fa", "prs", "ps", "ckb", "ur", "he"}

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

// loadCatalogue reads every locales/*.toml file in fsys. A file is named
// AREA.LANG.toml; LANG is any BCP 47 code.
func loadCatalogue(fsys fs.FS) (*catalogue, error) {
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

// catalogueOnce loads the embedded catalogue once; New reports its error,
// so a broken file stops the gateway at start rather than on a page.
var catalogueOnce = sync.OnceValues(func() (*catalogue, error) { return loadCatalogue(localeFS) })

// cat returns the embedded catalogue, or an empty one when it failed to
// load (New has refused to start then; tests see the keys).
func cat() *catalogue {
	c, err := catalogueOnce()
	if err != nil {
		return &catalogue{loc: map[string]*i18n.Localizer{}, keys: map[string]map[string]bool{}, plain: map[string]map[string]string{}}
	}
	return c
}

// translate returns key's text in locale, English, or the key itself.
func translate(locale, key string) string {
	c := cat()
	if s, ok := c.plain[locale][key]; ok {
		return s
	}
	if s, ok := c.plain["en"][key]; ok {
		return s
	}
	return translateData(locale, key, nil, nil)
}

// translateData returns key's text in locale with its placeholders
// ({{.Name}}) filled from data and, when count is a number (any integer
// type, so templates can pass proto counts), the plural form CLDR's rules
// give count in that language ({{.Count}} is count).
func translateData(locale, key string, data map[string]any, count any) string {
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

// pairs turns template arguments "Name", value, ... into a map.
func pairs(kv []any) map[string]any {
	out := make(map[string]any, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		if k, ok := kv[i].(string); ok {
			out[k] = kv[i+1]
		}
	}
	return out
}

func dir(locale string) string {
	if slices.Contains(rtl, locale) {
		return "rtl"
	}
	return "ltr"
}

// guessLocale picks a locale for a visitor who is not signed in: the
// language cookie, then Accept-Language, then Swedish.
func guessLocale(r *http.Request) string {
	if c, err := r.Cookie("mp_lang"); err == nil && slices.Contains(offered, c.Value) {
		return c.Value
	}
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		base, _, _ := strings.Cut(strings.ToLower(tag), "-")
		if slices.Contains(offered, base) {
			return base
		}
	}
	return offered[0]
}
