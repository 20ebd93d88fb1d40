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
