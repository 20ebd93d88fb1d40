package web

import (
	"strings"
	"testing"

	"github.com/motesplats/motesplats/services/gateway/internal/assets"
)

// TestPagesLinkVersionedAssets: every page's layout links its style sheet
// and scripts at the addresses that change with their bytes (ADR 0135),
// so a deploy's new layout shows on the next page, not an hour later.
func TestPagesLinkVersionedAssets(t *testing.T) {
	t.Parallel()
	p := benchPage()
	p.Data = &guideAssignData{Available: true}
	body := renderPage(t, p, "guides_assign")
	for _, name := range []string{"app.css", "htmx.min.js", "app.js"} {
		url := assets.Static().URL(name)
		if !strings.Contains(url, "?v=") {
			t.Errorf("%s has no versioned address: %s", name, url)
		}
		if !strings.Contains(body, `"`+url+`"`) {
			t.Errorf("the page does not link %s", url)
		}
	}
	if strings.Contains(body, `"/static/app.css"`) {
		t.Error("the page links the unversioned /static/app.css")
	}
}
