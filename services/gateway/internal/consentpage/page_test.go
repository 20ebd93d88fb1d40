package consentpage

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/motesplats/motesplats/services/gateway/internal/consent"
)

// TestEveryTextRenders: every published text, in every language the
// page knows, renders with its language and direction, its title and
// version; a language the version lacks falls back to Swedish.
func TestEveryTextRenders(t *testing.T) {
	t.Parallel()
	p, err := New(consent.Texts(), nil)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	p.Register(mux)
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
				for _, want := range []string{`<html lang="` + shown + `" dir="` + consent.Dir(shown) + `">`, tx.Title, ">" + v + "<"} {
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
