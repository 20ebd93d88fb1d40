package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"

	"github.com/motesplats/motesplats/services/gateway/internal/account"
)

// The session cookie and the CSRF checks every post passes through (wrap):
// a signed-in user's token is the session's; a visitor without a session
// (sign-in, setup) echoes a double-submit cookie.

func (w *Web) principal(r *http.Request) (account.Principal, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return account.Principal{}, err
	}
	return w.g.Accounts.Session(r.Context(), c.Value)
}

// preCSRF returns the double-submit token of a visitor without a session
// (sign-in, setup), setting its cookie when missing.
func (w *Web) preCSRF(rw http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(preCSRFCookie); err == nil && len(c.Value) == 43 {
		return c.Value
	}
	tok := randomToken()
	http.SetCookie(rw, &http.Cookie{Name: preCSRFCookie, Value: tok, Path: "/", HttpOnly: true, Secure: w.opts.SecureCookies, SameSite: http.SameSiteLaxMode})
	return tok
}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func (w *Web) csrfOK(r *http.Request, p *page) bool {
	got := r.Header.Get("X-CSRF-Token")
	if got == "" {
		got = r.PostForm.Get("csrf")
	}
	want := p.CSRF
	if p.User == nil {
		// Double submit: the form must echo the cookie already sent.
		c, err := r.Cookie(preCSRFCookie)
		if err != nil {
			return false
		}
		want = c.Value
	}
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}
