package server_test

import (
	"net/http"
	"strings"
	"testing"

	"connectrpc.com/connect"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestEditFormEveryViolation: the newcomer and volunteer edit forms
// refused what they read themselves (a household of "x", a language they
// do not know) alone, and the service's refusals (an emptied name, no
// such municipality) only after a second try (ADR 0132, 0135 "Left").
// They now ask the service to check the rest of the change
// (validate_only, ADR 0139): one post marks all four fields once each,
// and the record is unchanged.
func TestEditFormEveryViolation(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Förening", "0880")
	coord := e.coordinator(admin, "redigerafel@example.org", org, "0880")
	b := e.swedishBrowser("redigerafel@example.org")
	ctx := testutil.Context(t)

	for _, c := range []struct{ what, path string }{
		{"newcomer", "/participants/" + dinnerGuest(t, coord, org, "0880", "Amal")},
		{"volunteer", "/volunteers/" + dinnerHost(t, coord, org, "0880", "Karin")},
	} {
		_, page := b.get(c.path)
		action, form := formOf(t, page)
		if action != c.path {
			t.Fatalf("%s: the edit form posts to %q, want %q", c.what, action, c.path)
		}
		form.Set("given_name", "")
		form.Set("municipality_code", "9999")
		form.Set("household_size", "x")
		form.Set("languages", "arabiska, klingonska")
		code, body := b.post(action, form)
		if code != http.StatusUnprocessableEntity {
			t.Fatalf("%s: bad edit: %d, want 422:\n%s", c.what, code, trim(visibleText(body)))
		}
		for _, f := range []string{"given_name", "municipality_code", "household_size", "languages"} {
			if n := strings.Count(body, `<p class="error" id="e-`+f+`"`); n != 1 {
				t.Errorf("%s: field %s marked %d times, want once:\n%s", c.what, f, n, trim(visibleText(body)))
			}
		}
		mustContain(t, body, "klingonska")
	}

	// Nothing was stored: both still have their names.
	ps, err := coord.registry.ListParticipants(ctx, connect.NewRequest(&gatewayv1.ListParticipantsRequest{}))
	if err != nil || len(ps.Msg.GetParticipants()) != 1 || ps.Msg.GetParticipants()[0].GetGivenName() != "Amal" {
		t.Errorf("newcomers after the refused edit: %v %v; want Amal unchanged", ps, err)
	}
	vs, err := coord.registry.ListVolunteers(ctx, connect.NewRequest(&gatewayv1.ListVolunteersRequest{}))
	if err != nil || len(vs.Msg.GetVolunteers()) != 1 || vs.Msg.GetVolunteers()[0].GetGivenName() != "Karin" {
		t.Errorf("volunteers after the refused edit: %v %v; want Karin unchanged", vs, err)
	}
}
