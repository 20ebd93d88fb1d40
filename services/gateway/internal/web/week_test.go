package web

import (
	"net/http/httptest"
	"strings"
	"testing"

	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
)

// TestListsNameTheNameColumn: the newcomers' and volunteers' lists show
// each person's whole name in their first column, so its heading is
// "Namn"; it said "Förnamn" over "Olena Ahmadi" (ADR 0192).
func TestListsNameTheNameColumn(t *testing.T) {
	t.Parallel()
	w, err := New(nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		tmpl string
		data any
	}{
		{"participants", listData[*participantsv1.Participant]{Items: []*participantsv1.Participant{{Id: "p1", GivenName: "Olena", FamilyName: "Ahmadi"}}}},
		{"volunteers", listData[*volunteersv1.Volunteer]{Items: []*volunteersv1.Volunteer{{Id: "v1", GivenName: "Karin", FamilyName: "Berg"}}}},
	} {
		p := benchPage()
		p.Data = tt.data
		rec := httptest.NewRecorder()
		if err := w.render(rec, p, 200, tt.tmpl); err != nil {
			t.Fatal(err)
		}
		_, head, _ := strings.Cut(rec.Body.String(), "<thead>")
		head, _, _ = strings.Cut(head, "</thead>")
		if !strings.HasPrefix(head, `<tr><th scope="col">Namn</th>`) {
			t.Errorf("%s: the names' column is headed %q, want Namn", tt.tmpl, head)
		}
	}
}
