package server_test

import (
	"context"
	"os"
	"testing"

	"github.com/chromedp/chromedp"
)

func TestO5Live(t *testing.T) {
	base := os.Getenv("O5_BASE")
	if base == "" {
		t.Skip()
	}
	for _, width := range []int{375, 1100} {
		for _, who := range []struct{ email, pass string; paths []string }{
			{"anna@example.org", os.Getenv("O5_ANNA"), []string{"/matching", "/dinners/report", "/dinners/offers/new", "/dinners/signups/new", "/matching/bulk?min_score=-1", "/participants?page_token=x"}},
			{"admin@example.org", os.Getenv("O5_ADMIN"), []string{"/dinners/offers/new", "/dinners/signups/new"}},
		} {
			b := openTab(t, tabOptions{width: width, height: 800, timeout: 5 * 60e9})
			b.run("sign in", chromedp.Navigate(base+"/signin"), chromedp.WaitVisible(`#f-email`),
				chromedp.SendKeys(`#f-email`, who.email), chromedp.SendKeys(`#f-password`, who.pass),
				chromedp.Click(`button.primary`), chromedp.WaitVisible(`nav`))
			for _, p := range who.paths {
				name := who.email[:4] + p
				b.run(name, chromedp.Navigate(base+p), chromedp.WaitVisible(`main`))
				if p == "/dinners/offers/new" || p == "/dinners/signups/new" {
					var has bool
					b.run("has search", chromedp.Evaluate(`!!document.querySelector('#f-picker_name')`, &has))
					if has {
						b.run(name+" search", chromedp.SendKeys(`#f-picker_name`, "\u200fAnna\u200e"), chromedp.Click(`button[name=picker_search]`), chromedp.Sleep(1e9), chromedp.WaitVisible(`main`))
						var res string
						b.run("res", chromedp.Evaluate(`(document.querySelector('#f-person')||{}).length + ' options; ' + ((document.querySelector('.errors')||{}).innerText||'')`, &res))
						t.Logf("%d %s search: %s", width, name, res)
					}
				}
				var wide string
				b.run(name+" width", chromedp.Evaluate(`(() => { const W = document.documentElement.clientWidth; const out = []; for (const el of document.querySelectorAll('body *')) { const r = el.getBoundingClientRect(); if (r.width > 0 && r.right > W + 1) { out.push(el.tagName + (el.id?'#'+el.id:'') + (el.className?'.'+el.className:'') + ' ' + Math.round(r.right)); } } return 'W=' + W + ' scroll=' + document.documentElement.scrollWidth + ' over: ' + out.slice(0,8).join(', '); })()`, &wide))
				t.Logf("%d %s: %s", width, name, wide)
				b.run(name+" shot", b.shot(fmtName(width, name)))
				b.run(name+" check", chromedp.ActionFunc(func(ctx context.Context) error {
					var html string
					if err := chromedp.OuterHTML("html", &html, chromedp.ByQuery).Do(ctx); err != nil {
						return err
					}
					noEnglish(t, name, html)
					return axeCheckFrom(ctx, t, b.axe, name, "minor")
				}))
			}
		}
	}
}

func fmtName(w int, s string) string {
	out := []rune{}
	for _, r := range s {
		if r == '/' || r == '?' || r == '=' || r == '&' {
			r = '_'
		}
		out = append(out, r)
	}
	return string(out) + "-" + string(rune('0'+w/1000)) + string(rune('0'+w/100%10))
}
