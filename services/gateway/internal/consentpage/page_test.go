package consentpage

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/motesplats/motesplats/services/gateway/internal/assets"
	"github.com/motesplats/motesplats/services/gateway/internal/consent"
)

// TestEveryTextRenders: every published text, in every language the
// page knows, renders with its language and direction, its title and
// version; a language the version lacks falls back to Swedish.
func TestEveryTextRenders(t *testing.T) {
	t.Parallel()
	mux := pageMux(t)
	for _, purpose := range consent.Purposes {
		for _, v := range consent.Texts().Versions(purpose) {
			for _, lang := range consent.Languages {
				rec := httptest.NewRecorder()
				mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, consent.Path(purpose, v, lang), nil))
				shown := consent.Texts().ShownIn(purpose, v, lang)
				tx, _ := consent.Texts().Get(purpose, v, shown)
				body := rec.Body.String()
				if rec.Code != http.StatusOK {
					t.Errorf("%s: %d", consent.Path(purpose, v, lang), rec.Code)
					continue
				}
				for _, want := range []string{`<html lang="` + shown + `" dir="` + consent.Dir(shown) + `">`, tx.Title, ">" + v + "<",
					`href="` + assets.Static().URL("consent.css") + `"`} {
					if !strings.Contains(body, want) {
						t.Errorf("%s lacks %q", consent.Path(purpose, v, lang), want)
					}
				}
				if missing := strings.Contains(body, `class="missing"`); missing != (shown != lang) {
					t.Errorf("%s: fallback note shown %v, shown in %s", consent.Path(purpose, v, lang), missing, shown)
				}
			}
		}
	}
}

// TestNoPageForWhatIsNoLanguage: a code that is no language a consent can
// record ("xx", "zzz", "und") answered 200 with "Version 2026-12 av den
// här texten finns inte på xx" (the s24 outside round, ADR 0126); it is
// the not-found page now. A real language the version lacks ("de") still
// shows the Swedish text with the note, as a recorded consent may name it.
func TestNoPageForWhatIsNoLanguage(t *testing.T) {
	t.Parallel()
	mux := pageMux(t)
	m := consent.Purposes[0]
	v := consent.Texts().Current(m)
	for lang, want := range map[string]int{"xx": 404, "zzz": 404, "und": 404, "qaa": 404, "de": 200, "prs": 200, "kmr": 200} {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, consent.Path(m, v, lang), nil))
		if rec.Code != want {
			t.Errorf("%s: %d, want %d", consent.Path(m, v, lang), rec.Code, want)
		}
		if css := `href="` + assets.Static().URL("consent.css") + `"`; !strings.Contains(rec.Body.String(), css) {
			t.Errorf("%s: no %s", consent.Path(m, v, lang), css)
		}
		if want == 404 && strings.Contains(rec.Body.String(), lang) {
			t.Errorf("%s: the page repeats the code: %s", consent.Path(m, v, lang), rec.Body.String())
		}
	}
}

// pageMux serves the consent page over the published texts.
func pageMux(t *testing.T) *http.ServeMux {
	t.Helper()
	p, err := New(consent.Texts(), nil)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	p.Register(mux)
	return mux
}
