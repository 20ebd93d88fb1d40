package web

import (
	"net/http"
	"slices"
	"strings"

	"github.com/motesplats/motesplats/services/gateway/internal/catalog"
)

// The web app's text lives in package catalog (its TOML files under
// internal/catalog/locales, ADR 0081 and 0111), which mp prints from too.

// localeNames are shown in the language picker, each in its own language.
var localeNames = map[string]string{"sv": "Svenska", "en": "English", "ar": "العربية"}

// rtl lists the right-to-left locales.
var rtl = []string{"ar", "fa", "prs", "ps", "ckb", "ur", "he"}

// translate returns key's text in locale, English, or the key itself.
func translate(locale, key string) string { return catalog.Text(locale, key) }

// translateData returns key's text in locale with its placeholders filled
// from data and, when count is a number, in the plural form count takes
// (catalog.Data).
func translateData(locale, key string, data map[string]any, count any) string {
	return catalog.Data(locale, key, data, count)
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
