package web

import (
	"strings"
	"testing"
)

// TestMailboxSearchThatFindsNothingSaysSo: the mailbox narrowed to a
// person with no message said "Brevlådan är tom." while it held other
// people's messages (found from outside, ADR 0227; the audit page's empty
// search, ADR 0223, said the same kind of thing). A search that finds
// nothing now says that no message went to that person; the whole mailbox
// with none is still empty.
func TestMailboxSearchThatFindsNothingSaysSo(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name      string
		data      mailboxData
		want, not string
	}{
		{"narrowed to a person with none", mailboxData{PersonID: "0193d000-0000-7000-8000-000000000001"},
			"Inga meddelanden i brevlådan till den personen.", "Brevlådan är tom."},
		{"narrowed to a named person with none", mailboxData{PersonID: "0193d000-0000-7000-8000-000000000001", Person: "Leila Haddad"},
			"Inga meddelanden i brevlådan till den personen.", "Brevlådan är tom."},
		{"the whole mailbox, empty", mailboxData{}, "Brevlådan är tom.", "till den personen"},
	} {
		p := benchPage()
		p.Admin = true
		p.Data = tt.data
		body := renderPage(t, p, "mailbox")
		if !strings.Contains(body, tt.want) || strings.Contains(body, tt.not) {
			t.Errorf("%s: want %q and no %q", tt.name, tt.want, tt.not)
		}
	}
}
