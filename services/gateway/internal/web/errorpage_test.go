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
			w.renderError(rec, p, apperr.FieldError(field, "is not an id"))
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
