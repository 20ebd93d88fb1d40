package web

import (
	"html/template"
	"testing"

	"github.com/motesplats/motesplats/services/gateway/internal/catalog"
	"github.com/motesplats/motesplats/services/gateway/internal/core"
)

// tplOf is a page's template in locale, parsed if it was not yet.
func tplOf(tb testing.TB, w *Web, locale, file string) *template.Template {
	tb.Helper()
	t, err := w.template(locale, file)
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

// TestPagesParsedPerLocaleWhenShown: New parses the Swedish pages only;
// another locale's are parsed when a page is first shown in it, and every
// catalogue locale's parse. A locale outside the catalogue has none.
func TestPagesParsedPerLocaleWhenShown(t *testing.T) {
	t.Parallel()
	w, err := New(&core.Gateway{}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range catalog.Locales() {
		if parsed, want := w.tpl[l].pages != nil, l == parsedFirst; parsed != want {
			t.Errorf("%s parsed by New: %v, want %v", l, parsed, want)
		}
	}
	for _, l := range catalog.Locales() {
		if tplOf(t, w, l, "matching") == nil || w.tpl[l].pages == nil {
			t.Errorf("%s: no pages after showing one", l)
		}
	}
	if _, err := w.template("xx", "matching"); err == nil {
		t.Error("pages for locale xx, want none")
	}
	if _, err := w.template(parsedFirst, "no-such-page"); err == nil {
		t.Error("a page that does not exist was found")
	}
}
