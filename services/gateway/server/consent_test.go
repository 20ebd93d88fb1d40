package server_test

import (
	"net/http"
	"strings"
	"testing"

	"connectrpc.com/connect"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestConsentNotTickedByDefault: the registration form offers the consent
// box unticked, and a form submitted as offered stores a newcomer with no
// consent (issue 12: consent must be the person's affirmative act).
func TestConsentNotTickedByDefault(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Förening", "0880")
	coord := e.coordinator(admin, "consent@example.org", org, "0880")
	b := e.browser()
	b.signIn("consent@example.org", password)

	_, page := b.get("/participants/new")
	if !strings.Contains(page, `id="f-consent"`) {
		t.Fatalf("no consent box: %s", trim(page))
	}
	action, form := formOf(t, page)
	if form.Get("consent_mentoring") != "" {
		t.Fatal("the consent box is ticked by default")
	}
	form.Set("given_name", "Samira")
	form.Set("family_name", "Test")
	form.Set("municipality_code", "0880")
	if code, loc := b.post(action, form); code != http.StatusSeeOther {
		t.Fatalf("register: %d %s", code, trim(loc))
	}
	res, err := coord.registry.ListParticipants(testutil.Context(t), connect.NewRequest(&gatewayv1.ListParticipantsRequest{PageSize: 10}))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Msg.GetParticipants()) != 1 {
		t.Fatalf("registered %d newcomers, want 1", len(res.Msg.GetParticipants()))
	}
	if c := res.Msg.GetParticipants()[0].GetConsents(); len(c) != 0 {
		t.Fatalf("a form submitted without the box ticked stored consent: %v", c)
	}
}
