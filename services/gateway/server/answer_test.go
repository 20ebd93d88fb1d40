package server_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/motesplats/motesplats/pkg/auth"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	notifyv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/notify/v1"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/gateway/internal/answer"
)

// reader registers a newcomer with mentoring consent who reads lang and
// has an e-mail address, so the offer goes to the development mailbox in
// lang.
func reader(t testing.TB, c *apiClient, org, muni, given, lang string) string {
	t.Helper()
	res, err := c.registry.CreateParticipant(testutil.Context(t), connect.NewRequest(&gatewayv1.CreateParticipantRequest{Participant: &participantsv1.Participant{
		OrganisationId: org, MunicipalityCode: muni, GivenName: given, FamilyName: "Hassan",
		Contact:      &typev1.Contact{Email: strings.ToLower(given) + "@example.org"},
		Languages:    []*typev1.LanguageSkill{{Code: "ar", Level: typev1.LanguageLevel_LANGUAGE_LEVEL_NATIVE}},
		SwedishLevel: typev1.SwedishLevel_SWEDISH_LEVEL_SFI_B, Household: &participantsv1.Household{Size: 1}, Interests: []string{"cooking"},
		Consents:      []*participantsv1.Consent{{Purpose: eventsv1.ConsentPurpose_CONSENT_PURPOSE_MENTORING, TextVersion: "2026-01", Language: "sv"}},
		Notifications: &typev1.NotificationPreferences{PreferredLanguage: lang},
	}}))
	if err != nil {
		t.Fatalf("create newcomer: %v", err)
	}
	return res.Msg.GetParticipant().GetId()
}

// mailedLink waits for the offer to person in the development mailbox
// (read by admin through the gateway) and returns its answer page path.
func mailedLink(t testing.TB, admin *apiClient, person string) (string, *notifyv1.MailboxMessage) {
	t.Helper()
	ctx := testutil.Context(t)
	var msg *notifyv1.MailboxMessage
	testutil.CheckFor(t, 30*time.Second, 100*time.Millisecond, func() error {
		res, err := admin.messages.ListMailbox(ctx, connect.NewRequest(&gatewayv1.ListMailboxRequest{PersonId: person}))
		if err != nil {
			return err
		}
		for _, m := range res.Msg.GetMessages() {
			if m.GetTemplate() == notifyv1.Template_TEMPLATE_MENTOR_OFFER {
				full, err := admin.messages.GetMailboxMessage(ctx, connect.NewRequest(&gatewayv1.GetMailboxMessageRequest{Id: m.GetId()}))
				if err != nil {
					return err
				}
				msg = full.Msg.GetMessage()
				return nil
			}
		}
		return fmt.Errorf("no offer to %s in the mailbox yet (%d messages)", person, len(res.Msg.GetMessages()))
	})
	u, err := url.Parse(msg.GetAnswerUrl())
	if err != nil || !strings.HasPrefix(u.Path, "/a/") {
		t.Fatalf("answer link %q", msg.GetAnswerUrl())
	}
	return u.Path, msg
}

// visitor is a browser without an account and without JavaScript: plain
// GETs and form POSTs, and the language it asks for.
type visitor struct {
	t      testing.TB
	base   string
	accept string
}

