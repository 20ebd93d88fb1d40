package web

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/apperr"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
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

// TestLanguageFieldRefusesUnknownNames: a name the app does not know
// ("klingonska") is refused on the languages field in words that send the
// coordinator to the list, not as "no ISO 639 code"; known names in any
// case and real codes are saved as codes.
func TestLanguageFieldRefusesUnknownNames(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want, bad string
	}{
		{"swedish names", "Arabiska, TIGRINJA", "ar,ti", ""},
		{"english name and code", "Somali, prs", "so,prs", ""},
		{"unknown name", "arabiska, klingonska", "", "klingonska"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := url.Values{"given_name": {"Amina"}, "languages": {tt.in}}
			pt := &participantsv1.Participant{}
			_, err := applyParticipantForm(pt, languageCodes("sv", f, nil), url.Values{}, false)
			if tt.bad == "" {
				if err != nil {
					t.Fatalf("apply: %v", err)
				}
				var got []string
				for _, l := range pt.GetLanguages() {
					got = append(got, l.GetCode())
				}
				if strings.Join(got, ",") != tt.want {
					t.Errorf("codes %v, want %s", got, tt.want)
				}
				return
			}
			vs := apperr.Violations(err)
			if len(vs) != 1 || vs[0].Field != "languages" {
				t.Fatalf("violations %+v, want one on languages", vs)
			}
			sv := translateMessage("sv", vs[0].Description)
			if !strings.Contains(sv, tt.bad) || !strings.Contains(sv, "välj ett språk ur listan") || strings.Contains(sv, "ISO") {
				t.Errorf("message %q: want it in Swedish, naming %q and pointing to the list", sv, tt.bad)
			}
		})
	}
	v := &volunteersv1.Volunteer{}
	_, err := applyVolunteerForm(v, languageCodes("sv", url.Values{"languages": {"klingonska"}}, nil), url.Values{}, false, "u1", time.Now())
	if vs := apperr.Violations(err); len(vs) != 1 || vs[0].Field != "languages" {
		t.Errorf("volunteer form: violations %+v, want one on languages", vs)
	}
}
