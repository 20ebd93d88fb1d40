package server_test

import (
	"encoding/base64"
	"fmt"
	"io/fs"
	"net/url"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/BurntSushi/toml"
	"github.com/chromedp/chromedp"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	notifyv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/notify/v1"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/gateway/internal/catalog"
)

// answerLanguages are the languages notify writes in, with their direction.
var answerLanguages = []struct {
	lang string
	rtl  bool
}{{"sv", false}, {"en", false}, {"ar", true}, {"fa", true}, {"prs", true}, {"ti", false}, {"so", false}, {"uk", false}}

// longName is a given name of one 62-letter word, the kind a phone cannot
// break: the page must wrap it rather than scroll sideways (ADR 0187).
const longName = "Wolfeschlegelsteinhausenbergerdorffvoralternwarengewissenhaft"

// answerTitles reads each language's answer page titles from the
// gateway's catalogue, so the test checks the page said what the
// translator wrote, in that language.
func answerTitles(t *testing.T) map[string]map[string]string {
	t.Helper()
	out := map[string]map[string]string{}
	for _, l := range answerLanguages {
		b, err := fs.ReadFile(catalog.AnswerLocales(), "locales/answer."+l.lang+".toml")
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]any{}
		if err := toml.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		out[l.lang] = map[string]string{}
		for k, v := range m {
			if s, ok := v.(string); ok {
				out[l.lang][strings.TrimPrefix(k, "answer.")] = s
			}
		}
	}
	return out
}

// answerWalkPeople registers, in a new organisation, a mentor and a newcomer
// who both read lang, with e-mail addresses and long given names, and
// approves their proposal: each gets an offer in lang.
func answerWalkPeople(t *testing.T, e *env, admin *apiClient, lang string) (coord *apiClient, newcomer, mentor, pairID string) {
	t.Helper()
	ctx := testutil.Context(t)
	org := e.createOrg("Förening "+lang, "0880")
	coord = e.coordinator(admin, "walk-"+lang+"@example.org", org, "0880")
	prefs := &typev1.NotificationPreferences{PreferredLanguage: lang}
	v, err := coord.registry.CreateVolunteer(ctx, connect.NewRequest(&gatewayv1.CreateVolunteerRequest{Volunteer: &volunteersv1.Volunteer{
		OrganisationId: org, MunicipalityCode: "0880", GivenName: longName, FamilyName: "Andersson",
		Contact:   &typev1.Contact{Email: "mentor-" + lang + "@example.org"},
		Languages: []*typev1.LanguageSkill{{Code: "ar", Level: typev1.LanguageLevel_LANGUAGE_LEVEL_FLUENT}},
		Roles:     []*eventsv1.RoleCapacity{{Role: eventsv1.VolunteerRole_VOLUNTEER_ROLE_MENTOR, Capacity: 2}},
		Interests: []string{"cooking"},
		BackgroundCheck: &volunteersv1.BackgroundCheck{Seen: true, SeenDate: time.Now().AddDate(0, -1, 0).Format(time.DateOnly),
			ValidUntil: time.Now().AddDate(1, 0, 0).Format(time.DateOnly), Verifier: "test"},
		BirthYear: 1975, HouseholdSize: 1, Notifications: prefs,
	}}))
	if err != nil {
		t.Fatalf("create mentor: %v", err)
	}
	p, err := coord.registry.CreateParticipant(ctx, connect.NewRequest(&gatewayv1.CreateParticipantRequest{Participant: &participantsv1.Participant{
		OrganisationId: org, MunicipalityCode: "0880", GivenName: longName + "a", FamilyName: "Hassan",
		Contact:      &typev1.Contact{Email: "newcomer-" + lang + "@example.org"},
		Languages:    []*typev1.LanguageSkill{{Code: "ar", Level: typev1.LanguageLevel_LANGUAGE_LEVEL_NATIVE}},
		SwedishLevel: typev1.SwedishLevel_SWEDISH_LEVEL_SFI_B, Household: &participantsv1.Household{Size: 1}, Interests: []string{"cooking"},
		Consents:      []*participantsv1.Consent{{Purpose: eventsv1.ConsentPurpose_CONSENT_PURPOSE_MENTORING, TextVersion: "2026-01", Language: "sv"}},
		Notifications: prefs,
	}}))
	if err != nil {
		t.Fatalf("create newcomer: %v", err)
	}
	pair := proposal(t, coord)
	if _, err := coord.matching.ApprovePair(ctx, connect.NewRequest(&gatewayv1.ApprovePairRequest{Id: pair.GetPair().GetId()})); err != nil {
		t.Fatalf("approve: %v", err)
	}
	return coord, p.Msg.GetParticipant().GetId(), v.Msg.GetVolunteer().GetId(), pair.GetPair().GetId()
}

