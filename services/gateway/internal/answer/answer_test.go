package answer

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	notifyv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/notify/v1"
	"github.com/motesplats/motesplats/services/gateway/internal/assets"
)

// fakeAnswers is a function-field fake of the notify service's
// AnswerService; the server tests run the real one.
type fakeAnswers struct {
	mu      sync.Mutex
	resolve func(*notifyv1.ResolveLinkRequest) (*notifyv1.ResolveLinkResponse, error)
	answer  func(*notifyv1.AnswerRequest) (*notifyv1.AnswerResponse, error)
	answers []*notifyv1.AnswerRequest
}

var _ notifyv1.AnswerServiceClient = (*fakeAnswers)(nil)

func (f *fakeAnswers) ResolveLink(_ context.Context, in *notifyv1.ResolveLinkRequest, _ ...grpc.CallOption) (*notifyv1.ResolveLinkResponse, error) {
	return f.resolve(in)
}

func (f *fakeAnswers) Answer(_ context.Context, in *notifyv1.AnswerRequest, _ ...grpc.CallOption) (*notifyv1.AnswerResponse, error) {
	f.mu.Lock()
	f.answers = append(f.answers, in)
	f.mu.Unlock()
	return f.answer(in)
}

func (f *fakeAnswers) calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.answers)
}

const goodToken = "tok_ABC-123"

// offer is a valid mentor offer in lang, with every action.
func offer(lang string) *notifyv1.ResolveLinkResponse {
	d := notifyv1.Direction_DIRECTION_LTR
	if rtl[lang] {
		d = notifyv1.Direction_DIRECTION_RTL
	}
	res := &notifyv1.ResolveLinkResponse{State: notifyv1.LinkState_LINK_STATE_VALID, Language: lang, Direction: d,
		Offer: &notifyv1.Offer{Programme: notifyv1.Programme_PROGRAMME_MENTORING, Role: notifyv1.Role_ROLE_NEWCOMER,
			Template: notifyv1.Template_TEMPLATE_MENTOR_OFFER, CounterpartFirstName: "Erik", Summary: "SUMMARY-" + lang,
			AnswerBy: timestamppb.New(time.Date(2026, 12, 10, 17, 0, 0, 0, time.UTC))},
		Actions:          []notifyv1.AnswerAction{notifyv1.AnswerAction_ANSWER_ACTION_ACCEPT, notifyv1.AnswerAction_ANSWER_ACTION_DECLINE},
		DeclineReasons:   []notifyv1.DeclineReason{notifyv1.DeclineReason_DECLINE_REASON_NO_TIME, notifyv1.DeclineReason_DECLINE_REASON_OTHER},
		LanguageReviewed: lang == "sv" || lang == "en"}
	if !res.GetLanguageReviewed() {
		res.Offer.SummarySv = "SUMMARY-sv"
	}
	return res
}

type rig struct {
	t    *testing.T
	f    *fakeAnswers
	srv  *httptest.Server
	lang string
	p    *Page
}

func newRig(t *testing.T, lang string, limits Limits) *rig {
	t.Helper()
	return newRigWith(t, lang, limits, nil)
}

// newRigWith is newRig whose notify says states[token] of the tokens in
// states (in Ukrainian), before the server starts.
func newRigWith(t *testing.T, lang string, limits Limits, states map[string]notifyv1.LinkState) *rig {
	t.Helper()
	f := &fakeAnswers{
		resolve: func(in *notifyv1.ResolveLinkRequest) (*notifyv1.ResolveLinkResponse, error) {
			if st, ok := states[in.GetToken()]; ok {
				return &notifyv1.ResolveLinkResponse{State: st, Language: "uk"}, nil
			}
			if in.GetToken() != goodToken {
				return &notifyv1.ResolveLinkResponse{State: notifyv1.LinkState_LINK_STATE_INVALID}, nil
			}
			return offer(lang), nil
		},
		answer: func(in *notifyv1.AnswerRequest) (*notifyv1.AnswerResponse, error) {
			out := notifyv1.AnswerOutcome_ANSWER_OUTCOME_ACCEPTED
			if in.GetAction() != notifyv1.AnswerAction_ANSWER_ACTION_ACCEPT {
				out = notifyv1.AnswerOutcome_ANSWER_OUTCOME_DECLINED
			}
			return &notifyv1.AnswerResponse{Outcome: out, State: notifyv1.LinkState_LINK_STATE_USED, Language: lang}, nil
		},
	}
	p, err := New(Options{Answers: f, Locales: testLocales, Key: []byte("test key"), Limits: limits,
		RemoteAddr: func(r *http.Request) string { return r.RemoteAddr }})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	p.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &rig{t: t, f: f, srv: srv, lang: lang, p: p}
}

