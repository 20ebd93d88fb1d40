package answer

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	notifyv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/notify/v1"
)

// TestAnswer_AWrongTokenWithARealNonce: a post to a link that is not one
// (a forged or mistyped token) with a real form's nonce of another link
// said "the page was too old", a page that link never showed (ADR 0166,
// Left). The link decides now, as its GET would: a token that names no
// link "does not work" (404), a used or expired link says so in its
// person's language; only a link still open says the page was too old.
// Whatever the nonce, the answer is the GET's, so a forged post learns
// nothing more. Nothing is answered.
func TestAnswer_AWrongTokenWithARealNonce(t *testing.T) {
	t.Parallel()
	states := map[string]notifyv1.LinkState{"used-link": notifyv1.LinkState_LINK_STATE_USED, "old-link": notifyv1.LinkState_LINK_STATE_EXPIRED}
	r := newRigWith(t, "ar", Limits{}, states)
	_, page := r.do("GET", "/a/"+goodToken, nil)
	real := nonceOf(t, page)
	for _, c := range []struct {
		token, nonce string
		code         int
		want         string
	}{
		{"tok_ABC-124", real, http.StatusNotFound, "The link does not work"},
		{"tok_ABC-124", "", http.StatusNotFound, "The link does not work"},
		{"used-link", real, http.StatusConflict, "Ви вже відповіли"},
		{"old-link", real, http.StatusGone, "Термін дії посилання минув"},
		{goodToken, (nonces{key: []byte("test key"), now: time.Now}).make("tok_ABC-124"), http.StatusForbidden, "الصفحة قديمة جدًا"},
	} {
		form := url.Values{"action": {"accept"}}
		if c.nonce != "" {
			form.Set("nonce", c.nonce)
		}
		res, page := r.do("POST", "/a/"+c.token, form, "Accept-Language", "en")
		get, getPage := r.do("GET", "/a/"+c.token, nil, "Accept-Language", "en")
		if res.StatusCode != c.code || !strings.Contains(page, c.want) {
			t.Errorf("%s with nonce %.8q: %d, want %d %q\n%s", c.token, c.nonce, res.StatusCode, c.code, c.want, page)
		}
		if c.code != http.StatusForbidden && (get.StatusCode != res.StatusCode || visible(getPage) != visible(page)) {
			t.Errorf("%s: the post's answer (%d) is not the GET's (%d)", c.token, res.StatusCode, get.StatusCode)
		}
	}
	if r.f.calls() != 0 {
		t.Fatalf("%d answers sent", r.f.calls())
	}
}

// visible is a page without its form's nonce, which differs per request.
func visible(page string) string { return nonceRe.ReplaceAllString(page, "") }

// TestAnswer_MethodNotAllowed: a method no answer route takes gets 405,
// "open the link in a web browser" in the browser's language, private,
// with nothing of the request repeated and nothing looked up.
func TestAnswer_MethodNotAllowed(t *testing.T) {
	t.Parallel()
	r := newRig(t, "sv", Limits{})
	looked := 0
	resolve := r.f.resolve
	r.f.resolve = func(in *notifyv1.ResolveLinkRequest) (*notifyv1.ResolveLinkResponse, error) {
		looked++
		return resolve(in)
	}
	h := r.p.MethodNotAllowed()
	for _, m := range []string{http.MethodPut, http.MethodDelete, http.MethodTrace, "PROPFIND"} {
		req := httptest.NewRequest(m, "/a/"+goodToken, strings.NewReader("echo-me"))
		req.Header.Set("Accept-Language", "uk")
		req.Header.Set("X-Echo", "echo-me")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		body := w.Body.String()
		if w.Code != http.StatusMethodNotAllowed || !strings.Contains(body, `lang="uk"`) || !strings.Contains(body, "Цю сторінку не можна відкрити так") ||
			strings.Contains(body, "echo-me") || w.Header().Get("Cache-Control") != "no-store" || w.Header().Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("%s: %d %v\n%s", m, w.Code, w.Header(), body)
		}
	}
	if looked != 0 {
		t.Errorf("%d look-ups for a method the page does not take", looked)
	}
}

// TestAnswer_ProgrammeDownSpeaksThePersonsLanguage: an offer read in
// Arabic and answered while the programme's service is down (notify up,
// the guides replicas killed under make up) said "Något gick fel" in the
// browser's language; it says "try again" in Arabic now, 503, with nothing
// of the error. With notify down too, the link's language is not known:
// the browser's language then. Nothing is answered twice by the page.
func TestAnswer_ProgrammeDownSpeaksThePersonsLanguage(t *testing.T) {
	t.Parallel()
	r := newRig(t, "ar", Limits{})
	r.f.answer = func(*notifyv1.AnswerRequest) (*notifyv1.AnswerResponse, error) {
		return nil, status.Error(codes.Unavailable, "guides: connection refused")
	}
	_, page := r.do("GET", "/a/"+goodToken, nil, "Accept-Language", "sv")
	form := url.Values{"action": {"accept"}, "nonce": {nonceOf(t, page)}}
	res, page := r.do("POST", "/a/"+goodToken, form, "Accept-Language", "sv")
	want := r.p.cat.text("ar", "state.unavailable_title", nil)
	if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(page, `lang="ar" dir="rtl"`) ||
		!strings.Contains(page, want) || strings.Contains(page, "connection refused") {
		t.Fatalf("answer while the programme is down: %d, want 503 in Arabic (%q)\n%s", res.StatusCode, want, page)
	}
	r.f.resolve = func(*notifyv1.ResolveLinkRequest) (*notifyv1.ResolveLinkResponse, error) {
		return nil, status.Error(codes.Unavailable, "notify: connection refused")
	}
	res, page = r.do("POST", "/a/"+goodToken, form, "Accept-Language", "sv")
	if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(page, `lang="sv"`) {
		t.Errorf("notify down as well: %d, want 503 in the browser's Swedish\n%s", res.StatusCode, page)
	}
}