// mailedLinkOf waits for the message of template to person in the
// development mailbox and returns its answer page path and its HTML part;
// the message must be in lang.
func mailedLinkOf(t *testing.T, admin *apiClient, person string, tpl notifyv1.Template, lang string) (string, string) {
	t.Helper()
	ctx := testutil.Context(t)
	var link, html string
	testutil.CheckFor(t, 60*time.Second, 100*time.Millisecond, func() error {
		res, err := admin.messages.ListMailbox(ctx, connect.NewRequest(&gatewayv1.ListMailboxRequest{PersonId: person}))
		if err != nil {
			return err
		}
		for _, m := range res.Msg.GetMessages() {
			if m.GetTemplate() != tpl {
				continue
			}
			full, err := admin.messages.GetMailboxMessage(ctx, connect.NewRequest(&gatewayv1.GetMailboxMessageRequest{Id: m.GetId()}))
			if err != nil {
				return err
			}
			if got := full.Msg.GetMessage().GetLanguage(); got != lang {
				t.Fatalf("%v to %s written in %q, want %q", tpl, person, got, lang)
			}
			link, html = full.Msg.GetMessage().GetAnswerUrl(), full.Msg.GetMessage().GetHtmlBody()
			return nil
		}
		return fmt.Errorf("no %v to %s yet", tpl, person)
	})
	u, err := url.Parse(link)
	if err != nil || !strings.HasPrefix(u.Path, "/a/") {
		t.Fatalf("answer link %q", link)
	}
	return u.Path, html
}

// pageLayout is what the browser made of an answer page.
type pageLayout struct {
	Lang, Dir, Direction, H1 string
	Overflow                 bool
}

const pageLayoutProbe = `({
	Lang: document.documentElement.lang,
	Dir: document.documentElement.dir,
	Direction: getComputedStyle(document.body).direction,
	H1: document.querySelector("h1").textContent,
	Overflow: document.documentElement.scrollWidth > window.innerWidth,
})`

// mailLayoutProbe is pageLayoutProbe for an e-mail's HTML part, which
// has no heading.
const mailLayoutProbe = `({
	Lang: document.documentElement.lang,
	Dir: document.documentElement.dir,
	Direction: getComputedStyle(document.body).direction,
	Overflow: document.documentElement.scrollWidth > window.innerWidth,
})`

// checkAnswerPage checks the page the tab shows, called name, at a
// phone's 375 px and a laptop's 1100 px: in lang and its direction, with
// the heading want, no sideways scroll, and no axe-core violation of any
// impact.
func (b *tab) checkAnswerPage(name, lang string, rtl bool, want string) {
	b.t.Helper()
	dir := "ltr"
	if rtl {
		dir = "rtl"
	}
	for _, w := range []struct{ width, height int64 }{{375, 812}, {1100, 900}} {
		var got pageLayout
		at := fmt.Sprintf("%s at %d px", name, w.width)
		b.run(at, chromedp.EmulateViewport(w.width, w.height), chromedp.Evaluate(pageLayoutProbe, &got), b.spotless(at))
		if got.Lang != lang || got.Dir != dir || got.Direction != dir || strings.TrimSpace(got.H1) != want || got.Overflow {
			b.t.Errorf("%s: %+v, want lang %s, %s, heading %q, no sideways scroll", at, got, lang, dir, want)
		}
	}
}