func (r *rig) do(method, path string, form url.Values, hdr ...string) (*http.Response, string) {
	r.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, r.srv.URL+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

var nonceRe = regexp.MustCompile(`name="nonce" value="([^"]+)"`)

func nonceOf(t *testing.T, page string) string {
	t.Helper()
	m := nonceRe.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no nonce on the page:\n%s", page)
	}
	return m[1]
}

func TestShow_OfferInThePersonsLanguage(t *testing.T) {
	t.Parallel()
	r := newRig(t, "ar", Limits{})
	res, page := r.do("GET", "/a/"+goodToken, nil, "Accept-Language", "sv")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d:\n%s", res.StatusCode, page)
	}
	for _, want := range []string{`lang="ar" dir="rtl"`, "SUMMARY-ar", "مرشد لك", "نعم، أرغب في ذلك", `name="reason" value="no_time"`,
		"ليس لدي وقت الآن", `lang="sv" dir="ltr"`, "SUMMARY-sv", "2026-12-10 18:00",
		// The style sheet at the address that changes with it (ADR 0135).
		`href="` + assets.Static().URL("answer.css") + `"`} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(page, "<script") {
		t.Error("the page has a script; it must work without one")
	}
	if got := res.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control %q", got)
	}
	if got := res.Header.Get("Referrer-Policy"); got != "no-referrer" {
		t.Errorf("Referrer-Policy %q", got)
	}
	if strings.Contains(page, goodToken) {
		t.Error("the page repeats the token (forms post to their own address)")
	}
}

func TestShow_SwedishReviewedHasNoSecondText(t *testing.T) {
	t.Parallel()
	r := newRig(t, "sv", Limits{})
	_, page := r.do("GET", "/a/"+goodToken, nil)
	if !strings.Contains(page, `lang="sv" dir="ltr"`) || !strings.Contains(page, "En mentor för dig") || strings.Contains(page, "SUMMARY-sv\n") {
		t.Fatalf("Swedish page:\n%s", page)
	}
	if strings.Contains(page, "På svenska") {
		t.Error("a reviewed language shows the Swedish copy")
	}
}

func TestShow_TamperedLinkSpeaksTheBrowsersLanguage(t *testing.T) {
	t.Parallel()
	r := newRig(t, "sv", Limits{})
	for _, tc := range []struct{ path, accept, want string }{
		{"/a/tampered" + goodToken, "ar", "الرابط لا يعمل"},
		{"/a/tampered", "de", "Länken fungerar inte"},
		{"/a/" + strings.Repeat("x", 201), "en", "The link does not work"},
		{"/a/%3Cscript%3E", "uk", "Посилання не працює"},
	} {
		res, page := r.do("GET", tc.path, nil, "Accept-Language", tc.accept)
		if res.StatusCode != http.StatusNotFound || !strings.Contains(page, tc.want) {
			t.Errorf("%s (%s): %d, want 404 with %q", tc.path[:12], tc.accept, res.StatusCode, tc.want)
		}
	}
	if r.f.calls() != 0 {
		t.Errorf("%d answers sent", r.f.calls())
	}
}

func TestShow_States(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		state notifyv1.LinkState
		code  int
		want  string
	}{
		{notifyv1.LinkState_LINK_STATE_EXPIRED, http.StatusGone, "Термін дії посилання минув"},
		{notifyv1.LinkState_LINK_STATE_USED, http.StatusConflict, "Ви вже відповіли"},
		{notifyv1.LinkState_LINK_STATE_WITHDRAWN, http.StatusGone, "Пропозиція більше не діє"},
	} {
		r := newRig(t, "uk", Limits{})
		r.f.resolve = func(*notifyv1.ResolveLinkRequest) (*notifyv1.ResolveLinkResponse, error) {
			return &notifyv1.ResolveLinkResponse{State: tc.state, Language: "uk"}, nil
		}
		res, page := r.do("GET", "/a/"+goodToken, nil, "Accept-Language", "sv")
		if res.StatusCode != tc.code || !strings.Contains(page, tc.want) || strings.Contains(page, "<form") {
			t.Errorf("%v: %d, want %d with %q and no form", tc.state, res.StatusCode, tc.code, tc.want)
		}
	}
}

