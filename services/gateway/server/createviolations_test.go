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

// TestDinnerCreateFormsEveryViolation: the new-offer and new-sign-up
// forms refused what they read themselves (a household they do not
// offer, an age that is no number) alone, and the dinners service's
// refusals (seats, a postcode that is not five digits) only after a
// second try (ADR 0139 "Left"). They now ask the service to check the
// rest (validate_only, ADR 0144): one post marks every field once, as a
// coordinator's and as an administrator's (whose organisation is the
// chosen person's), and nothing is stored.
func TestDinnerCreateFormsEveryViolation(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Nyförening", "0180")
	coord := e.coordinator(admin, "nyfel@example.org", org, "0180")
	host := dinnerHost(t, coord, org, "0180", "Karin")
	guest := dinnerGuest(t, coord, org, "0180", "Leila")
	day := time.Now().AddDate(0, 0, 9).Format(time.DateOnly)
	ctx := testutil.Context(t)
	adminBrowser := e.browser()
	adminBrowser.signIn(adminEmail, adminPass)
	if code, _ := adminBrowser.post("/settings/locale", url.Values{"locale": {"sv"}}); code != http.StatusSeeOther {
		t.Fatalf("choose Swedish: %d", code)
	}
	for who, b := range map[string]*browser{"coordinator": e.swedishBrowser("nyfel@example.org"), "administrator": adminBrowser} {
		marked := func(what, path string, set url.Values, fields ...string) string {
			t.Helper()
			_, page := b.get(path)
			action, form := formOf(t, page)
			for k, v := range set {
				form[k] = v
			}
			code, body := b.post(action, form)
			if code != http.StatusUnprocessableEntity {
				t.Fatalf("%s, %s: %d, want 422:\n%s", what, who, code, trim(visibleText(body)))
			}
			for _, f := range fields {
				if n := strings.Count(body, `<p class="error" id="e-`+f+`"`); n != 1 {
					t.Errorf("%s, %s: field %s marked %d times, want once:\n%s", what, who, f, n, trim(visibleText(body)))
				}
			}
			return body
		}
		marked("new offer", "/dinners/offers/new", url.Values{"person": {host}, "date_0": {day}, "seats": {"0"},
			"composition": {"COMPOSITION_BOGUS"}, "postcode": {"1"}}, "seats", "composition", "postcode")
		marked("new sign-up", "/dinners/signups/new", url.Values{"person": {guest}, "date_0": {day}, "age_self": {"x"},
			"postcode": {"1"}}, "age_self", "postcode")
		// No date: the form's words, not the service's list of them too.
		for path, person := range map[string]string{"/dinners/offers/new": host, "/dinners/signups/new": guest} {
			body := marked("no date", path, url.Values{"person": {person}, "postcode": {"1"}, "composition": {"COMPOSITION_BOGUS"}},
				"postcode", "composition")
			if !strings.Contains(body, "ange minst ett datum") || strings.Contains(body, "ange 1 till") {
				t.Errorf("%s without a date, %s: want the form's refusal and not the service's too:\n%s", path, who, trim(visibleText(body)))
			}
		}
	}

	offers, err := coord.dinners.ListDinnerOffers(ctx, connect.NewRequest(&gatewayv1.ListDinnerOffersRequest{PageSize: 10}))
	if err != nil || len(offers.Msg.GetOffers()) != 0 {
		t.Errorf("offers stored after refusals: %v %v", offers.Msg.GetOffers(), err)
	}
	signUps, err := coord.dinners.ListDinnerSignUps(ctx, connect.NewRequest(&gatewayv1.ListDinnerSignUpsRequest{PageSize: 10}))
	if err != nil || len(signUps.Msg.GetSignUps()) != 0 {
		t.Errorf("sign-ups stored after refusals: %v %v", signUps.Msg.GetSignUps(), err)
	}
}
