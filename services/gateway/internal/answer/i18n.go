package answer

import (
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// Languages are the languages the answer page speaks: those the notify
// service writes messages in. Swedish is first: it is the default when
// nothing says which language a visitor reads.
var Languages = []string{"sv", "en", "ar", "fa", "prs", "ti", "so", "uk"}

// rtl are the languages written right to left.
var rtl = map[string]bool{"ar": true, "fa": true, "prs": true}

// tagOf is the go-i18n tag a language's catalogue is loaded under. Dari
// ("prs") has no plural rule in go-i18n, which refuses to load a language
// without one; CLDR writes Dari as fa-AF, whose rule (Persian's) is Dari's.
func tagOf(code string) language.Tag {
	if code == "prs" {
		return language.MustParse("fa-AF")
	}
	return language.Make(code)
}

// catalog is the answer page's text in every language.
type catalog struct {
	loc map[string]*i18n.Localizer
	// plain holds every message without placeholders per language,
	// resolved once: a page prints thirty of them, and a library lookup
	// costs a language match and a template each time.
	plain    map[string]map[string]string
	reviewed map[string]bool
	matcher  language.Matcher
	tags     []language.Tag
}

// loadCatalog reads locales/answer.<lang>.toml for every language from
// fsys (catalog.AnswerLocales in the gateway). A
// language whose file is missing or does not parse is an error: the page
// must never fall back silently to another language's words for a whole
// page.
func loadCatalog(fsys fs.FS) (*catalog, error) {
	b := i18n.NewBundle(language.Swedish)
	b.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	c := &catalog{loc: map[string]*i18n.Localizer{}, reviewed: map[string]bool{}, plain: map[string]map[string]string{}}
	var ids []string
	for _, code := range Languages {
		name := "locales/answer." + code + ".toml"
		buf, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("answer catalogue %s: %w", code, err)
		}
		msgs, err := b.ParseMessageBytes(tagOf(code), buf, toml.Unmarshal)
		if err != nil {
			return nil, fmt.Errorf("answer catalogue %s: %w", name, err)
		}
		if code == "sv" {
			for _, m := range msgs {
				ids = append(ids, m.ID)
			}
		}
		// Swedish is the fallback for a key a language lacks (a test
		// makes sure none does).
		l := i18n.NewLocalizer(b, tagOf(code).String(), "sv")
		c.loc[code] = l
		c.reviewed[code] = c.text(code, "reviewed", nil) == "yes"
		c.tags = append(c.tags, tagOf(code))
	}
	c.matcher = language.NewMatcher(c.tags)
	for _, code := range Languages {
		c.plain[code] = map[string]string{}
		for _, id := range ids {
			if s := c.text(code, strings.TrimPrefix(id, area), nil); !strings.Contains(s, "{{") && s != strings.TrimPrefix(id, area) {
				c.plain[code][id] = s
			}
		}
	}
	return c, nil
}

// text returns the message "answer."+id in lang, or id when the
// catalogue lacks it (a test keeps every catalogue complete, so this shows
// only in a test).
func (c *catalog) text(lang, id string, data map[string]any) string {
	if s, ok := c.plain[lang][area+id]; ok && data == nil {
		return s
	}
	l := c.loc[lang]
	if l == nil {
		l = c.loc["sv"]
	}
	s, err := l.Localize(&i18n.LocalizeConfig{MessageID: area + id, TemplateData: data})
	if s == "" && err != nil {
		return id
	}
	return s
}

// area prefixes the page's keys, as every area of the web app's
// catalogue folder prefixes its own.
const area = "answer."

// known reports whether lang is one of the page's languages.
func known(lang string) bool { return slices.Contains(Languages, lang) }

// fromAcceptLanguage picks the page's language for a visitor the service
// could not tell us about (a tampered link has no person): the best match
// of the browser's Accept-Language, else Swedish.
func (c *catalog) fromAcceptLanguage(header string) string {
	tags, _, err := language.ParseAcceptLanguage(header)
	if err != nil || len(tags) == 0 {
		return "sv"
	}
	for i, t := range tags {
		// A browser may say Dari as "prs"; the catalogue is fa-AF.
		if b, _ := t.Base(); b.String() == "prs" {
			tags[i] = tagOf("prs")
		}
	}
	_, i, conf := c.matcher.Match(tags...)
	if conf == language.No {
		return "sv"
	}
	return Languages[i]
}

// dir is the writing direction of lang, for the page's dir attribute.
func dir(lang string) string {
	if rtl[lang] {
		return "rtl"
	}
	return "ltr"
}