func TestAnswer_AcceptWithoutJavaScript(t *testing.T) {
	t.Parallel()
	r := newRig(t, "so", Limits{})
	_, page := r.do("GET", "/a/"+goodToken, nil)
	res, page := r.do("POST", "/a/"+goodToken, url.Values{"nonce": {nonceOf(t, page)}, "action": {"accept"}})
	if res.StatusCode != http.StatusOK || !strings.Contains(page, "Waad ku mahadsan tahay inaad haa tidhi!") {
		t.Fatalf("accept: %d\n%s", res.StatusCode, page)
	}
	if r.f.calls() != 1 || r.f.answers[0].GetAction() != notifyv1.AnswerAction_ANSWER_ACTION_ACCEPT || r.f.answers[0].GetToken() != goodToken {
		t.Fatalf("answers sent: %v", r.f.answers)
	}
	if res.Header.Get("Cache-Control") != "no-store" {
		t.Error("the outcome page may be cached")
	}
}

func TestAnswer_DeclineNeedsAReason(t *testing.T) {
	t.Parallel()
	r := newRig(t, "en", Limits{})
	_, page := r.do("GET", "/a/"+goodToken, nil)
	nonce := nonceOf(t, page)
	res, page := r.do("POST", "/a/"+goodToken, url.Values{"nonce": {nonce}, "action": {"decline"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "Choose an answer from the list") {
		t.Fatalf("decline without reason: %d\n%s", res.StatusCode, page)
	}
	res, page = r.do("POST", "/a/"+goodToken, url.Values{"nonce": {nonce}, "action": {"decline"}, "reason": {"no_time"}})
	if res.StatusCode != http.StatusOK || !strings.Contains(page, "Thank you for your answer") {
		t.Fatalf("decline: %d\n%s", res.StatusCode, page)
	}
	if r.f.calls() != 1 || r.f.answers[0].GetReason() != notifyv1.DeclineReason_DECLINE_REASON_NO_TIME {
		t.Fatalf("answers sent: %v", r.f.answers)
	}
}

func TestAnswer_RefusesAForgedForm(t *testing.T) {
	t.Parallel()
	r := newRig(t, "sv", Limits{})
	other := (nonces{key: []byte("test key"), now: time.Now}).make("another-link")
	for name, form := range map[string]url.Values{
		"no nonce":        {"action": {"accept"}},
		"another's nonce": {"action": {"accept"}, "nonce": {other}},
		"another key":     {"action": {"accept"}, "nonce": {(nonces{key: []byte("x"), now: time.Now}).make(goodToken)}},
		"unknown action":  {"action": {"maybe"}, "nonce": {"bad"}},
		"no form at all":  {},
	} {
		res, page := r.do("POST", "/a/"+goodToken, form)
		if res.StatusCode != http.StatusForbidden || !strings.Contains(page, "Sidan var för gammal") {
			t.Errorf("%s: %d\n%s", name, res.StatusCode, page)
		}
	}
	if r.f.calls() != 0 {
		t.Fatalf("%d answers sent for forged forms", r.f.calls())
	}
}

func TestAnswer_RateLimitedPerLink(t *testing.T) {
	t.Parallel()
	r := newRig(t, "sv", Limits{AddrBurst: 100, AddrEvery: time.Hour, TokenBurst: 2, TokenEvery: time.Hour})
	for i := range 2 {
		if res, _ := r.do("GET", "/a/"+goodToken, nil); res.StatusCode != http.StatusOK {
			t.Fatalf("try %d: %d", i+1, res.StatusCode)
		}
	}
	res, page := r.do("POST", "/a/"+goodToken, url.Values{"action": {"accept"}})
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" || !strings.Contains(page, "För många försök") {
		t.Fatalf("third try: %d %q\n%s", res.StatusCode, res.Header.Get("Retry-After"), page)
	}
	if r.f.calls() != 0 {
		t.Fatal("a rate-limited post was answered")
	}
	if res, _ := r.do("GET", "/a/other-link", nil); res.StatusCode == http.StatusTooManyRequests {
		t.Error("another link is limited too")
	}
}

func TestAnswer_ServiceDownShowsNoInternals(t *testing.T) {
	t.Parallel()
	r := newRig(t, "sv", Limits{})
	r.f.resolve = func(*notifyv1.ResolveLinkRequest) (*notifyv1.ResolveLinkResponse, error) {
		return nil, status.Error(codes.Unavailable, "dial tcp 127.0.0.1:7006: connection refused")
	}
	res, page := r.do("GET", "/a/"+goodToken, nil)
	if res.StatusCode != http.StatusServiceUnavailable || strings.Contains(page, "dial tcp") || !strings.Contains(page, "Ingenting har ändrats") {
		t.Fatalf("%d\n%s", res.StatusCode, page)
	}
	r.f.resolve = func(*notifyv1.ResolveLinkRequest) (*notifyv1.ResolveLinkResponse, error) {
		return nil, status.Error(codes.ResourceExhausted, "slow down")
	}
	if res, _ := r.do("GET", "/a/"+goodToken, nil); res.StatusCode != http.StatusTooManyRequests {
		t.Errorf("notify's own limit: %d, want 429", res.StatusCode)
	}
}

// TestUnconfigured: a gateway without notify (no NOTIFY_ADDR) answers
// every link, GET or POST, with a 503 page in the answer pages' style: the
// browser's language first (Swedish when it says nothing we speak), then
// Swedish and English, each marked with its language; not Go's plain
// English "404 page not found", and uncached, unindexed, no referrer.
func TestUnconfigured(t *testing.T) {
	t.Parallel()
	p, err := New(Options{Locales: testLocales})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	p.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	r := &rig{t: t, srv: srv}
	for _, tc := range []struct {
		name, method, accept, lang, dir string
		also                            []string
	}{
		{"no language", "GET", "", "sv", "ltr", []string{"en"}},
		{"Swedish browser", "GET", "sv-SE,sv;q=0.9", "sv", "ltr", []string{"en"}},
		{"English browser", "POST", "en-GB", "en", "ltr", []string{"sv"}},
		{"Arabic browser", "GET", "ar", "ar", "rtl", []string{"sv", "en"}},
		{"a language we do not speak", "GET", "ja", "sv", "ltr", []string{"en"}},
	} {
		var form url.Values
		if tc.method == "POST" {
			form = url.Values{"action": {"accept"}, "nonce": {"x"}}
		}
		res, page := r.do(tc.method, "/a/"+goodToken, form, "Accept-Language", tc.accept)
		if res.StatusCode != http.StatusServiceUnavailable || strings.Contains(page, "page not found") {
			t.Errorf("%s: %d\n%s", tc.name, res.StatusCode, page)
			continue
		}
		if !strings.Contains(page, `<html lang="`+tc.lang+`" dir="`+tc.dir+`">`) {
			t.Errorf("%s: not a %s page:\n%s", tc.name, tc.lang, page)
		}
		title := func(l string) string { return html.EscapeString(p.cat.text(l, "state.unavailable_title", nil)) }
		if !strings.Contains(page, "<h1>"+title(tc.lang)+"</h1>") {
			t.Errorf("%s: no %s heading:\n%s", tc.name, tc.lang, page)
		}
		for _, l := range tc.also {
			if !strings.Contains(page, `<section class="also" lang="`+l+`" dir="ltr"`) || !strings.Contains(page, title(l)) {
				t.Errorf("%s: no %s part:\n%s", tc.name, l, page)
			}
		}
		if strings.Count(page, `class="also"`) != len(tc.also) {
			t.Errorf("%s: %d extra parts, want %v", tc.name, strings.Count(page, `class="also"`), tc.also)
		}
		if res.Header.Get("Cache-Control") != "no-store" || res.Header.Get("Referrer-Policy") != "no-referrer" ||
			!strings.Contains(res.Header.Get("X-Robots-Tag"), "noindex") {
			t.Errorf("%s: headers %v", tc.name, res.Header)
		}
		if strings.Contains(page, goodToken) {
			t.Errorf("%s: the page repeats the token", tc.name)
		}
	}
	if _, err := New(Options{Locales: testLocales, Answers: &fakeAnswers{}}); err == nil {
		t.Error("New with Answers but no Key succeeded")
	}
}

func TestAnswer_CannotCome(t *testing.T) {
	t.Parallel()
	r := newRig(t, "ti", Limits{})
	r.f.resolve = func(*notifyv1.ResolveLinkRequest) (*notifyv1.ResolveLinkResponse, error) {
		res := offer("ti")
		res.Offer.Template = notifyv1.Template_TEMPLATE_DINNER_CONFIRMED
		res.Actions = []notifyv1.AnswerAction{notifyv1.AnswerAction_ANSWER_ACTION_CANNOT_COME}
		res.DeclineReasons = nil
		return res, nil
	}
	_, page := r.do("GET", "/a/"+goodToken, nil)
	if strings.Contains(page, `value="accept"`) || strings.Contains(page, `value="decline"`) || !strings.Contains(page, "ክመጽእ ኣይክእልን እየ") {
		t.Fatalf("a confirmed dinner offers only 'I cannot come':\n%s", page)
	}
	// Both said yes: the page is headed as the message was ("the dinner
	// is on"), not as an invitation, and asks for no answer by a date
	// (it said "answer by" the dinner's start; outside round s25).
	if !strings.Contains(page, "<h1>ድራር ክኸውን እዩ</h1>") || strings.Contains(page, `class="answer-by"`) {
		t.Errorf("a confirmed dinner's page: want the heading \"the dinner is on\" and no answer-by line:\n%s", page)
	}
	res, page := r.do("POST", "/a/"+goodToken, url.Values{"nonce": {nonceOf(t, page)}, "action": {"cannot_come"}})
	if res.StatusCode != http.StatusOK || !strings.Contains(page, "ስለ ዝሓበርኩምና የቐንየልና") {
		t.Fatalf("cannot come: %d\n%s", res.StatusCode, page)
	}
	if r.f.calls() != 1 || r.f.answers[0].GetAction() != notifyv1.AnswerAction_ANSWER_ACTION_CANNOT_COME {
		t.Fatalf("answers sent: %v", r.f.answers)
	}
}

// BenchmarkShowOffer renders the offer page (limits, the notify call
// faked, the nonce, the template); BenchmarkStaticBaseline serves the
// page's stylesheet-sized static file through net/http in the same run,
// the floor any page costs. The page must stay within 20 times it.
func BenchmarkShowOffer(b *testing.B) {
	f := &fakeAnswers{resolve: func(*notifyv1.ResolveLinkRequest) (*notifyv1.ResolveLinkResponse, error) { return offer("ar"), nil }}
	p, err := New(Options{Answers: f, Locales: testLocales, Key: []byte("k"),
		Limits:     Limits{AddrBurst: 1 << 30, AddrEvery: time.Nanosecond, TokenBurst: 1 << 30, TokenEvery: time.Nanosecond},
		RemoteAddr: func(*http.Request) string { return "192.0.2.1" }})
	if err != nil {
		b.Fatal(err)
	}
	mux := http.NewServeMux()
	p.Register(mux)
	req := httptest.NewRequest("GET", "/a/"+goodToken, nil)
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatal(w.Code)
		}
	}
}

