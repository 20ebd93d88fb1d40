package web

import (
	"fmt"
	"html/template"
	"io/fs"
	"strings"
	"sync"

	"github.com/motesplats/motesplats/services/gateway/internal/catalog"
)

// parsedFirst is the locale whose pages New parses, so a template that
// does not parse stops the start-up: Swedish, the app's first language.
// Every locale parses the same files with the same function names.
const parsedFirst = "sv"

// localePages are one locale's page templates, parsed on the first page
// shown in that locale. The functions (t, tn, status ...) are bound to the
// locale at parse time, since a template cannot change its functions once
// it has run, so each locale needs its own parse: 3.6 MB of heap each, 29
// MB for all eight catalogue locales when New parsed them all, which every
// garbage collection of the process then marked again (ADR 0147). Most
// gateways show two or three.
type localePages struct {
	locale string
	once   sync.Once
	pages  map[string]*template.Template // by file name without .html
	err    error
}

// newLocalePages makes the (unparsed) page sets of every catalogue locale
// and parses parsedFirst's.
func newLocalePages() (map[string]*localePages, error) {
	sets := map[string]*localePages{}
	for _, locale := range catalog.Locales() {
		sets[locale] = &localePages{locale: locale}
	}
	first, ok := sets[parsedFirst]
	if !ok {
		return nil, fmt.Errorf("web: the catalogue has no %q", parsedFirst)
	}
	if _, err := first.get(); err != nil {
		return nil, err
	}
	return sets, nil
}

// get returns the locale's pages, parsing them on the first call.
func (lp *localePages) get() (map[string]*template.Template, error) {
	lp.once.Do(func() { lp.pages, lp.err = parsePages(lp.locale) })
	return lp.pages, lp.err
}

// parsePages parses every page with the layout and locale's functions.
func parsePages(locale string) (map[string]*template.Template, error) {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		if n == "templates/layout.html" {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).Funcs(pickerFuncs()).
			Funcs(localeFuncs(locale)).Funcs(pairFuncs(locale)).
			ParseFS(templateFS, "templates/layout.html", n)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", n, err)
		}
		pages[strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")] = t
	}
	return pages, nil
}

// template returns a page's template (file name without .html) in locale.
func (w *Web) template(locale, file string) (*template.Template, error) {
	lp, ok := w.tpl[locale]
	if !ok {
		return nil, fmt.Errorf("no locale %q", locale)
	}
	pages, err := lp.get()
	if err != nil {
		return nil, err
	}
	t, ok := pages[file]
	if !ok {
		return nil, fmt.Errorf("no template %q", file)
	}
	return t, nil
}
