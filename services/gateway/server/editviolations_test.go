package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

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

// TestDinnerEditFormsEveryViolation: the dinners edit forms likewise. The
// offer form refuses a kitchen choice it does not offer itself and the
// dinners service a postcode that is not five digits; the sign-up form
// refuses an age that is no number itself, the service the postcode. One
// post marks both, and nothing is stored (ADR 0139).
func TestDinnerEditFormsEveryViolation(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Redigeraförening", "0180")
	coord := e.coordinator(admin, "middagfel@example.org", org, "0180")
	host := dinnerHost(t, coord, org, "0180", "Karin")
	guest := dinnerGuest(t, coord, org, "0180", "Leila")
	day := time.Now().AddDate(0, 0, 9).Format(time.DateOnly)
	ctx := testutil.Context(t)
	b := e.swedishBrowser("middagfel@example.org")
	marked := func(what, action string, form url.Values, fields ...string) {
		t.Helper()
		code, body := b.post(action, form)
		if code != http.StatusUnprocessableEntity {
			t.Fatalf("%s: %d, want 422:\n%s", what, code, trim(visibleText(body)))
		}
		for _, f := range fields {
			if n := strings.Count(body, `<p class="error" id="e-`+f+`"`); n != 1 {
				t.Errorf("%s: field %s marked %d times, want once:\n%s", what, f, n, trim(visibleText(body)))
			}
		}
	}

	o := dinnerOffer(t, coord, host, "0180", 4, day)
	_, page := b.get("/dinners/offers/" + o.GetOffer().GetId() + "/edit")
	action, form := formOf(t, page)
	form.Set("composition", "COMPOSITION_BOGUS")
	form.Set("postcode", "1")
	marked("edited offer", action, form, "composition", "postcode")
	got, err := coord.dinners.GetDinnerOffer(ctx, connect.NewRequest(&gatewayv1.GetDinnerOfferRequest{Id: o.GetOffer().GetId()}))
	if err != nil || got.Msg.GetOffer().GetOffer().GetEtag() != o.GetOffer().GetEtag() {
		t.Errorf("offer changed by a refused edit: %v %v", got.Msg.GetOffer(), err)
	}

	s := dinnerSignUp(t, coord, guest, "0180", day)
	_, page = b.get("/dinners/signups/" + s.GetSignUp().GetId() + "/edit")
	action, form = formOf(t, page)
	form.Set("age_self", "x")
	form.Set("postcode", "1")
	marked("edited sign-up", action, form, "age_self", "postcode")
	gs, err := coord.dinners.GetDinnerSignUp(ctx, connect.NewRequest(&gatewayv1.GetDinnerSignUpRequest{Id: s.GetSignUp().GetId()}))
	if err != nil || gs.Msg.GetSignUp().GetSignUp().GetEtag() != s.GetSignUp().GetEtag() {
		t.Errorf("sign-up changed by a refused edit: %v %v", gs.Msg.GetSignUp(), err)
	}
}
