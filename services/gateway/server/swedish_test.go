package server_test

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/gateway/internal/web"
)

var (
	scriptRe = regexp.MustCompile(`(?s)<(script|style)[^>]*>.*?</(script|style)>`)
	anyTagRe = regexp.MustCompile(`<[^>]+>`)
)

// englishString is a string of the English catalogue and the pattern that
// finds it on a page as words of their own.
type englishString struct {
	s  string
	re *regexp.Regexp
}

func englishWords(s string) englishString {
	return englishString{s: s, re: regexp.MustCompile(`(^|[^\pL])` + regexp.QuoteMeta(s) + `($|[^\pL])`)}
}

// findIn returns where the string stands in text as words of their own,
// or "". It looks for the bare string first: the pattern matches only
// where it stands, and, starting with a class rather than a literal, it
// ran over the whole page for each of the catalogue's strings. Under
// -race that was most of these tests' CPU (ADR 0216).
func (w englishString) findIn(text string) string {
	if !strings.Contains(text, w.s) {
		return ""
	}
	return w.re.FindString(text)
}

// TestEnglishStringsFoundAsBefore: findIn finds each English catalogue
// string exactly where its pattern alone does: the whole text, between
// words and a full stop, and not inside a longer word or cut short.
func TestEnglishStringsFoundAsBefore(t *testing.T) {
	t.Parallel()
	sv, en := web.Catalogue("sv"), web.Catalogue("en")
	found := 0
	for k, s := range en {
		if len(s) < 4 || sv[k] == s {
			continue
		}
		w := englishWords(s)
		for _, text := range []string{s, "Hej " + s + ".", "x" + s + "x", "Hej " + s[:len(s)-1], "Allt på svenska"} {
			got, want := w.findIn(text), w.re.FindString(text)
			if got != want {
				t.Errorf("%q in %q: found %q, the pattern alone %q", s, text, got, want)
			}
			if got != "" {
				found++
			}
		}
	}
	if found < 200 {
		t.Errorf("found English strings %d times, want every string at least in itself and between words", found)
	}
}

// visibleText is a page's text as a reader sees it, tags removed.
func visibleText(body string) string {
	if i := strings.Index(body, "<body"); i >= 0 {
		body = body[i:]
	}
	return anyTagRe.ReplaceAllString(scriptRe.ReplaceAllString(body, " "), " ")
}

// TestSwedishPagesHaveNoEnglish renders the pages a coordinator visits in
// Swedish, with a job run and a proposal to review, and checks that no
// string of the English catalogue (one the Swedish catalogue words
// differently) appears in their text (issue 12: the Swedish app was half
// English).
func TestSwedishPagesHaveNoEnglish(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Förening", "0880")
	coord := e.coordinator(admin, "svenska@example.org", org, "0880")
	mentor(t, coord, org, "0880", "Erik")
	id := newcomer(t, coord, org, "0880", "Amina")
	b := e.browser()
	b.signIn("svenska@example.org", password)
	b.get("/")
	b.swedish()

	testutil.CheckFor(t, 30*time.Second, 200*time.Millisecond, func() error {
		_, page := b.get("/matching")
		if strings.Contains(page, `class="why"`) {
			return nil
		}
		action, form := formOf(t, page)
		b.post(action, form)
		return fmt.Errorf("no proposal yet")
	})

	sv, en := web.Catalogue("sv"), web.Catalogue("en")
	var english []englishString
	for k, s := range en {
		if len(s) < 4 || sv[k] == s || strings.Contains(s, "%") {
			continue
		}
		if strings.HasSuffix(k, ".language_name") {
			// A language's own name ("English" in the language picker) is
			// written in that language on every page, by design.
			continue
		}
		english = append(english, englishWords(s))
	}
	for _, path := range []string{"/", "/participants", "/participants/" + id, "/participants/new", "/volunteers", "/volunteers/new", "/matching", "/reports"} {
		code, body := b.get(path)
		if code != http.StatusOK {
			t.Fatalf("%s: %d", path, code)
		}
		if !strings.Contains(body, `<html lang="sv"`) {
			t.Fatalf("%s: not in Swedish", path)
		}
		text := visibleText(body)
		for _, w := range english {
			if m := w.findIn(text); m != "" {
				t.Errorf("%s: English %q on the Swedish page", path, strings.TrimSpace(m))
			}
		}
	}
}
