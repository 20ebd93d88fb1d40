package server_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/gateway/internal/answer"
)

// pubSweep is the public route sweep's state: the gateway, the people
// planted behind it and their answer links, and what every answer is held
// to.
type pubSweep struct {
	t       *testing.T
	e       *env
	addr    string
	mounted map[string]bool
	// personal is every planted person's data a page could show (given
	// names, e-mail addresses).
	personal []string
	// links are the planted offers by who holds them: A the visitor
	// whose offer must stay untouched, B another person, U one who has
	// answered, X one erased, C the one hostile bodies are posted to.
	links map[string]*link
	// headers are a signed-in page's security headers.
	headers map[string]string
	// issuer is the single sign-on provider's, where /signin/oidc sends
	// the browser.
	issuer string
	// swept are the method-and-path pairs the wrong-method cases sent.
	swept map[string]bool
	// oracle tells which methods a path is served for (allowOracle).
	oracle *http.ServeMux
	n      int
}

// link is one planted offer: its answer path and token, the pair, and
// the people in it.
type link struct {
	path, token, pair, lang string
	coord                   *apiClient
	person                  string
	names                   []string
}

// plant makes an offer to a newcomer reading lang, of an organisation of
// its own so one matching job pairs exactly these two.
func (s *pubSweep) plant(admin *apiClient, who, lang, newcomerName, mentorName string) *link {
	t := s.t
	org := s.e.createOrg("Förening "+who, "0880")
	coord := s.e.coordinator(admin, "coord-"+strings.ToLower(who)+"@example.org", org, "0880")
	mentor(t, coord, org, "0880", mentorName)
	person := reader(t, coord, org, "0880", newcomerName, lang)
	pair := proposal(t, coord)
	if _, err := coord.matching.ApprovePair(testutil.Context(t), connect.NewRequest(&gatewayv1.ApprovePairRequest{Id: pair.GetPair().GetId()})); err != nil {
		t.Fatalf("approve %s: %v", who, err)
	}
	path, _ := mailedLink(t, admin, person)
	l := &link{path: path, token: strings.TrimPrefix(path, "/a/"), pair: pair.GetPair().GetId(), lang: lang, coord: coord, person: person,
		names: []string{newcomerName, mentorName, strings.ToLower(newcomerName) + "@example.org"}}
	s.personal = append(s.personal, l.names...)
	return l
}

