package cli

import (
	"errors"
	"strings"

	"github.com/motesplats/motesplats/services/gateway/internal/catalog"
)

// A coordinator typed `mp participants add -languages arabiska` and was
// told "ingen ISO 639-språkkod" (ADR 0168, Left), where the web form takes
// the names it shows. -languages takes the web form's names now, in
// Swedish or English and any case (catalog.LanguageByName: the same
// names), and codes as before; the services still get codes. A name no
// language has is refused at the flag with the names closest to it
// ("arabsika": arabiska (ar)), rather than sent on to be refused in words
// about codes (ADR 0173).

// languageCodes turns a -languages value into codes: each comma-separated
// entry a language's name (its code) or a code (two or three letters,
// lower-cased, for the service to judge).
func (e Env) languageCodes(value string) ([]string, error) {
	var out []string
	for _, entry := range splitCSV(value) {
		if c, ok := catalog.LanguageByName(entry); ok {
			out = append(out, c)
			continue
		}
		if isCode(entry) {
			out = append(out, strings.ToLower(entry))
			continue
		}
		msg := e.f("err.language_unknown", entry)
		if close := catalog.CloseLanguages(e.words().lang, entry, 3); len(close) > 0 {
			msg += " " + e.f("err.language_close", strings.Join(close, ", "))
		}
		return nil, errors.New(msg)
	}
	return out, nil
}

// isCode reports whether s has the shape of an ISO 639 code: two or
// three ASCII letters.
func isCode(s string) bool {
	if len(s) < 2 || len(s) > 3 {
		return false
	}
	for _, c := range s {
		if (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') {
			return false
		}
	}
	return true
}