func (v visitor) do(method, path string, form url.Values) (*http.Response, string) {
	v.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, v.base+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if v.accept != "" {
		req.Header.Set("Accept-Language", v.accept)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		v.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

var answerNonceRe = regexp.MustCompile(`name="nonce" value="([^"]+)"`)

// approvedOffer sets up an organisation with one mentor and one newcomer
// reading lang, approves their proposal, and returns the answer page path
// from the mailbox with the pair id.
func approvedOffer(t *testing.T, e *env, lang string) (admin, coord *apiClient, path, pairID string) {
	t.Helper()
	ctx := testutil.Context(t)
	admin = e.login(adminEmail, adminPass)
	org := e.createOrg("Förening "+lang, "0880")
	coord = e.coordinator(admin, "coord-"+lang+"@example.org", org, "0880")
	mentor(t, coord, org, "0880", "Erik")
	person := reader(t, coord, org, "0880", "Amina", lang)
	pair := proposal(t, coord)
	if _, err := coord.matching.ApprovePair(ctx, connect.NewRequest(&gatewayv1.ApprovePairRequest{Id: pair.GetPair().GetId()})); err != nil {
		t.Fatalf("approve: %v", err)
	}
	path, msg := mailedLink(t, admin, person)
	if msg.GetLanguage() != lang {
		t.Fatalf("offer written in %q, want %q", msg.GetLanguage(), lang)
	}
	return admin, coord, path, pair.GetPair().GetId()
}

func pairOf(t testing.TB, c *apiClient, id string) *gatewayv1.PairView {
	t.Helper()
	res, err := c.matching.GetPair(testutil.Context(t), connect.NewRequest(&gatewayv1.GetPairRequest{Id: id}))
	if err != nil {
		t.Fatal(err)
	}
	return res.Msg.GetPair()
}

// TestAnswerPage runs the public answer page against the real notify
// service: an Arabic offer from the development mailbox is shown right to
// left and accepted with a plain form post (no JavaScript), which moves
// the pair forward; the same link then says it was used; a tampered link,
// a forged form and too many tries change nothing; and after its time the
// link says it expired, in the person's language.
func TestAnswerPage(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{notify: true,
		answerLimits: answer.Limits{AddrBurst: 1000, AddrEvery: time.Millisecond, TokenBurst: 6, TokenEvery: time.Hour}})
	_, coord, path, pairID := approvedOffer(t, e, "ar")
	v := visitor{t: t, base: e.base, accept: "sv-SE,sv;q=0.9"}

	res, page := v.do("GET", path, nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %d:\n%s", res.StatusCode, trim(page))
	}
	mustContain(t, page, `<html lang="ar" dir="rtl">`, "مرشد لك", "نعم، أرغب في ذلك", `name="reason"`, "النص باللغة السويدية")
	for h, want := range map[string]string{"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"} {
		if got := res.Header.Get(h); got != want {
			t.Errorf("%s: %q, want %q", h, got, want)
		}
	}
	if strings.Contains(page, "<script") {
		t.Error("the answer page carries a script; it must work without one")
	}
	nonce := answerNonceRe.FindStringSubmatch(page)
	if nonce == nil {
		t.Fatal("no nonce in the form")
	}

	// A forged form (no nonce, or a nonce for another link) changes nothing.
	for _, form := range []url.Values{{"action": {"accept"}}, {"action": {"accept"}, "nonce": {"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}}} {
		if res, _ := v.do("POST", path, form); res.StatusCode != http.StatusForbidden {
			t.Errorf("forged form: %d, want 403", res.StatusCode)
		}
	}
	if p := pairOf(t, coord, pairID).GetPair(); p.GetNewcomerAcceptTime() != nil {
		t.Fatal("a forged form accepted the offer")
	}

	res, page = v.do("POST", path, url.Values{"nonce": {nonce[1]}, "action": {"accept"}})
	if res.StatusCode != http.StatusOK {
		t.Fatalf("accept: %d\n%s", res.StatusCode, trim(page))
	}
	mustContain(t, page, `lang="ar" dir="rtl"`, "شكرًا على موافقتك!")
	if p := pairOf(t, coord, pairID).GetPair(); p.GetNewcomerAcceptTime() == nil {
		t.Fatalf("the pair did not move: %v", p)
	}
	// The pair's history says the newcomer answered through the link: no
	// user of the app took the step, so it is no "unknown user".
	b := e.browser()
	b.signIn("coord-ar@example.org", password)
	b.post("/settings/locale", url.Values{"locale": {"sv"}})
	if _, body := b.get("/pairs/" + pairID); !strings.Contains(body, "Den nyanlända tackade ja") ||
		!strings.Contains(body, "den nyanlända via svarslänken") || strings.Contains(body, "okänd användare") {
		t.Errorf("pair history after a link answer:\n%s", trim(visibleText(body)))
	}

	// Used: a second answer and a reload say so, in Arabic.
	res, page = v.do("POST", path, url.Values{"nonce": {nonce[1]}, "action": {"decline"}, "reason": {"no_time"}})
	if res.StatusCode == http.StatusOK || !strings.Contains(page, "لقد أجبت من قبل") {
		t.Errorf("second answer: %d\n%s", res.StatusCode, trim(page))
	}
	res, page = v.do("GET", path, nil)
	if res.StatusCode != http.StatusConflict || !strings.Contains(page, "لقد أجبت من قبل") || strings.Contains(page, "<form") {
		t.Errorf("reload after answering: %d\n%s", res.StatusCode, trim(page))
	}
	if p := pairOf(t, coord, pairID).GetPair(); p.GetStatus() == eventsv1.PairStatus_PAIR_STATUS_DECLINED {
		t.Fatal("a used link declined the offer")
	}

	// Tampered: no person, so the browser's language; nothing changed.
	tampered := path[:len(path)-2] + flip(path[len(path)-2:])
	uk := visitor{t: t, base: e.base, accept: "uk-UA,uk;q=0.9"}
	res, page = uk.do("GET", tampered, nil)
	if res.StatusCode != http.StatusNotFound || !strings.Contains(page, "Посилання не працює") || !strings.Contains(page, `lang="uk"`) {
		t.Errorf("tampered link: %d\n%s", res.StatusCode, trim(page))
	}
	// Rate-limited per link: the tampered one has used one of its six.
	for range 5 {
		uk.do("GET", tampered, nil)
	}
	res, page = uk.do("GET", tampered, nil)
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" || !strings.Contains(page, "Забагато спроб") {
		t.Errorf("seventh try: %d %q\n%s", res.StatusCode, res.Header.Get("Retry-After"), trim(page))
	}

	// The coordinator records the mentor's acceptance, taken by phone: the
	// pair keeps who recorded each answer (docs/adr/0094), so the history
	// names the coordinator for the mentor and still the link for the
	// newcomer, whose answer is no longer the pair's last change.
	if _, err := coord.matching.AcceptOffer(testutil.Context(t), connect.NewRequest(&gatewayv1.AcceptOfferRequest{Id: pairID,
		Party: eventsv1.Party_PARTY_MENTOR})); err != nil {
		t.Fatalf("the coordinator records the mentor's acceptance: %v", err)
	}
	if p := pairOf(t, coord, pairID).GetPair(); p.GetNewcomerAnsweredBy() != auth.AnswerLinkSubject ||
		p.GetMentorAnsweredBy() == "" || p.GetMentorAnsweredBy() == auth.AnswerLinkSubject {
		t.Errorf("answered by: newcomer %q, mentor %q; want %q and the coordinator's id", p.GetNewcomerAnsweredBy(),
			p.GetMentorAnsweredBy(), auth.AnswerLinkSubject)
	}
	if _, body := b.get("/pairs/" + pairID); !strings.Contains(body, "den nyanlända via svarslänken") ||
		!strings.Contains(body, "Coordinator coord-ar@example.org") || strings.Contains(body, "okänd användare") {
		t.Errorf("pair history after the coordinator recorded the mentor's answer:\n%s", trim(visibleText(body)))
	}
}

// TestAnswerPageExpiredAndDeclined: a link past its time says so in the
// person's language and changes nothing; a decline needs a reason from the
// list and records it.
func TestAnswerPageExpiredAndDeclined(t *testing.T) {
	t.Parallel()
	clk := &clock{} // running: setup signs tokens on the wall clock
	e := start(t, envOptions{notify: true, clock: clk})
	_, coord, path, pairID := approvedOffer(t, e, "so")
	v := visitor{t: t, base: e.base}

	_, page := v.do("GET", path, nil)
	mustContain(t, page, `<html lang="so" dir="ltr">`, "Maya, mahadsanid")
	nonce := answerNonceRe.FindStringSubmatch(page)
	if nonce == nil {
		t.Fatal("no nonce")
	}
	res, page := v.do("POST", path, url.Values{"nonce": {nonce[1]}, "action": {"decline"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "Ka dooro jawaab liiska") {
		t.Fatalf("decline without a reason: %d\n%s", res.StatusCode, trim(page))
	}
	if p := pairOf(t, coord, pairID).GetPair(); p.GetStatus() == eventsv1.PairStatus_PAIR_STATUS_DECLINED {
		t.Fatal("declined without a reason")
	}

	// Past the link's time: expired, in Somali, and the form no longer posts.
	clk.Advance(40 * 24 * time.Hour)
	res, page = v.do("GET", path, nil)
	if res.StatusCode != http.StatusGone || !strings.Contains(page, "Linkigu wuu dhacay") {
		t.Fatalf("expired link: %d\n%s", res.StatusCode, trim(page))
	}
	res, _ = v.do("POST", path, url.Values{"nonce": {nonce[1]}, "action": {"decline"}, "reason": {"no_time"}})
	if res.StatusCode == http.StatusOK {
		t.Fatal("an expired link was answered")
	}
	if p := pairOf(t, e.login(adminEmail, adminPass), pairID).GetPair(); p.GetDeclinedBy() != eventsv1.Party_PARTY_UNSPECIFIED {
		t.Fatalf("an expired link declined: %v", p)
	}
}

// flip changes a token's last characters to others of the same alphabet.
func flip(s string) string {
	var b strings.Builder
	for _, c := range s {
		switch {
		case c == 'A':
			b.WriteRune('B')
		default:
			b.WriteRune('A')
		}
	}
	return b.String()
}
