package web

import (
	"context"
	"html"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/motesplats/motesplats/pkg/apperr"
)

// TestErrorPageNamesIdsInWords: a refused id in an address
// (/participants/..%2f, /matching?job=../x, /admin/mailbox?person=../x)
// is shown on the error page under a label ("Postens id: är inget
// giltigt id."), not the service's field code ("id:", "job_id:").
func TestErrorPageNamesIdsInWords(t *testing.T) {
	t.Parallel()
	w, err := New(nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"sv", "en"} {
		for _, field := range []string{"id", "job_id", "person_id", "participant_id", "volunteer_id", "offer_id", "proposal_id"} {
			p := benchPage()
			p.Lang, p.ctx = lang, context.Background()
			rec := httptest.NewRecorder()
			w.renderError(rec, httptest.NewRequest("GET", "/participants/x", nil), p, apperr.FieldError(field, "is not an id"))
			body := rec.Body.String()
			if rec.Code != 422 {
				t.Errorf("%s %s: status %d, want 422", lang, field, rec.Code)
			}
			if strings.Contains(body, ". "+field+":") {
				t.Errorf("%s: the page names the field by its code %q", lang, field)
			}
			if label := fieldLabel(p, field); label == field || !strings.Contains(body, html.EscapeString(label)+":") {
				t.Errorf("%s: the page does not name %q by its label %q", lang, field, label)
			}
		}
	}
}

// TestErrorPageOfABadPageToken: a list asked for a page its token does
// not name (/guides/jobs/{id}/unassigned?page_token=garbage) says, in
// English too, to correct the page in words, never the services' "invalid
// request", and links to the list's first page with its filters, which
// the words tell the reader to go to: it offered the overview only
// (outside round s29).
func TestErrorPageOfABadPageToken(t *testing.T) {
	t.Parallel()
	w, err := New(nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for lang, heading := range map[string]string{"sv": "Rätta följande:", "en": "Please correct the following:"} {
		p := benchPage()
		p.Lang, p.ctx = lang, context.Background()
		rec := httptest.NewRecorder()
		r := httptest.NewRequest("GET", "/guides/jobs/j-1/unassigned?page_token=garbage&municipality_code=0180", nil)
		w.renderError(rec, r, p, apperr.FieldError("page_token", "is not a token from a previous response"))
		body := rec.Body.String()
		if rec.Code != 422 || !strings.Contains(body, "<p>"+heading+" ") || strings.Contains(body, "invalid request") {
			t.Errorf("%s: status %d, want 422 and the words %q, not the code:\n%s", lang, rec.Code, heading, body)
		}
		if !strings.Contains(body, `<a href="/guides/jobs/j-1/unassigned?municipality_code=0180">`) {
			t.Errorf("%s: no link to the list's first page:\n%s", lang, body)
		}
		// Another refusal, or the same field on a form's post, has no
		// first page to offer.
		p = benchPage()
		p.Lang, p.ctx = lang, context.Background()
		rec = httptest.NewRecorder()
		w.renderError(rec, httptest.NewRequest("GET", "/guides/jobs/j-1/unassigned", nil), p, apperr.FieldError("job_id", "is not an id"))
		if strings.Contains(rec.Body.String(), "unassigned") {
			t.Errorf("%s: a link to a first page on another refusal:\n%s", lang, rec.Body.String())
		}
	}
}

// TestErrorPageSaysASentence: a service's refusal is a clause, lowercase
// and without a stop, written to follow a field's label or "mp: "; the
// error page showed it so on its own, "en tjänst svarar inte; försök
// igen om en stund" (outside round s45). The page says it as a sentence
// (ADR 0251); a form's summary keeps its heading.
func TestErrorPageSaysASentence(t *testing.T) {
	t.Parallel()
	w, err := New(nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		lang string
		err  error
		want string
	}{
		{"sv", apperr.Errorf(apperr.Unavailable, "a service is not answering; try again in a moment"), "<p>En tjänst svarar inte; försök igen om en stund.</p>"},
		{"en", apperr.Errorf(apperr.Unavailable, "a service is not answering; try again in a moment"), "<p>A service is not answering; try again in a moment.</p>"},
		{"sv", apperr.Errorf(apperr.FailedPrecondition, "the mentor has no free slot"), "<p>Mentorn har ingen ledig plats för fler par.</p>"},
		{"sv", apperr.Errorf(apperr.Unavailable, "the request took too long; try again"), "<p>Det tog för lång tid; försök igen.</p>"},
	} {
		p := benchPage()
		p.Lang, p.ctx = c.lang, context.Background()
		rec := httptest.NewRecorder()
		w.renderError(rec, httptest.NewRequest("POST", "/guides/jobs", nil), p, c.err)
		if body := rec.Body.String(); !strings.Contains(body, c.want) {
			t.Errorf("%s %v: the page lacks %s:\n%s", c.lang, c.err, c.want, body[strings.Index(body, "<main"):])
		}
	}
}