// TestPublicRouteSweep sends every public route (publicRoutes, in the
// order the gateway mounts them) hostile requests through a real gateway
// in front of the real services, notify and a single sign-on provider:
// methods it does not serve, HEAD, huge, non-UTF-8 and many-parameter
// queries, every route's own tricks (links of another person, of one who
// answered, one erased, one expired; path traversal on the assets;
// oversized, compressed and malformed forms; forms without or with a
// wrong CSRF token), and holds every answer to check's rules. The offers
// of the visitor (A) and another person (B) are unanswered afterwards.
func TestPublicRouteSweep(t *testing.T) {
	t.Parallel()
	clk := &clock{} // running: the expired links come last
	idp := newProvider(t)
	e := start(t, envOptions{notify: true, clock: clk, oidc: idp.config(), burst: 1 << 20,
		answerLimits: answer.Limits{AddrBurst: 1 << 20, AddrEvery: time.Millisecond, TokenBurst: 1 << 20, TokenEvery: time.Millisecond}})
	s := &pubSweep{t: t, e: e, addr: strings.TrimPrefix(e.base, "http://"), mounted: map[string]bool{}, links: map[string]*link{}, headers: map[string]string{},
		swept: map[string]bool{}, issuer: idp.config().Issuer, oracle: allowOracle(e.routes)}
	for _, p := range e.routes {
		s.mounted[p] = true
	}
	admin := e.login(adminEmail, adminPass)
	s.links["A"] = s.plant(admin, "A", "ar", "Aurelia", "Agnar")
	s.links["B"] = s.plant(admin, "B", "so", "Bodil", "Bertram")
	s.links["U"] = s.plant(admin, "U", "ar", "Ursula", "Ulfhild")
	s.links["X"] = s.plant(admin, "X", "so", "Xenia", "Xerxes")
	// C takes the hostile bodies: notify answers 20 look-ups of one link
	// a minute (notice.LinkAttempts), and each refused post looks the
	// link up for its language.
	s.links["C"] = s.plant(admin, "C", "ar", "Cordelia", "Cassius")

	// U answers; X is erased.
	v := visitor{t: t, base: e.base}
	_, page := v.do(http.MethodGet, s.links["U"].path, nil)
	nonce := answerNonceRe.FindStringSubmatch(page)
	if nonce == nil {
		t.Fatalf("no form on U's page:\n%s", trim(page))
	}
	if res, page := v.do(http.MethodPost, s.links["U"].path, url.Values{"nonce": {nonce[1]}, "action": {"accept"}}); res.StatusCode != http.StatusOK {
		t.Fatalf("U's answer: %d\n%s", res.StatusCode, trim(page))
	}
	x := s.links["X"]
	if _, err := x.coord.registry.EraseParticipant(testutil.Context(t), connect.NewRequest(&gatewayv1.EraseParticipantRequest{Id: x.person})); err != nil {
		t.Fatalf("erase X: %v", err)
	}
	// notify forgets X's link when the erasure's event reaches it.
	testutil.CheckFor(t, 20*time.Second, 100*time.Millisecond, func() error {
		if res, _ := v.do(http.MethodGet, x.path, nil); res.StatusCode == http.StatusOK {
			return fmt.Errorf("the erased newcomer's link still shows the offer")
		}
		return nil
	})

	s.signedInHeaders()

	routes := 0
	for _, p := range e.routes {
		cases, public := publicRoutes[p]
		if !public {
			continue
		}
		routes++
		method, pattern, _ := strings.Cut(p, " ")
		s.everyRoute(method, pattern)
		if cases != nil {
			cases(s, s.fill(pattern))
		}
	}
	if routes != len(publicRoutes) {
		t.Errorf("swept %d of the %d public routes", routes, len(publicRoutes))
	}
	s.untouched()

	// Expired: A's link, 40 days on, says so in A's language and takes
	// no answer.
	clk.Advance(40 * 24 * time.Hour)
	a := s.links["A"]
	s.check("A's link expired", hreq{method: http.MethodGet, target: a.path, lang: a.lang, want: []int{http.StatusGone}})
	s.check("A's link expired, answered", hreq{method: http.MethodPost, target: a.path, lang: a.lang, want: []int{http.StatusGone, http.StatusForbidden},
		header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, body: []byte("action=accept&nonce=" + s.nonce(a))})
	s.untouched()
	t.Logf("%d requests to %d public routes", s.n, routes)
	if s.n < 300 {
		t.Errorf("sent only %d requests", s.n)
	}
}

// signedInHeaders reads the signed-in dashboard's security headers into
// s.headers, which check holds every answer to.
func (s *pubSweep) signedInHeaders() {
	s.t.Helper()
	b := s.e.browser()
	b.signIn(adminEmail, adminPass)
	res, err := b.c.Get(s.e.base + "/")
	if err != nil {
		s.t.Fatal(err)
	}
	res.Body.Close()
	s.headers = map[string]string{}
	for _, h := range securityHeaders {
		if s.headers[h] = res.Header.Get(h); s.headers[h] == "" {
			s.t.Fatalf("the signed-in dashboard has no %s", h)
		}
	}
}

// untouched fails when A's, B's or C's offer was answered.
func (s *pubSweep) untouched() {
	s.t.Helper()
	admin := s.e.login(adminEmail, adminPass)
	for _, who := range []string{"A", "B", "C"} {
		p := pairOf(s.t, admin, s.links[who].pair).GetPair()
		if p.GetStatus() != eventsv1.PairStatus_PAIR_STATUS_OFFERED || p.GetNewcomerAcceptTime() != nil || p.GetDeclinedBy() != eventsv1.Party_PARTY_UNSPECIFIED {
			s.t.Errorf("%s's offer changed under the sweep: %v", who, p)
		}
	}
}

// nonce is the form nonce on l's page now ("" when it shows no form).
func (s *pubSweep) nonce(l *link) string {
	res := s.send(hreq{method: http.MethodGet, target: l.path})
	if m := answerNonceRe.FindStringSubmatch(res.body); m != nil {
		return m[1]
	}
	return ""
}

