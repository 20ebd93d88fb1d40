package web

import (
	"net/url"
	"slices"
	"strings"
)

// The registers' "languages spoken" field is a line of text. It shows the
// languages by name in the page's language ("arabiska, engelska") and
// takes names, in Swedish or English, or ISO codes ("ar, en"), so a
// coordinator need not know that Dari is prs. The form is compared and
// saved in codes: languageCodes turns a posted line back into them, so a
// form saved unchanged changes nothing.

// languageNames returns f with its "languages" codes written as names in
// locale, for showing the form.
func languageNames(locale string, f url.Values) url.Values {
	codes := splitList(f.Get("languages"))
	if len(codes) == 0 {
		return f
	}
	names := make([]string, len(codes))
	for i, c := range codes {
		names[i] = langName(locale, c)
	}
	out := cloneValues(f)
	out.Set("languages", strings.Join(names, ", "))
	return out
}

// languageCodes returns a copy of the posted form f with its "languages"
// written as codes: each entry that is the name of a language the pickers
// offer, or of one in old (the record's own languages), in locale,
// Swedish or English (case ignored) becomes its code; anything else is
// taken as a code, for the service to check.
func languageCodes(locale string, f, old url.Values) url.Values {
	if _, ok := f["languages"]; !ok {
		return f
	}
	known := slices.Concat(pickerLanguages, splitList(old.Get("languages")))
	byName := map[string]string{}
	for _, l := range []string{"en", "sv", locale} {
		for _, c := range known {
			byName[strings.ToLower(langName(l, c))] = c
		}
	}
	entries := splitList(f.Get("languages"))
	for i, e := range entries {
		if c, ok := byName[e]; ok {
			entries[i] = c
		}
	}
	out := cloneValues(f)
	out.Set("languages", strings.Join(entries, ", "))
	return out
}
