package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestUserFormGoesBackToItsPage: the e-mail change and the erasure of a
// user are forms on pages of their own (ADR 0201, 0207); sent after the
// session ended, signing in again opens that page, empty, as every other
// form's page does (ADR 0185). They went to the users list, where the
// admin had to find the user and open the form again (outside round s39,
// ADR 0219). Spärra and Aktivera are buttons on the list and go back to it.
func TestUserFormGoesBackToItsPage(t *testing.T) {
	w := &Web{}
	w.pages = pageMux(w.Routes())
	const pattern = "/admin/users/{id}/{action}"
	for _, tc := range []struct{ path, want string }{
		{"/admin/users/u-1/email", "/admin/users/u-1/email"},
		{"/admin/users/u-1/erase", "/admin/users/u-1/erase"},
		{"/admin/users/u-1/disable", "/admin/users"},
		{"/admin/users/u-1/enable", "/admin/users"},
		{"/admin/users/u-1/password", "/admin/users"}, // no such page: the list
	} {
		r := httptest.NewRequest(http.MethodPost, tc.path, strings.NewReader("csrf=x"))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		var got string
		m := http.NewServeMux()
		m.HandleFunc("POST "+pattern, func(_ http.ResponseWriter, r *http.Request) {
			got = w.signinAfter(r, Route{Method: http.MethodPost, Pattern: pattern}, nil)
		})
		m.ServeHTTP(httptest.NewRecorder(), r)
		if want := "/signin?expired=form&next=" + strings.ReplaceAll(tc.want, "/", "%2F"); got != want {
			t.Errorf("%s sent after the session: %q, want %q", tc.path, got, want)
		}
	}
}
