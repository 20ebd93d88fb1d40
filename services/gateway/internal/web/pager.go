package web

import (
	"net/http"
	"net/url"
	"strconv"
)

// pager is the position line and links under a paged list: "51–100 av
// 266" with next and previous links (issue 12: lists were cut at their
// first page without a word). Page tokens are opaque, so the previous
// link carries the tokens of the pages before it ("back") and the offset
// of the first row shown ("at"); every other query parameter (filters,
// the job) is kept.
type pager struct {
	Range, Next, Prev string
	// First links to the list's first page from a page reached without
	// the tokens of the pages before it (a sign-in that went back to
	// page 4, ADR 0188): it has no previous page to link to.
	First string
	// Of names the list when a page has two ("Sidor: Par"): two
	// navigation landmarks both called "Sidor" are one name for two
	// places to a screen reader's list of landmarks (axe landmark-unique).
	Of string
}

// newPager returns the pager of a page that shows shown rows of total,
// read with page size size; prefix tells two lists on one page apart and
// frag is the anchor the links go back to.
func newPager(p *page, r *http.Request, prefix, frag string, size, shown int, total int32, next string) pager {
	q := r.URL.Query()
	q.Del(resumedParam) // the sign-in's mark stays on the page it went back to
	at, err := strconv.Atoi(q.Get(prefix + "at"))
	if err != nil || at < 0 {
		at = 0
	}
	var out pager
	if shown > 0 {
		out.Range = p.tf("page.range", "From", at+1, "To", at+shown, "Total", total)
	}
	back := q[prefix+"back"]
	if next != "" {
		n := cloneValues(q)
		n.Set(prefix+"page_token", next)
		n.Set(prefix+"at", strconv.Itoa(at+shown))
		n[prefix+"back"] = append(append([]string(nil), back...), q.Get(prefix+"page_token"))
		out.Next = r.URL.Path + "?" + n.Encode() + frag
	}
	// A previous page only beyond the first: the first page has no
	// token, and a "back" typed into its address (outside round s42)
	// linked "Föregående sida" to a token no page gave, an error page.
	if len(back) > 0 && q.Get(prefix+"page_token") != "" {
		pr := cloneValues(q)
		pr.Set(prefix+"page_token", back[len(back)-1])
		pr.Set(prefix+"at", strconv.Itoa(max(0, at-size)))
		pr[prefix+"back"] = back[:len(back)-1]
		out.Prev = r.URL.Path + "?" + pr.Encode() + frag
	} else if q.Get(prefix+"page_token") != "" {
		f := cloneValues(q)
		f.Del(prefix + "page_token")
		f.Del(prefix + "at")
		f.Del(prefix + "back")
		out.First = r.URL.Path
		if len(f) > 0 {
			out.First += "?" + f.Encode()
		}
		out.First += frag
	}
	return out
}

func cloneValues(q url.Values) url.Values {
	out := make(url.Values, len(q))
	for k, v := range q {
		out[k] = append([]string(nil), v...)
	}
	return out
}
