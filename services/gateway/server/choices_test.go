package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	dinnersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestFormsRefuseTamperedChoices: the dinners forms (new and edited offer
// and sign-up, a seating's actions) and the notification preferences
// refuse a list value they do not offer, as the newcomer and volunteer
// forms do (ADR 0099): the form comes back with 422, the field marked
// and its message in Swedish, and nothing is stored. Before, a tampered
// composition, household member, channel or Swedish level was saved as
// "not given" (the outside round of session 20). A guide assignment's
// party, decline, end or reject reason is refused the same way.
func TestFormsRefuseTamperedChoices(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Valförening", "0180")
	coord := e.coordinator(admin, "val@example.org", org, "0180")
	host := dinnerHost(t, coord, org, "0180", "Karin")
	guest := dinnerGuest(t, coord, org, "0180", "Leila")
	day := time.Now().AddDate(0, 0, 9).Format(time.DateOnly)
	ctx := testutil.Context(t)
	b := e.browser()
	b.signIn("val@example.org", password)
	b.swedish()
	refused := func(what, action string, form url.Values, field string) string {
		t.Helper()
		code, body := b.post(action, form)
		if code != http.StatusUnprocessableEntity {
			t.Fatalf("%s: %d, want 422\n%s", what, code, trim(visibleText(body)))
		}
		mustContain(t, body, "är inget känt värde", `href="#f-`+field+`"`)
		// The summary's link lands on the field, which has its message.
		if !strings.Contains(body, `id="f-`+field+`"`) || !strings.Contains(body, `<p class="error"`) {
			t.Errorf("%s: the field %s is not marked", what, field)
		}
		return body
	}

	// A new offer and a new sign-up: nothing is stored.
	_, page := b.get("/dinners/offers/new")
	action, form := formOf(t, page)
	form.Set("person", host)
	form.Set("date_0", day)
	form.Set("composition", "COMPOSITION_BOGUS")
	refused("new offer, composition", action, form, "composition")
	form.Set("composition", "COMPOSITION_COUPLE")
	form.Set("diets", "DIET_BOGUS")
	refused("new offer, diet", action, form, "diets")
	_, page = b.get("/dinners/signups/new")
	action, form = formOf(t, page)
	form.Set("person", guest)
	form.Set("age_self", "34")
	form.Set("date_0", day)
	form.Set("relation_1", "RELATION_BOGUS")
	form.Set("age_1", "8")
	mustContain(t, refused("new sign-up, household member", action, form, "relation_1"), "Person 1</a>: är inget känt värde")
	form.Set("relation_1", "RELATION_CHILD")
	form.Set("swedish_level", "SWEDISH_LEVEL_SFI_Z")
	refused("new sign-up, Swedish level", action, form, "swedish_level")
	offers, err := coord.dinners.ListDinnerOffers(ctx, connect.NewRequest(&gatewayv1.ListDinnerOffersRequest{PageSize: 10}))
	if err != nil || len(offers.Msg.GetOffers()) != 0 {
		t.Fatalf("offers stored after refusals: %v %v", offers.Msg.GetOffers(), err)
	}
	signUps, err := coord.dinners.ListDinnerSignUps(ctx, connect.NewRequest(&gatewayv1.ListDinnerSignUpsRequest{PageSize: 10}))
	if err != nil || len(signUps.Msg.GetSignUps()) != 0 {
		t.Fatalf("sign-ups stored after refusals: %v %v", signUps.Msg.GetSignUps(), err)
	}

	// The edit pages: the stored record is unchanged.
	o := dinnerOffer(t, coord, host, "0180", 4, day)
	_, page = b.get("/dinners/offers/" + o.GetOffer().GetId() + "/edit")
	action, form = formOf(t, page)
	form.Set("composition", "COMPOSITION_BOGUS")
	form.Set("seats", "5")
	refused("edited offer, composition", action, form, "composition")
	form.Set("composition", "COMPOSITION_COUPLE")
	form.Add("allergens", "ALLERGEN_BOGUS")
	refused("edited offer, allergen", action, form, "allergens")
	got, err := coord.dinners.GetDinnerOffer(ctx, connect.NewRequest(&gatewayv1.GetDinnerOfferRequest{Id: o.GetOffer().GetId()}))
	if err != nil || got.Msg.GetOffer().GetOffer().GetSeats() != 4 || got.Msg.GetOffer().GetOffer().GetComposition() != dinnersv1.Composition_COMPOSITION_COUPLE {
		t.Fatalf("offer changed by a refused edit: %v %v", got.Msg.GetOffer(), err)
	}
	s := dinnerSignUp(t, coord, guest, "0180", day)
	_, page = b.get("/dinners/signups/" + s.GetSignUp().GetId() + "/edit")
	action, form = formOf(t, page)
	form.Set("composition", "COMPOSITION_BOGUS")
	form.Set("first_time", "")
	refused("edited sign-up, composition", action, form, "composition")
	gs, err := coord.dinners.GetDinnerSignUp(ctx, connect.NewRequest(&gatewayv1.GetDinnerSignUpRequest{Id: s.GetSignUp().GetId()}))
	if err != nil || gs.Msg.GetSignUp().GetSignUp().GetComposition() != dinnersv1.Composition_COMPOSITION_FAMILY || !gs.Msg.GetSignUp().GetSignUp().GetFirstTime() {
		t.Fatalf("sign-up changed by a refused edit: %v %v", gs.Msg.GetSignUp(), err)
	}

	// A seating's action with a reason the list does not offer is refused
	// before the service is asked (which would answer "not found" here).
	code, body := b.post("/dinners/seatings/0190a0b0-0000-7000-8000-000000000000/reject", url.Values{"reason": {"REJECT_REASON_BOGUS"}, "back": {"/dinners"}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, "är inget känt värde") {
		t.Errorf("reject with an unknown reason: %d %s", code, trim(visibleText(body)))
	}

	// A guide assignment's actions likewise: a party or a reason the
	// lists do not offer is refused by its field before the service is
	// asked (before, it went on as the zero value: "not given", or a
	// rejection for "other").
	for _, c := range []struct {
		action string
		form   url.Values
	}{
		{"reject", url.Values{"reason": {"REJECT_REASON_BOGUS"}}},
		{"accept", url.Values{"party": {"ACCEPTING_PARTY_BOGUS"}}},
		{"decline", url.Values{"party": {"ACCEPTING_PARTY_NEWCOMER"}, "reason": {"DECLINE_REASON_BOGUS"}}},
		{"decline", url.Values{"party": {"ACCEPTING_PARTY_BOGUS"}, "reason": {"DECLINE_REASON_OTHER"}}},
		{"end", url.Values{"reason": {"ASSIGNMENT_END_REASON_BOGUS"}}},
	} {
		code, body := b.post("/guides/assignments/0190a0b0-0000-7000-8000-000000000000/"+c.action, c.form)
		if code != http.StatusUnprocessableEntity || !strings.Contains(body, "är inget känt värde") {
			t.Errorf("guide assignment %s with %v: %d %s", c.action, c.form, code, trim(visibleText(body)))
		}
	}

	// The notification channel on the newcomer form.
	_, page = b.get("/participants/new")
	action, form = formOf(t, page)
	form.Set("given_name", "Samira")
	form.Set("family_name", "Kanal")
	form.Set("municipality_code", "0180")
	form.Set("notify_channel", "PREFERRED_CHANNEL_PIGEON")
	mustContain(t, refused("newcomer, channel", action, form, "notify_channel"), `id="e-notify_channel"`, "Skicka med")
	ps, err := coord.registry.ListParticipants(ctx, connect.NewRequest(&gatewayv1.ListParticipantsRequest{PageSize: 10}))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps.Msg.GetParticipants() {
		if p.GetGivenName() == "Samira" {
			t.Fatalf("newcomer stored with a refused channel: %v", p.GetNotifications())
		}
	}
	form.Set("notify_channel", typev1.PreferredChannel_PREFERRED_CHANNEL_SMS.String())
	if code, body := b.post(action, form); code != http.StatusSeeOther {
		t.Fatalf("newcomer with a known channel: %d %s", code, trim(visibleText(body)))
	}
}