// testAnswerPagesEveryLanguageBrowser walks the answer page in each of
// the eight languages notify writes in, as the person would in Chromium,
// with a 62-letter name in every offer: the offer, the page after yes
// (even languages) or no with a reason (odd ones), the same link opened
// again (answered), and the other person's link once the offer is
// withdrawn (after a no) or its time has run out (after a yes). Every
// page is in the person's language and direction at 375 and 1100 px,
// does not scroll sideways, and axe-core finds no violation at all.
func testAnswerPagesEveryLanguageBrowser(t *testing.T) {
	clk := &clock{}
	e := start(t, envOptions{notify: true, clock: clk})
	titles := answerTitles(t)
	admin := e.login(adminEmail, adminPass)
	type walk struct {
		coord                                      *apiClient
		pairID, newcomer, newcomerLink, mentorLink string
		// mail is the newcomer's offer's HTML part.
		mail string
	}
	walks := map[string]walk{}
	for _, l := range answerLanguages {
		coord, newcomer, mentor, pairID := answerWalkPeople(t, e, admin, l.lang)
		w := walk{coord: coord, pairID: pairID, newcomer: newcomer}
		w.newcomerLink, w.mail = mailedLinkOf(t, admin, newcomer, notifyv1.Template_TEMPLATE_MENTOR_OFFER, l.lang)
		w.mentorLink, _ = mailedLinkOf(t, admin, mentor, notifyv1.Template_TEMPLATE_MENTEE_OFFER, l.lang)
		walks[l.lang] = w
	}
	b := openTab(t, tabOptions{timeout: 8 * time.Minute, acceptLang: "sv-SE,sv"})
	for i, l := range answerLanguages {
		w := walks[l.lang]
		// The e-mail itself, as a mail app on a phone shows its HTML part.
		var mail pageLayout
		b.run("open the "+l.lang+" e-mail", chromedp.EmulateViewport(375, 812),
			chromedp.Navigate("data:text/html;charset=utf-8;base64,"+base64.StdEncoding.EncodeToString([]byte(w.mail))),
			chromedp.WaitReady(`body`, chromedp.ByQuery), chromedp.Evaluate(mailLayoutProbe, &mail))
		if mail.Lang != l.lang || mail.Direction != map[bool]string{false: "ltr", true: "rtl"}[l.rtl] || mail.Overflow {
			t.Errorf("the %s e-mail at 375 px: %+v, want its language and direction, no sideways scroll", l.lang, mail)
		}
		b.run("open the "+l.lang+" offer", chromedp.Navigate(e.base+w.newcomerLink), chromedp.WaitVisible(`button.yes`, chromedp.ByQuery))
		b.checkAnswerPage(l.lang+" offer", l.lang, l.rtl, titles[l.lang]["heading.mentor_offer"])
		var body string
		b.run("read the "+l.lang+" offer", chromedp.Text(`main`, &body, chromedp.ByQuery))
		if !strings.Contains(body, longName) {
			t.Errorf("the %s offer does not name the mentor: %s", l.lang, body)
		}
		done := "done.accepted"
		if i%2 == 0 {
			b.run("accept the "+l.lang+" offer", chromedp.Click(`button.yes`, chromedp.ByQuery), chromedp.WaitVisible(`p.body`, chromedp.ByQuery))
		} else {
			done = "done.declined"
			b.run("decline the "+l.lang+" offer", chromedp.Click(`#reason-no_time`, chromedp.ByQuery),
				chromedp.Click(`button.no`, chromedp.ByQuery), chromedp.WaitVisible(`p.body`, chromedp.ByQuery))
		}
		b.checkAnswerPage(l.lang+" "+done, l.lang, l.rtl, titles[l.lang][done+"_title"])
		b.run("open the "+l.lang+" link again", chromedp.Navigate(e.base+w.newcomerLink), chromedp.WaitVisible(`p.body`, chromedp.ByQuery))
		b.checkAnswerPage(l.lang+" answered twice", l.lang, l.rtl, titles[l.lang]["state.used_title"])
		if i%2 == 1 {
			// Declined: the mentor's offer is withdrawn.
			b.run("open the "+l.lang+" mentor's link", chromedp.Navigate(e.base+w.mentorLink), chromedp.WaitVisible(`p.body`, chromedp.ByQuery))
			b.checkAnswerPage(l.lang+" withdrawn", l.lang, l.rtl, titles[l.lang]["state.withdrawn_title"])
		}
	}
	// Past every link's time: the mentors still to answer find theirs
	// expired, in their language.
	clk.Advance(40 * 24 * time.Hour)
	for i, l := range answerLanguages {
		if i%2 == 1 {
			continue
		}
		b.run("open the "+l.lang+" mentor's expired link", chromedp.Navigate(e.base+walks[l.lang].mentorLink), chromedp.WaitVisible(`p.body`, chromedp.ByQuery))
		b.checkAnswerPage(l.lang+" expired", l.lang, l.rtl, titles[l.lang]["state.expired_title"])
	}
	// Erased: the Arabic newcomer's link (answered) reads exactly as a
	// token never issued, in the browser's language, from the moment the
	// register has erased her: nothing says it was real, or whose.
	ar := walks["ar"]
	if _, err := ar.coord.registry.EraseParticipant(testutil.Context(t),
		connect.NewRequest(&gatewayv1.EraseParticipantRequest{Id: ar.newcomer})); err != nil {
		t.Fatal(err)
	}
	v := visitor{t: t, base: e.base, accept: "sv-SE,sv"}
	neverRes, never := v.do("GET", "/a/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", nil)
	erasedRes, erased := v.do("GET", ar.newcomerLink, nil)
	if erasedRes.StatusCode != neverRes.StatusCode || erased != never {
		t.Errorf("the erased person's link: %d\n%s\nwant it as a token never issued: %d\n%s", erasedRes.StatusCode, trim(erased),
			neverRes.StatusCode, trim(never))
	}
	b.run("open the erased person's link", chromedp.Navigate(e.base+ar.newcomerLink), chromedp.WaitVisible(`p.body`, chromedp.ByQuery))
	b.checkAnswerPage("erased", "sv", false, titles["sv"]["state.invalid_title"])
}