// answerLinks opens links that are not the visitor's own: another
// person's (shows that person's offer, nothing of A's), a used one, an
// erased person's, and ones that are no link at all.
func (s *pubSweep) answerLinks(string) {
	b, u, x := s.links["B"], s.links["U"], s.links["X"]
	s.check("another person's link", hreq{method: http.MethodGet, target: b.path, lang: b.lang, allow: b.names, want: []int{http.StatusOK}})
	s.check("a used link", hreq{method: http.MethodGet, target: u.path, lang: u.lang, want: []int{http.StatusConflict}})
	// Opened in a browser set to another language: still the person's
	// (ADR 0195).
	s.check("a used link, the browser in another language", hreq{method: http.MethodGet, target: u.path, lang: u.lang,
		accept: otherLang(u.lang), want: []int{http.StatusConflict}})
	s.check("another person's link, the browser in another language", hreq{method: http.MethodGet, target: b.path, lang: b.lang,
		accept: otherLang(b.lang), allow: b.names, want: []int{http.StatusOK}})
	s.check("an erased person's link", hreq{method: http.MethodGet, target: x.path, lang: "uk", want: []int{http.StatusNotFound, http.StatusGone}})
	for what, target := range s.notLinks() {
		s.check(what, hreq{method: http.MethodGet, target: target, lang: "uk", want: []int{http.StatusNotFound, http.StatusRequestHeaderFieldsTooLarge}})
	}
}

// notLinks are answer addresses that name no link.
func (s *pubSweep) notLinks() map[string]string {
	tok := s.links["A"].token
	return map[string]string{
		"an empty token":                  "/a/",
		"a 5,000-character token":         "/a/" + strings.Repeat("A", 5000),
		"a non-UTF-8 token":               "/a/%ff%fe%c0%80",
		"a NUL in the token":              "/a/" + tok + "%00",
		"a token with more path":          "/a/" + tok + "/x",
		"a token with a slash":            "/a/" + tok + "/",
		"an encoded slash":                "/a/..%2f..%2fstatic%2fapp.css",
		"a script":                        "/a/%3Cscript%3Ealert(1)%3C%2Fscript%3E",
		"half a token":                    "/a/" + tok[:len(tok)/2],
		"a flipped token":                 "/a/" + tok[:len(tok)-2] + flip(tok[len(tok)-2:]),
		"the last character's spare bits": "/a/" + spareBits(tok),
		"a backslash":                     "/a/" + tok + "%5c..%5c",
		"a token of 64 KiB":               "/a/" + strings.Repeat("A", 64<<10),
		"a double-encoded token":          "/a/%25" + tok,
		"a token in the query only":       "/a/?token=" + tok,
		"an encoded CRLF and header":      "/a/" + tok + "%0d%0aSet-Cookie:%20mp=1",
		"a 10 KB token":                   "/a/" + strings.Repeat(tok, 10<<10/len(tok)),
	}
}

// answerPosts answers where the visitor must change nothing: A's link
// with no nonce, a wrong one, B's nonce, hostile bodies; B's link with
// A's nonce; the used and erased links; addresses that are no link.
func (s *pubSweep) answerPosts(string) {
	a, b, u, x := s.links["A"], s.links["B"], s.links["U"], s.links["X"]
	form := func(v url.Values) (map[string]string, []byte) {
		return map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, []byte(v.Encode())
	}
	an, bn := s.nonce(a), s.nonce(b)
	if an == "" || bn == "" {
		s.t.Fatalf("no nonce on A's or B's page:\n%s\n%s", trim(s.send(hreq{method: http.MethodGet, target: a.path}).body),
			trim(s.send(hreq{method: http.MethodGet, target: b.path}).body))
	}
	for what, c := range map[string]struct {
		l    *link
		form url.Values
		want []int
	}{
		"A's link without a nonce":       {a, url.Values{"action": {"accept"}}, []int{http.StatusForbidden}},
		"A's link with a wrong nonce":    {a, url.Values{"action": {"accept"}, "nonce": {strings.Repeat("A", 43)}}, []int{http.StatusForbidden}},
		"A's link with B's nonce":        {a, url.Values{"action": {"decline"}, "reason": {"no_time"}, "nonce": {bn}}, []int{http.StatusForbidden}},
		"A's link with a 5,000-char one": {a, url.Values{"action": {"accept"}, "nonce": {strings.Repeat("A", 5000)}}, []int{http.StatusRequestEntityTooLarge}},
		"B's link with A's nonce":        {b, url.Values{"action": {"accept"}, "nonce": {an}}, []int{http.StatusForbidden}},
		"the used link with A's nonce":   {u, url.Values{"action": {"decline"}, "reason": {"no_time"}, "nonce": {an}}, []int{http.StatusConflict}},
		"the erased link with A's nonce": {x, url.Values{"action": {"accept"}, "nonce": {an}}, []int{http.StatusNotFound, http.StatusGone}},
	} {
		h, body := form(c.form)
		lang := c.l.lang
		if c.l == x {
			lang = "uk" // nobody's any more: the browser's language
		}
		s.check(what, hreq{method: http.MethodPost, target: c.l.path, header: h, body: body, lang: lang, want: c.want})
	}
	// A's own nonce with answers that say nothing the page offers: the
	// form again, and A's offer as it was.
	for what, v := range map[string]url.Values{
		"no action":               {},
		"an action in capitals":   {"action": {"ACCEPT"}},
		"a non-UTF-8 action":      {"action": {"\xff\xfe"}},
		"an unknown action":       {"action": {"delete"}},
		"a no without a reason":   {"action": {"decline"}},
		"a reason not offered":    {"action": {"decline"}, "reason": {"NO_TIME"}},
		"a reason of markup":      {"action": {"decline"}, "reason": {"<script>alert(1)</script>"}},
		"a no before a yes":       {"action": {"decline", "accept"}},
		"a non-UTF-8 reason":      {"action": {"decline"}, "reason": {"\xc0\x80"}},
		"another person's e-mail": {"action": {"decline"}, "reason": {"bodil@example.org"}},
	} {
		v.Set("nonce", an)
		h, body := form(v)
		s.check("A's link, "+what, hreq{method: http.MethodPost, target: a.path, header: h, body: body, lang: a.lang, allow: a.names,
			want: []int{http.StatusUnprocessableEntity}})
	}
	for what, target := range s.notLinks() {
		h, body := form(url.Values{"action": {"accept"}, "nonce": {an}})
		// A's real nonce on an address that is no link: "the link does not
		// work", as its GET says, not "the page was too old" (ADR 0173).
		s.check(what, hreq{method: http.MethodPost, target: target, header: h, body: body, lang: "uk",
			want: []int{http.StatusNotFound, http.StatusRequestHeaderFieldsTooLarge}})
	}
	c := s.links["C"]
	s.hostileBodies(c.path, c.lang, nil, false)
}

