package server_test

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestAddressNotUTF8SaysAddress: a list's address with bytes that are no
// UTF-8 (a page token of the unseated page, %FF; a link pasted broken)
// answered "Formuläret innehöll text som inte är UTF-8. Skriv in den igen
// och skicka en gång till.": no form was sent, and nothing could be typed
// again (outside round s43). The address is named now, in Swedish and
// English; a form's field that is no UTF-8 keeps the form's words.
func TestAddressNotUTF8SaysAddress(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	b := e.browser()
	b.signIn(adminEmail, adminPass)
	for lang, want := range map[string][2]string{
		"sv": {"Adressen innehöll tecken som inte är UTF-8", "Formuläret innehöll text som inte är UTF-8"},
		"en": {"The address held characters that are not UTF-8", "The form held text that is not UTF-8"},
	} {
		if code, _ := b.post("/settings/locale", url.Values{"locale": {lang}}); code != http.StatusSeeOther {
			t.Fatalf("locale %s: %d", lang, code)
		}
		for _, path := range []string{"/participants?page_token=%FF", "/admin/audit?user_id=%FF%FE", "/matching?job=%C0"} {
			code, body := b.get(path)
			body = html.UnescapeString(body)
			if code != http.StatusBadRequest || !strings.Contains(body, want[0]) || strings.Contains(body, want[1]) {
				t.Errorf("%s, %s: %d, want 400 saying %q, not %q:\n%s", lang, path, code, want[0], want[1], trim(body))
			}
		}
		b.get("/admin/users")
		code, body := b.post("/admin/users", url.Values{"email": {"a\xff@example.org"}, "display_name": {"X"}, "role": {"admin"}, "password": {"lösenordlösenord"}})
		if body = html.UnescapeString(body); code != http.StatusBadRequest || !strings.Contains(body, want[1]) {
			t.Errorf("%s, a form's field: %d, want 400 saying %q:\n%s", lang, code, want[1], trim(body))
		}
	}
}
