package web

import (
	"net/url"
	"testing"
)

// TestLanguageField: the languages field shows names in the page's
// language and takes names (Swedish or English, any case) or codes back
// as codes; a form saved as shown gives the codes it was made from, even
// for a language the pickers do not offer.
func TestLanguageField(t *testing.T) {
	t.Parallel()
	old := url.Values{"languages": {"prs, en, ku, kmr, nl"}}
	shown := languageNames("sv", old)
	if got, want := shown.Get("languages"), "dari, engelska, kurdiska, kurmanji (nordkurdiska), nederländska"; got != want {
		t.Errorf("shown %q, want %q", got, want)
	}
	if old.Get("languages") != "prs, en, ku, kmr, nl" {
		t.Errorf("languageNames changed its argument: %q", old.Get("languages"))
	}
	if got := languageCodes("sv", shown, old).Get("languages"); got != old.Get("languages") {
		t.Errorf("saved as shown: %q, want %q", got, old.Get("languages"))
	}
	tests := []struct{ locale, in, want string }{
		{"sv", "Arabiska, tigrinja", "ar, ti"},
		{"sv", "Arabic, ti, SO", "ar, ti, so"},
		{"en", "Dari, Pashto, Ukrainian", "prs, ps, uk"},
		{"sv", "klingonska", "klingonska"}, // not a name: left for the service to refuse
		{"sv", "", ""},
	}
	for _, tt := range tests {
		if got := languageCodes(tt.locale, url.Values{"languages": {tt.in}}, nil).Get("languages"); got != tt.want {
			t.Errorf("languageCodes(%s, %q) = %q, want %q", tt.locale, tt.in, got, tt.want)
		}
	}
	if f := languageCodes("sv", url.Values{"given_name": {"Amina"}}, nil); f.Has("languages") {
		t.Errorf("a form without the field got one: %v", f)
	}
}
