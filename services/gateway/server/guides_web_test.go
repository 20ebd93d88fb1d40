package server_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/motesplats/motesplats/services/gateway/internal/localtime"
	"github.com/motesplats/motesplats/services/gateway/internal/web"
)

var (
	requestIDRe = regexp.MustCompile(`name="request_id" value="([^"]+)"`)
	approveRe   = regexp.MustCompile(`action="/guides/assignments/([^/"]+)/approve"`)
)

// TestGuidePagesInSwedish runs the programme through the web app in
// Swedish as a coordinator: eligibility with reasons in words, a job
// started from the assignment page, proposals with explanations approved,
// both acceptances and the start recorded on the assignments page, and the
// equity page flagging the planted gap; no page shows an English
// catalogue string, and the CSV carries the same rows.
func TestGuidePagesInSwedish(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	setupGuides(t, e)
	b := e.browser()
	b.signIn("lots@example.org", password)
	b.get("/")
	b.swedish()

	code, page := b.get("/guides")
	if code != http.StatusOK {
		t.Fatalf("/guides: %d", code)
	}
	mustContain(t, page, `<html lang="sv"`, ">Etableringslotsar</a>", "9 nyanlända", "Amina Guidesson",
		"har rätt: föräldraledighet på heltid utesluter inte", "har rätt: inom etableringstiden på 24 månader")

	page, ids := guideJobProposals(t, b, "0880", 4)
	mustContain(t, page, "lotsning på ett språk den nyanlända talar (arabiska)", "Lotsarna i Kalmar", "Godkänn", "Avvisa")

	for _, id := range ids {
		steps := []struct {
			path string
			form url.Values
		}{
			{"/guides/assignments/" + id + "/approve", nil},
			{"/guides/assignments/" + id + "/accept", url.Values{"party": {"ACCEPTING_PARTY_NEWCOMER"}}},
			{"/guides/assignments/" + id + "/accept", url.Values{"party": {"ACCEPTING_PARTY_ORGANISATION"}}},
			{"/guides/assignments/" + id + "/activate", nil},
		}
		for _, s := range steps {
			if code, loc := b.post(s.path, s.form); code != http.StatusSeeOther {
				t.Fatalf("%s: %d %s", s.path, code, trim(loc))
			}
		}
	}
	_, page = b.get("/guides/assignments")
	if n := strings.Count(page, "<td>pågår</td>"); n != 4 {
		t.Errorf("%d running assignments on the page, want 4:\n%s", n, trim(page))
	}
	// When each started and when its establishment period ends (ADR 0139);
	// none is past its end.
	started := "Började " + time.Now().In(localtime.Zone).Format(time.DateOnly)
	if n := strings.Count(page, started); n != 4 {
		t.Errorf("%q on %d rows, want 4:\n%s", started, n, trim(visibleText(page)))
	}
	if n := strings.Count(page, "Etableringstiden slutar 20"); n != 4 || strings.Contains(page, "avsluta lotsningen") {
		t.Errorf("period ends on %d rows, want 4, none past:\n%s", n, trim(visibleText(page)))
	}

	_, page = b.get("/guides/equity?min_group=3")
	mustContain(t, page, "Flaggade grupper", "Förstaspråk: tigrinja: 0 % av 4 personer", "liten grupp", `role="img"`)
	flagged := page[strings.Index(page, `<div class="flagged"`):]
	flagged = flagged[:strings.Index(flagged, "</div>")]
	if strings.Contains(flagged, "arabiska") || strings.Contains(flagged, "somaliska") {
		t.Errorf("flagged: %s; want neither the Arabic speakers (all have a guide) nor the one Somali speaker (a small group)", flagged)
	}

	sv, en := web.Catalogue("sv"), web.Catalogue("en")
	var english []englishString
	for k, s := range en {
		// The public answer page's language names ("English") are each
		// in its own language, as in the language picker on every page.
		if len(s) < 4 || sv[k] == s || strings.Contains(s, "%") || strings.HasPrefix(k, "answer.") {
			continue
		}
		english = append(english, englishWords(s))
	}
	_, page = b.get("/guides/organisations")
	mustContain(t, page, ">Lotsorganisationer</a>", "Lotsarna i Kalmar", "ideell förening", "Kalmar", "arabiska",
		"4 av 4 platser", "Väntar på nytt förslag")

	for _, path := range []string{"/guides", "/guides/assign", "/guides/assignments", "/guides/equity?min_group=3", "/guides/organisations"} {
		code, body := b.get(path)
		if code != http.StatusOK || !strings.Contains(body, `<html lang="sv"`) {
			t.Fatalf("%s: %d, not in Swedish", path, code)
		}
		text := visibleText(body)
		for _, w := range english {
			if m := w.findIn(text); m != "" {
				t.Errorf("%s: English %q on the Swedish page", path, strings.TrimSpace(m))
			}
		}
	}

	// The CSV in Swedish words, as every CSV download: a byte-order mark,
	// ';', the language's name (was English codes: "language,ti,4,0,").
	code, csv := b.get("/guides/equity.csv")
	if code != http.StatusOK || !strings.HasPrefix(csv, "\ufeffIndelning;Grupp;Har rätt till lots;Har lots;") || !strings.Contains(csv, "\nFörstaspråk;tigrinja;4;0;0,0;;") {
		t.Errorf("equity CSV: %d\n%s", code, csv)
	}
}
