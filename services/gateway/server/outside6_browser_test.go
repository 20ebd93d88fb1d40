package server_test

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// testMailboxOnAPhone: the admin's development mailbox fits a 375 px
// screen in Swedish. Its heading, one long word ("Utvecklingsbrevlådan"),
// pushed the page 33 px past the edge (outside round s25, ADR 0131).
func testMailboxOnAPhone(t *testing.T) {
	e := start(t, envOptions{notify: true})
	fitsAPhone(t, e, "brevlada@example.org", "brevlada-telefon",
		chromedp.Navigate(e.base+"/admin/mailbox"),
		chromedp.WaitVisible(`h1`, chromedp.ByQuery),
	)
}