func BenchmarkStaticBaseline(b *testing.B) {
	h := http.FileServerFS(testLocales)
	req := httptest.NewRequest("GET", "/locales/answer.ar.toml", nil)
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatal(w.Code)
		}
	}
}

// TestAnswer_StaleFormInThePersonsLanguage: an offer read in Arabic and
// answered after its form's nonce ran out says the page was too old in
// Arabic, the language the offer was read in, though the browser asks
// for Swedish; it was shown in the browser's language. Nothing is
// answered.
func TestAnswer_StaleFormInThePersonsLanguage(t *testing.T) {
	t.Parallel()
	r := newRig(t, "ar", Limits{})
	old := (nonces{key: []byte("test key"), now: func() time.Time { return time.Now().Add(-nonceTTL - time.Minute) }}).make(goodToken)
	res, page := r.do("POST", "/a/"+goodToken, url.Values{"action": {"accept"}, "nonce": {old}}, "Accept-Language", "sv")
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("status %d:\n%s", res.StatusCode, page)
	}
	for _, want := range []string{`lang="ar" dir="rtl"`, "الصفحة قديمة جدًا"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q:\n%s", want, page)
		}
	}
	if r.f.calls() != 0 {
		t.Fatalf("%d answers sent for a stale form", r.f.calls())
	}
	// A link that names nothing says so, as its GET does, in the
	// browser's language (ADR 0173).
	if res, page := r.do("POST", "/a/other-link", url.Values{"action": {"accept"}, "nonce": {old}}, "Accept-Language", "sv"); res.StatusCode != http.StatusNotFound ||
		!strings.Contains(page, "Länken fungerar inte") {
		t.Errorf("unknown link: %d\n%s", res.StatusCode, page)
	}
}

// TestAnswer_TooLargeFormSaysSo: a form over the size limit (a very long
// reason) is answered 413 with its own words in the person's language,
// not "the page was too old", and nothing is answered (every answer
// catalogue has the words: TestCatalogues_EveryLanguageHasEveryKey).
func TestAnswer_TooLargeFormSaysSo(t *testing.T) {
	t.Parallel()
	r := newRig(t, "sv", Limits{})
	_, page := r.do("GET", "/a/"+goodToken, nil)
	res, page := r.do("POST", "/a/"+goodToken, url.Values{"action": {"decline"}, "nonce": {nonceOf(t, page)},
		"reason": {strings.Repeat("x", maxFormBytes)}}, "Accept-Language", "en")
	if res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d:\n%s", res.StatusCode, page)
	}
	if !strings.Contains(page, "Svaret var för långt") || strings.Contains(page, "Sidan var för gammal") {
		t.Errorf("page does not say the answer was too long:\n%s", page)
	}
	if r.f.calls() != 0 {
		t.Fatalf("%d answers sent for a refused form", r.f.calls())
	}
}
