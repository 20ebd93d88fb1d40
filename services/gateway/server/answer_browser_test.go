package server_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// testAnswerPageBrowser opens two answer links from the development
// mailbox in headless Chromium at a phone's size: the Arabic page lays out
// right to left with its Arabic text and is accepted with a tap; the
// Swedish one is declined with a reason from the list. Neither page runs
// a script or scrolls sideways, and axe-core finds no serious or critical
// violation on either.
func testAnswerPageBrowser(t *testing.T) {
	e := start(t, envOptions{notify: true})
	_, coordAr, arPath, arPair := approvedOffer(t, e, "ar")
	_, coordSv, svPath, svPair := approvedOffer(t, e, "sv")

	b := openTab(t, tabOptions{width: 390, height: 844}) // a phone
	// layout reads what the browser made of the page.
	type layout struct {
		Lang, Dir, Direction, H1 string
		Scripts                  int
		Overflow                 bool
		// ButtonRight: the accept button's right edge is at the right
		// margin, as a right-to-left page puts it.
		ButtonRight bool
	}
	const probe = `({
		Lang: document.documentElement.lang,
		Dir: document.documentElement.dir,
		Direction: getComputedStyle(document.body).direction,
		H1: document.querySelector("h1").textContent,
		Scripts: document.scripts.length,
		Overflow: document.documentElement.scrollWidth > window.innerWidth,
		ButtonRight: (() => { const b = document.querySelector("legend") || document.querySelector("h1");
			const r = b.getBoundingClientRect(); return window.innerWidth - r.right < r.left; })(),
	})`

	var ar layout
	b.run("open the Arabic offer",
		chromedp.Navigate(e.base+arPath),
		chromedp.WaitVisible(`button.yes`, chromedp.ByQuery),
		chromedp.Evaluate(probe, &ar),
		b.shot("answer-ar"),
		b.accessible("answer-ar"),
	)
	if ar.Lang != "ar" || ar.Dir != "rtl" || ar.Direction != "rtl" || !strings.Contains(ar.H1, "مرشد لك") || !ar.ButtonRight {
		t.Errorf("Arabic page laid out as %+v, want lang ar, right to left, the Arabic heading, text from the right", ar)
	}
	if ar.Scripts != 0 || ar.Overflow {
		t.Errorf("Arabic page: %d scripts, sideways scroll %v", ar.Scripts, ar.Overflow)
	}
	var thanks string
	b.run("accept it",
		chromedp.Click(`button.yes`, chromedp.ByQuery),
		chromedp.WaitVisible(`p.body`, chromedp.ByQuery),
		chromedp.Text(`h1`, &thanks, chromedp.ByQuery),
		b.shot("answer-ar-accepted"),
		b.accessible("answer-ar-accepted"),
	)
	if thanks != "شكرًا على موافقتك!" {
		t.Errorf("after accepting: %q", thanks)
	}
	if pairOf(t, coordAr, arPair).GetPair().GetNewcomerAcceptTime() == nil {
		t.Error("the Arabic offer was not accepted")
	}

	var sv layout
	b.run("open the Swedish offer",
		chromedp.Navigate(e.base+svPath),
		chromedp.WaitVisible(`button.yes`, chromedp.ByQuery),
		chromedp.Evaluate(probe, &sv),
		b.shot("answer-sv"),
		b.accessible("answer-sv"),
	)
	if sv.Lang != "sv" || sv.Dir != "ltr" || sv.Direction != "ltr" || sv.H1 != "En mentor för dig" || sv.ButtonRight || sv.Scripts != 0 || sv.Overflow {
		t.Errorf("Swedish page laid out as %+v", sv)
	}
	b.run("decline it with a reason",
		chromedp.Click(`#reason-no_time`, chromedp.ByQuery),
		chromedp.Click(`button.no`, chromedp.ByQuery),
		chromedp.WaitVisible(`p.body`, chromedp.ByQuery),
		chromedp.Text(`h1`, &thanks, chromedp.ByQuery),
		b.shot("answer-sv-declined"),
	)
	if thanks != "Tack för ditt svar" {
		t.Errorf("after declining: %q", thanks)
	}
	if p := pairOf(t, coordSv, svPair).GetPair(); p.GetDeclineReason().String() != "DECLINE_REASON_NO_TIME" {
		t.Errorf("the Swedish offer's decline: %v %v", p.GetStatus(), p.GetDeclineReason())
	}
}

// testAnswerPageUnconfiguredBrowser opens an answer link on a gateway
// without notify (no NOTIFY_ADDR) in headless Chromium with a Swedish
// browser: a Swedish page, status 503, with an English part marked as
// English, no script, no sideways scroll, and axe-core finds no serious or
// critical violation.
func testAnswerPageUnconfiguredBrowser(t *testing.T) {
	e := start(t, envOptions{})
	res, err := http.Get(e.base + "/a/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("an answer link without notify: %d, want 503", res.StatusCode)
	}
	b := openTab(t, tabOptions{width: 390, height: 844, acceptLang: "sv-SE,sv"})
	var got struct {
		Lang, H1, EnglishLang, EnglishH2 string
		Scripts                          int
		Overflow                         bool
	}
	b.run("open the answer link",
		chromedp.Navigate(e.base+"/a/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
		chromedp.WaitVisible(`h1`, chromedp.ByQuery),
		chromedp.Evaluate(`({
			Lang: document.documentElement.lang,
			H1: document.querySelector("h1").textContent,
			EnglishLang: (document.querySelector("section.also") || {}).lang || "",
			EnglishH2: (document.querySelector("section.also h2") || {}).textContent || "",
			Scripts: document.scripts.length,
			Overflow: document.documentElement.scrollWidth > window.innerWidth,
		})`, &got),
		b.accessible("answer-unconfigured"),
	)
	if got.Lang != "sv" || got.H1 != "Något gick fel" || got.EnglishLang != "en" || got.EnglishH2 != "Something went wrong" ||
		got.Scripts != 0 || got.Overflow {
		t.Errorf("the page without notify: %+v", got)
	}
}