// assetPaths tries to leave the static files' folder: dot segments plain,
// encoded, double-encoded, with backslashes and NULs. None may serve
// anything but a static file.
func (s *pubSweep) assetPaths(string) {
	for _, target := range []string{
		"/static/../x", "/static/../../etc/passwd", "/static/%2e%2e/%2e%2e/etc/passwd", "/static/%2e%2e%2fserver.go",
		"/static/%252e%252e/%252e%252e/etc/passwd", "/static/..%5c..%5cetc%5cpasswd", "/static/..\\..\\etc\\passwd",
		"/static/app.css%00.html", "/static/%00", "/static/./app.css", "/static//app.css", "/static/APP.CSS", "/static/app.css/",
		"/static/", "/static", "/static/" + strings.Repeat("a/", 2500), "/static/%ff%fe", "/static/.git/config", "/static/assets.go",
	} {
		res := s.check("a path out of the assets", hreq{method: http.MethodGet, target: target, lang: "en"})
		if res.code == http.StatusOK && !strings.HasPrefix(res.header.Get("Content-Type"), "text/css") && !strings.HasPrefix(res.header.Get("Content-Type"), "text/javascript") {
			s.t.Errorf("GET %.80s: 200 %s, not a static file", target, res.header.Get("Content-Type"))
		}
		if strings.Contains(res.body, "package ") || strings.Contains(res.body, "root:") || strings.Contains(res.body, "<pre>") {
			s.t.Errorf("GET %.80s: a listing or a file from outside the assets:\n%s", target, trim(res.body))
		}
	}
	// A NUL as it is, not encoded: net/http refuses the request line
	// before any handler.
	s.check("a raw NUL", hreq{method: http.MethodGet, target: "/static/\x00app.css", want: []int{http.StatusBadRequest}, netHTTP: true})
}

// consentPaths asks for consent texts that do not exist.
func (s *pubSweep) consentPaths(string) {
	for _, target := range []string{
		"/consent/mentoring/2026-01/xx", "/consent/mentoring/1999-01/sv", "/consent/nothing/2026-01/sv",
		"/consent/mentoring/2026-01/" + strings.Repeat("a", 5000), "/consent/mentoring/2026-01/%ff%fe", "/consent/mentoring/..%2f..%2fx/sv",
		"/consent/%2e%2e/2026-01/sv", "/consent/mentoring/2026-01/sv%00", "/consent/mentoring/2026-01/..%5c..%5cx",
		"/consent/mentoring/%252e%252e/sv", "/consent/mentoring/2026-01/sv/x",
	} {
		// A dot segment the mux cleans away is a redirect to the clean
		// path, on this host (check holds the Location).
		// The not-found page is in the browser's language (ADR 0173).
		s.check("a consent text that is not", hreq{method: http.MethodGet, target: target, lang: "en", want: []int{http.StatusNotFound, http.StatusMovedPermanently}})
	}
	s.check("a consent text that is not, asked in Somali", hreq{method: http.MethodGet, target: "/consent/nothing/2026-01/sv", lang: "so", want: []int{http.StatusNotFound}})
}

