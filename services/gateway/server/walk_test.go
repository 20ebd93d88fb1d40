package server_test

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"golang.org/x/sync/errgroup"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/gateway/internal/web"
)

// testCoordinatorWalk is issue 12's "done when": a coordinator walks, in
// Swedish, through register (keyboard only) -> match -> review the
// proposals -> approve (keyboard only) -> record both acceptances ->
// check-in -> end -> report. On every page it visits, axe-core finds no
// serious or critical violation and no string of the English catalogue
// shows. With MP_SCREENSHOTS_DIR set, each step is saved as a PNG.
func testCoordinatorWalk(t *testing.T) {
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Röda Korset Kalmar", "0880")
	coord := e.coordinator(admin, "karin@example.org", org, "0880")
	mentor(t, coord, org, "0880", "Erik")
	// Enough people for more proposals than one page shows (50), so the
	// coordinator reviews them across pages.
	var seeded errgroup.Group
	seeded.SetLimit(8)
	for i := range walkExtra {
		seeded.Go(func() error { return walkPeople(testutil.Context(t), coord, org, i) })
	}
	if err := seeded.Wait(); err != nil {
		t.Fatalf("register the other newcomers and mentors: %v", err)
	}

	b := openTab(t, tabOptions{timeout: 400 * time.Second}) // a loaded machine (load 30) took 255 s
	// The walk's screenshots are the README's, saved only when asked for.
	b.shots = os.Getenv("MP_WALK_SCREENSHOTS_DIR")
	ctx := b.ctx

	sv, en := web.Catalogue("sv"), web.Catalogue("en")
	var english []englishString
	for k, s := range en {
		if len(s) < 4 || sv[k] == s {
			continue
		}
		english = append(english, englishWords(s))
	}
	visited := 0
	// check runs axe-core and the English check on the page shown, and
	// saves its screenshot.
	check := func(name string) chromedp.Action {
		return chromedp.ActionFunc(func(ctx context.Context) error {
			visited++
			var lang, text string
			if err := chromedp.Run(ctx, chromedp.AttributeValue("html", "lang", &lang, nil), chromedp.Evaluate(`document.body.innerText`, &text)); err != nil {
				return err
			}
			if lang != "sv" {
				t.Errorf("%s: page in %q, not Swedish", name, lang)
			}
			for _, w := range english {
				if m := w.findIn(text); m != "" {
					t.Errorf("%s: English %q on the Swedish page", name, strings.TrimSpace(m))
				}
			}
			if err := axeCheck(ctx, t, b.axe, name); err != nil {
				return err
			}
			return b.shot(name).Do(ctx)
		})
	}
	if b.shots != "" {
		if err := os.MkdirAll(b.shots, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// tabUntil presses Tab until the element sel matches has the focus,
	// as a keyboard user moves through a page.
	tabUntil := func(sel string) chromedp.Action {
		return chromedp.ActionFunc(func(ctx context.Context) error {
			for range 80 {
				if err := chromedp.KeyEvent(kb.Tab).Do(ctx); err != nil {
					return err
				}
				var got bool
				if err := chromedp.Evaluate(`!!document.activeElement && document.activeElement.matches(`+strconv.Quote(sel)+`)`, &got).Do(ctx); err != nil {
					return err
				}
				if got {
					return nil
				}
			}
			return fmt.Errorf("Tab never reached %s", sel)
		})
	}
	tabTo := func(id string) chromedp.Action { return tabUntil("#" + id) }
	typeIn := func(id, text string) chromedp.Action {
		return chromedp.Tasks{tabTo(id), chromedp.KeyEvent(text)}
	}

	b.run("sign in and choose Swedish",
		signIn(e, "karin@example.org", `ul.tiles`),
		inSwedish(),
		check("01-oversikt"),
	)
	b.run("register a newcomer with the keyboard only",
		chromedp.Navigate(e.base+"/participants/new"),
		chromedp.WaitVisible(`#f-given_name`),
		typeIn("f-given_name", "Amina"),
		typeIn("f-family_name", "Hassan"),
		tabTo("f-municipality_code"), chromedp.KeyEvent("Kalmar"),
		typeIn("f-languages", "ar"),
		tabTo("f-swedish_level"), chromedp.KeyEvent("SFI B"),
		typeIn("f-interests", "cooking"),
		tabTo("f-consent"), chromedp.KeyEvent(" "),
		// past the consent text's link (ADR 0120) to the form's button
		tabUntil("form.form button.primary"), chromedp.KeyEvent(kb.Enter),
		chromedp.WaitVisible(`p.flash`),
		check("02-registrerad"),
	)
	b.run("lists", chromedp.Navigate(e.base+"/participants"), chromedp.WaitVisible(`table`, chromedp.ByQuery), check("03-nyanlanda"),
		chromedp.Navigate(e.base+"/volunteers"), chromedp.WaitVisible(`table`, chromedp.ByQuery), check("04-volontarer"))
	// Search by name with the keyboard, as typed and without the accent
	// (docs/adr/0084): she is found, and the name is in no URL.
	var found, at string
	b.run("search by name",
		chromedp.Navigate(e.base+"/participants"), chromedp.WaitVisible(`#f-name`),
		typeIn("f-name", "amína"), chromedp.KeyEvent(kb.Enter),
		// the page that answers shows the search in its field
		chromedp.WaitVisible(`#f-name:not([value=""])`, chromedp.ByQuery),
		chromedp.Text(`table`, &found, chromedp.ByQuery), chromedp.Location(&at),
		check("03b-sok"))
	if !strings.Contains(found, "Amina Hassan") {
		t.Errorf("search for amína found %q, want Amina Hassan", found)
	}
	if strings.Contains(at, "name") || strings.Contains(strings.ToLower(at), "am%c3") {
		t.Errorf("the searched name is in the URL %s", at)
	}

	// The mentoring service learns of the newcomers from events: start
	// jobs until one proposes her. The coordinator looks for her across
	// the pages of proposals.
	testutil.CheckFor(t, 90*time.Second, 200*time.Millisecond, func() error {
		jctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		err := chromedp.Run(jctx,
			chromedp.Navigate(e.base+"/matching"),
			chromedp.WaitVisible(`#start-job`),
			chromedp.Click(`#start-job`),
			chromedp.WaitVisible(`div.job:first-of-type a.review`, chromedp.ByQuery),
			chromedp.Navigate(e.base+"/matching"),
			chromedp.WaitVisible(`#proposals`, chromedp.ByQuery),
		)
		if err != nil {
			return err
		}
		for range 10 {
			var text string
			var next []*cdp.Node
			if err := chromedp.Run(jctx, chromedp.Text(`#proposals`, &text, chromedp.ByQuery),
				chromedp.Nodes(`#proposals a[rel="next"]`, &next, chromedp.ByQueryAll, chromedp.AtLeast(0))); err != nil {
				return err
			}
			if strings.Contains(text, "Amina Hassan") {
				return nil
			}
			if len(next) == 0 {
				break
			}
			if err := chromedp.Run(jctx, chromedp.Click(`#proposals a[rel="next"]`, chromedp.ByQuery),
				chromedp.WaitVisible(`#proposals`, chromedp.ByQuery)); err != nil {
				return err
			}
		}
		return fmt.Errorf("no proposal for the new newcomer yet")
	})
	// Every proposal, across pages: page 1 says how many there are, the
	// next link shows the rest, each page checked like any other.
	var first, second string
	b.run("review every proposal across pages",
		chromedp.Navigate(e.base+"/matching"), chromedp.WaitVisible(`#proposals nav.pager`, chromedp.ByQuery),
		chromedp.Text(`#proposals nav.pager p`, &first, chromedp.ByQuery),
		chromedp.Click(`#proposals a[rel="next"]`, chromedp.ByQuery), chromedp.WaitVisible(`#proposals a[rel="prev"]`, chromedp.ByQuery),
		chromedp.Text(`#proposals nav.pager p`, &second, chromedp.ByQuery),
		check("05a-matchning-sida-2"))
	if m := pageRangeRe.FindStringSubmatch(first); m == nil || m[1] != "1" || m[2] != "50" {
		t.Errorf("first page of proposals says %q, want 1–50 of more than 50", first)
	} else if m2 := pageRangeRe.FindStringSubmatch(second); m2 == nil || m2[1] != "51" || m2[3] != m[3] {
		t.Errorf("second page says %q after %q, want 51– of the same total", second, first)
	}
	// Back to the page that shows her.
	testutil.CheckFor(t, 30*time.Second, 100*time.Millisecond, func() error {
		var text string
		if err := chromedp.Run(ctx, chromedp.Text(`#proposals`, &text, chromedp.ByQuery)); err != nil {
			return err
		}
		if strings.Contains(text, "Amina Hassan") {
			return nil
		}
		return chromedp.Run(ctx, chromedp.Click(`#proposals a[rel="prev"]`, chromedp.ByQuery), chromedp.WaitVisible(`#proposals`, chromedp.ByQuery))
	})
	var row string
	b.run("review the proposals and approve with the keyboard only",
		check("05-matchning"),
		chromedp.Text(`//tr[contains(., "Amina Hassan")]`, &row, chromedp.BySearch),
		chromedp.Focus(`//tr[contains(., "Amina Hassan")]//input[@type="checkbox"]`, chromedp.BySearch),
		chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent(kb.Enter),
		chromedp.WaitVisible(`//tr[contains(., "Amina Hassan")]//span[@role="status"]`, chromedp.BySearch),
		check("06-godkand"),
		chromedp.Click(`//tr[contains(., "Amina Hassan")]//a[contains(@href, "/pairs/")]`, chromedp.BySearch),
		chromedp.WaitVisible(`#accept-newcomer`),
		check("07-par-erbjudet"),
	)
	if !strings.Contains(row, "Talar båda arabiska") {
		t.Errorf("proposal row lacks its explanation in Swedish: %q", row)
	}
	b.run("record both acceptances taken by phone",
		clickThrough(`#accept-newcomer`, `#accept-mentor`),
		clickThrough(`#accept-mentor`, `#check-in`),
		check("08-par-aktivt"),
	)
	b.run("check in",
		chromedp.SetValue(`#f-rating`, "CHECK_IN_RATING_GOOD"),
		chromedp.Click(`#act-CHECK_IN_ACTIVITY_LANGUAGE`),
		clickThrough(`#check-in`, `p.flash`),
		check("09-uppfoljning"),
	)
	b.run("end the pair with its reason",
		chromedp.SetValue(`#end-reason`, "END_REASON_COMPLETED"),
		clickThrough(`#end`, `p.flash`),
		check("10-avslutat"),
	)
	var history string
	b.run("history", chromedp.Text(`#history`, &history, chromedp.ByQuery))
	for _, want := range []string{"Föreslogs av matchningen", "Godkändes och erbjöds båda", "Den nyanlända tackade ja", "Mentorn tackade ja", "Uppföljning", "Paret avslutades", "Coordinator karin@example.org"} {
		if !strings.Contains(history, want) {
			t.Errorf("history lacks %q:\n%s", want, history)
		}
	}
	b.run("report", chromedp.Navigate(e.base+"/reports"), chromedp.WaitVisible(`#pairs-by-month`), check("11-rapporter"))
	if visited < 12 {
		t.Fatalf("checked %d pages, want 12", visited)
	}
}

// walkExtra is how many newcomers besides Amina the walk registers, and
// as many mentors: more proposals than a page shows.
const walkExtra = 60

// pageRangeRe reads a pager's position line: "51–61 av 61".
var pageRangeRe = regexp.MustCompile(`(\d+)–(\d+) av (\d+)`)

// walkPeople registers the walk's i-th other newcomer, who consents to
// mentoring and speaks Arabic as Amina does, and a mentor like Erik.
func walkPeople(ctx context.Context, c *apiClient, org string, i int) error {
	_, err := c.registry.CreateParticipant(ctx, connect.NewRequest(&gatewayv1.CreateParticipantRequest{Participant: &participantsv1.Participant{
		OrganisationId: org, MunicipalityCode: "0880", GivenName: fmt.Sprintf("Nyanländ%02d", i), FamilyName: "Testsson",
		Languages:    []*typev1.LanguageSkill{{Code: "ar", Level: typev1.LanguageLevel_LANGUAGE_LEVEL_NATIVE}},
		SwedishLevel: typev1.SwedishLevel_SWEDISH_LEVEL_SFI_B, Household: &participantsv1.Household{Size: 1},
		Interests: []string{"cooking"},
		Consents:  []*participantsv1.Consent{{Purpose: eventsv1.ConsentPurpose_CONSENT_PURPOSE_MENTORING, TextVersion: "2026-01", Language: "sv"}},
	}}))
	if err != nil {
		return fmt.Errorf("newcomer %d: %w", i, err)
	}
	_, err = c.registry.CreateVolunteer(ctx, connect.NewRequest(&gatewayv1.CreateVolunteerRequest{Volunteer: &volunteersv1.Volunteer{
		OrganisationId: org, MunicipalityCode: "0880", GivenName: fmt.Sprintf("Lars%02d", i), FamilyName: "Andersson",
		Languages: []*typev1.LanguageSkill{{Code: "ar", Level: typev1.LanguageLevel_LANGUAGE_LEVEL_FLUENT}},
		Roles:     []*eventsv1.RoleCapacity{{Role: eventsv1.VolunteerRole_VOLUNTEER_ROLE_MENTOR, Capacity: 2}},
		Interests: []string{"cooking"},
		BackgroundCheck: &volunteersv1.BackgroundCheck{Seen: true, SeenDate: time.Now().AddDate(0, -1, 0).Format(time.DateOnly),
			ValidUntil: time.Now().AddDate(1, 0, 0).Format(time.DateOnly), Verifier: "test"},
		BirthYear: 1975, HouseholdSize: 1,
	}}))
	if err != nil {
		return fmt.Errorf("mentor %d: %w", i, err)
	}
	return nil
}

// clickThrough clicks sel, a button that posts its form, and waits for
// ready on the page the post leads to. Waiting for ready alone raced the
// page clicked on, which may show it too (both accept buttons, a flash):
// the walk then clicked or read a page being replaced ("Could not find
// node with given id", body null) under load. The old page is marked, and
// only an unmarked page counts.
func clickThrough(sel, ready string) chromedp.Tasks {
	return chromedp.Tasks{
		chromedp.Evaluate(`document.body.dataset.left = "1"`, nil),
		chromedp.Click(sel, chromedp.ByQuery),
		chromedp.WaitVisible(`body:not([data-left]) `+ready, chromedp.ByQuery),
	}
}
