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

// TestNotFoundInTheAskedLanguage: the page for an address that names no
// text was Swedish and English at once whatever the browser asked (ADR
// 0166, Left). It is in one language now, negotiated as the other pages
// do (the language cookie, else Accept-Language among the texts'
// languages, else Swedish), with its direction, and nothing of another.
func TestNotFoundInTheAskedLanguage(t *testing.T) {
	t.Parallel()
	mux := pageMux(t)
	path := consent.Path(consent.Purposes[0], "1999-01", "sv")
	for _, c := range []struct {
		accept, cookie, lang, dir, want, not string
	}{
		{"", "", "sv", "ltr", "Samtyckestexten finns inte", "There is no"},
		{"en-GB,en;q=0.9", "", "en", "ltr", "There is no consent text at this address", "Samtyckestexten"},
		{"uk-UA,uk;q=0.9,en;q=0.5", "", "uk", "ltr", "Текст згоди не знайдено", "There is no"},
		{"ar", "", "ar", "rtl", "نص الموافقة غير موجود", "Samtyckestexten"},
		{"prs", "", "prs", "rtl", "این آدرس", "Samtyckestexten"},
		{"de-DE,de;q=0.9", "", "sv", "ltr", "Samtyckestexten finns inte", "There is no"},
		{"sv", "en", "en", "ltr", "There is no consent text", "Samtyckestexten"},
	} {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		if c.accept != "" {
			req.Header.Set("Accept-Language", c.accept)
		}
		if c.cookie != "" {
			req.AddCookie(&http.Cookie{Name: "mp_lang", Value: c.cookie})
		}
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		body := rec.Body.String()
		if rec.Code != http.StatusNotFound || !strings.Contains(body, `<html lang="`+c.lang+`" dir="`+c.dir+`">`) ||
			!strings.Contains(body, c.want) || strings.Contains(body, c.not) || rec.Header().Get("Content-Language") != c.lang {
			t.Errorf("Accept-Language %q, cookie %q: %d %q, want 404 in %s:\n%s", c.accept, c.cookie, rec.Code, rec.Header().Get("Content-Language"), c.lang, body)
		}
	}
}

// TestMethodNotAllowedInTheAskedLanguage: a text's address opened with
// another method than GET was the coordinators' 405 page, in Swedish or
// English (ADR 0173, Left). It is the consent page's own now, in the
// language negotiated as for its not-found page, among the eight a text
// is sent in, and not kept (ADR 0180).
func TestMethodNotAllowedInTheAskedLanguage(t *testing.T) {
	t.Parallel()
	p, err := New(consent.Texts(), nil)
	if err != nil {
		t.Fatal(err)
	}
	path := consent.Path(consent.Purposes[0], "2026-01", "ar")
	for _, c := range []struct {
		method, accept, cookie, lang, dir, want string
	}{
		{http.MethodPut, "", "", "sv", "ltr", "Sidan kan inte öppnas så"},
		{http.MethodPost, "en-GB,en;q=0.9", "", "en", "ltr", "The page cannot be opened that way"},
		{http.MethodDelete, "uk-UA,uk;q=0.9,en;q=0.5", "", "uk", "ltr", "Цю сторінку не можна відкрити так"},
		{"PROPFIND", "so", "", "so", "ltr", "Boggan sidaas looma furi karo"},
		{http.MethodPatch, "prs", "", "prs", "rtl", "لینک را از پیام در یک براوزر انترنت باز کنید."},
		{http.MethodTrace, "ti", "", "ti", "ltr", "እዚ ገጽ ብኸምዚ ክኽፈት ኣይክእልን"},
		{http.MethodPut, "sv", "ar", "ar", "rtl", "لا يمكن فتح الصفحة بهذه الطريقة"},
	} {
		req := httptest.NewRequest(c.method, path, strings.NewReader("a=b"))
		if c.accept != "" {
			req.Header.Set("Accept-Language", c.accept)
		}
		if c.cookie != "" {
			req.AddCookie(&http.Cookie{Name: "mp_lang", Value: c.cookie})
		}
		rec := httptest.NewRecorder()
		p.MethodNotAllowed().ServeHTTP(rec, req)
		body := rec.Body.String()
		if rec.Code != http.StatusMethodNotAllowed || !strings.Contains(body, `<html lang="`+c.lang+`" dir="`+c.dir+`">`) ||
			!strings.Contains(body, c.want) || rec.Header().Get("Content-Language") != c.lang || rec.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("%s, Accept-Language %q, cookie %q: %d %q %q, want 405 in %s, not kept:\n%s", c.method, c.accept, c.cookie, rec.Code,
				rec.Header().Get("Content-Language"), rec.Header().Get("Cache-Control"), c.lang, body)
		}
	}
}