// formPosts posts path the form fields with a missing and a wrong CSRF
// token (403), and with each field hostile under a valid one, then the
// hostile bodies.
func (s *pubSweep) formPosts(path string, fields ...string) {
	h := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	v := url.Values{}
	for _, f := range fields {
		v.Set(f, "x")
	}
	s.check("no CSRF token", hreq{method: http.MethodPost, target: path, header: h, body: []byte(v.Encode()), lang: "en", want: []int{http.StatusForbidden}})
	v.Set("csrf", strings.Repeat("B", 43))
	hc := map[string]string{"Content-Type": h["Content-Type"], "Cookie": "mp_csrf=" + preCSRF}
	s.check("a wrong CSRF token", hreq{method: http.MethodPost, target: path, header: hc, body: []byte(v.Encode()), lang: "en", want: []int{http.StatusForbidden}})
	s.check("a CSRF cookie without the field", hreq{method: http.MethodPost, target: path, header: hc, body: []byte("x=1"), lang: "en", want: []int{http.StatusForbidden}})
	for _, f := range fields {
		for what, val := range map[string]string{"5,000 characters": strings.Repeat("a", 5000), "not UTF-8": "\xff\xfe", "a NUL": "a\x00b",
			"markup": `"><script>alert(1)</script>`, "another person's e-mail": "aurelia@example.org", "empty": ""} {
			v := url.Values{"csrf": {preCSRF}}
			for _, g := range fields {
				v.Set(g, "x")
			}
			v.Set(f, val)
			s.check(f+": "+what, hreq{method: http.MethodPost, target: path, header: hc, body: []byte(v.Encode()), lang: "en", allow: []string{"aurelia@example.org"}})
		}
	}
	s.hostileBodies(path, "en", nil, true)
}

func (s *pubSweep) signinPosts(path string) { s.formPosts(path, "email", "password") }

func (s *pubSweep) setupPosts(path string) {
	s.formPosts(path, "token", "email", "display_name", "password")
}

func (s *pubSweep) localePosts(path string) { s.formPosts(path, "locale") }

// setupLinks opens the first-run page with setup tokens that are not the
// one (the gateway has its admin: none is).
func (s *pubSweep) setupLinks(path string) {
	for what, q := range map[string]string{"no token": "", "a wrong token": "?token=" + strings.Repeat("A", 43), "a 5,000-character token": "?token=" + strings.Repeat("A", 5000),
		"a non-UTF-8 token": "?token=%ff%fe", "two tokens": "?token=a&token=b", "a NUL": "?token=%00"} {
		s.check(what, hreq{method: http.MethodGet, target: path + q, lang: "en", want: []int{http.StatusNotFound, http.StatusBadRequest}})
	}
}

// oidcCallbacks come back from the provider with states and codes that
// are not the sign-in's: no state cookie, a forged one, hostile values.
func (s *pubSweep) oidcCallbacks(path string) {
	for what, c := range map[string]struct{ q, cookie string }{
		"no state cookie":            {"?state=x&code=y", ""},
		"a forged state cookie":      {"?state=x&code=y", "mp_oidc=" + strings.Repeat("A", 200)},
		"a 5,000-character state":    {"?state=" + strings.Repeat("a", 5000) + "&code=y", "mp_oidc=x"},
		"a non-UTF-8 code":           {"?state=x&code=%ff%fe", "mp_oidc=x"},
		"an error from the provider": {"?error=access_denied&error_description=%3Cscript%3E", ""},
		"nothing":                    {"", ""},
	} {
		h := map[string]string{}
		if c.cookie != "" {
			h["Cookie"] = c.cookie
		}
		s.check(what, hreq{method: http.MethodGet, target: path + c.q, header: h, lang: "en", want: []int{http.StatusUnauthorized, http.StatusBadRequest}})
	}
}

// spareBits is tok with its last character's lowest bit changed: in 43
// base64 characters of 32 bytes, a bit that carries no data, so a
// lenient decoder reads the same link (ADR 0195).
func spareBits(tok string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	i := strings.IndexByte(alphabet, tok[len(tok)-1])
	return tok[:len(tok)-1] + string(alphabet[i^1])
}

// otherLang is a language of the answer page that is not lang.
func otherLang(lang string) string {
	if lang == "uk" {
		return "so"
	}
	return "uk"
}
