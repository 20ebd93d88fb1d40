package answer

// What the answer page's template shows: the view of one page, and the
// pieces it cuts an offer's text into so a phone keeps a date on one line.

import (
	"bytes"
	"net/http"
	"regexp"
	"strings"
)

// view is what the template shows.
type view struct {
	Lang, Dir, Title string
	// Kind is "offer" (the form) or "message" (a state or an outcome).
	Kind string
	// Body is a message page's text.
	Body string
	// Again offers a link back to the form (a stale form).
	Again bool
	// Also repeats a message page in Swedish and English, for a visitor
	// whose language nothing tells (see unconfigured).
	Also []alsoIn

	Summary, SummarySV string
	Unreviewed         bool
	// AnswerBy is the sentence with the date to answer by, around the
	// date: the page keeps "2026-12-10 18:00" on one line (a phone broke it
	// after "2026-").
	AnswerBy           *answerBy
	Accept, CannotCome bool
	Decline            bool
	Reasons            []reasonOpt
	Nonce              string
	Error              string

	cat *catalog
}

// alsoIn is a message page's text in one more language.
type alsoIn struct {
	Lang, Dir, Title, Body, Questions string
}

// when finds a date, with its time if it has one, in an offer's text.
var when = regexp.MustCompile(`\d{4}-\d{2}-\d{2}(?: \d{2}:\d{2})?`)

// run is a piece of an offer's text; Keep marks a date, which the page keeps
// on one line.
type run struct {
	Text string
	Keep bool
}

// Runs cuts s around its dates: a phone broke "2026-12-10" after "2026-"
// in the offer's own text as in the date to answer by.
func (v *view) Runs(s string) []run {
	var out []run
	last := 0
	for _, m := range when.FindAllStringIndex(s, -1) {
		if m[0] > last {
			out = append(out, run{Text: s[last:m[0]]})
		}
		out = append(out, run{Text: s[m[0]:m[1]], Keep: true})
		last = m[1]
	}
	if last < len(s) {
		out = append(out, run{Text: s[last:]})
	}
	return out
}

// answerBy is the answer_by sentence split around its date.
type answerBy struct{ Before, Date, After string }

// answerBy words the date to answer by in lang, split where the
// translation puts the date (before it in Swedish, after it in Tigrinya).
func (c *catalog) answerBy(lang, date string) *answerBy {
	const mark = "\uE000" // private use: no translation writes it
	s := c.text(lang, "answer_by", map[string]any{"Date": mark})
	before, after, ok := strings.Cut(s, mark)
	if !ok {
		return &answerBy{Before: c.text(lang, "answer_by", map[string]any{"Date": date})}
	}
	return &answerBy{Before: before, Date: date, After: after}
}

type reasonOpt struct {
	Value, Label string
	Checked      bool
}

// T translates a catalogue key in the page's language.
func (v *view) T(id string) string { return v.cat.text(v.Lang, id, nil) }

// render executes the template with v and writes it with code; a page
// that cannot be drawn says "try again" without the error.
func (p *Page) render(w http.ResponseWriter, code int, v *view) {
	var buf bytes.Buffer
	if err := p.tpl.Execute(&buf, v); err != nil {
		p.opts.Logger.Error("answer page: render", "err", err)
		http.Error(w, "Mötesplats: try again in a moment", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	_, _ = buf.WriteTo(w)
}
