package web

import (
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	notifyv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/notify/v1"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
)

// TestEmptySearchSaysNoMatches: a list search with no hit says "Inga
// träffar." instead of an empty table header, and a name of one or two
// letters (which matches whole names only, ADR 0084) says so; the
// participants and volunteers lists showed only the header.
func TestEmptySearchSaysNoMatches(t *testing.T) {
	t.Parallel()
	w, err := New(nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		tmpl string
		data func(name string) any
	}{
		{"participants", func(name string) any {
			return listData[*participantsv1.Participant]{ShortName: shortName(name)}
		}},
		{"volunteers", func(name string) any { return listData[*volunteersv1.Volunteer]{ShortName: shortName(name)} }},
	} {
		for _, name := range []string{"zzzz", "am"} {
			p := benchPage()
			p.Form = url.Values{"name": {name}}
			p.Data = tt.data(name)
			rec := httptest.NewRecorder()
			if err := w.render(rec, p, 200, tt.tmpl); err != nil {
				t.Fatal(err)
			}
			body := rec.Body.String()
			if !strings.Contains(body, "Inga träffar.") {
				t.Errorf("%s, %q: no \"Inga träffar.\"", tt.tmpl, name)
			}
			if strings.Contains(body, "<thead>") {
				t.Errorf("%s, %q: an empty table is shown", tt.tmpl, name)
			}
			if hint := strings.Contains(body, "färre än tre bokstäver"); hint != (name == "am") {
				t.Errorf("%s, %q: short-name hint shown = %v", tt.tmpl, name, hint)
			}
		}
	}
}

// TestErasedMessageTextSaysWhy: a mailbox message whose text notify
// removed when a person in it was erased (ADR 0086) says so instead of
// showing an empty text; a message with its text shows the text.
func TestErasedMessageTextSaysWhy(t *testing.T) {
	t.Parallel()
	w, err := New(nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		lang, body, want string
	}{
		{"sv", "", "Texten togs bort eftersom en person som meddelandet handlade om har raderats."},
		{"en", "", "The text was removed because a person the message was about has been erased."},
		{"sv", "Hej Amina!", "Hej Amina!"},
	} {
		p := benchPage()
		p.Lang = tt.lang
		p.Data = mailboxMessage{Msg: &notifyv1.MailboxMessage{Id: "m-1", PersonId: "p-1", Language: "sv", TextBody: tt.body}, Dir: "ltr"}
		rec := httptest.NewRecorder()
		if err := w.render(rec, p, 200, "mailbox_message"); err != nil {
			t.Fatal(err)
		}
		body := rec.Body.String()
		if !strings.Contains(body, tt.want) {
			t.Errorf("%s, text %q: no %q", tt.lang, tt.body, tt.want)
		}
		if erased := strings.Contains(body, `id="text-erased"`); erased != (tt.body == "") {
			t.Errorf("%s, text %q: erasure note shown = %v", tt.lang, tt.body, erased)
		}
	}
}
