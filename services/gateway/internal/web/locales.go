package web

import (
	"slices"

	"github.com/motesplats/motesplats/services/gateway/internal/account"
	"github.com/motesplats/motesplats/services/gateway/internal/catalog"
)

// fieldLabel is the label of a form field in the user's language, for the
// error summary (catalog.FieldLabel); an unknown field shows its name.
func fieldLabel(p *page, field string) string { return catalog.FieldLabel(p.Lang, field) }

// translateMessage returns a service's English message in locale, or as
// it is when no translation is known (catalog.ViolationText).
func translateMessage(locale, msg string) string { return catalog.ViolationText(locale, msg) }

// offered are the locales the picker offers: those account.Locales accepts
// whose text is complete. A locale still being translated (Arabic) is not
// offered, so no page marks English text as right-to-left Arabic.
var offered = func() []string {
	var out []string
	for _, l := range account.Locales {
		if catalog.Complete(l) {
			out = append(out, l)
		}
	}
	return out
}()

// shown is the locale a page is rendered in for a wanted one: itself when
// offered, English otherwise.
func shown(locale string) string {
	if slices.Contains(offered, locale) {
		return locale
	}
	return "en"
}
