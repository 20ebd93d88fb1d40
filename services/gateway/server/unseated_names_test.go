package server_test

import (
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestUnseatedPartiesAreNamed: `mp dinners unseated` printed each party
// a dinners job left without a seat by its sign-up id, municipality and
// size, naming no one (ADR 0223, found from outside), while every other
// list names a person "Förnamn Efternamn, Kommun" (ADR 0220). Two Leila
// Haddad, in Stockholm and in Malmö, are left out (no dinner on the day
// one can come, no host in reach of the other): the API names each
// party's newcomer by sign-up id, and mp prints each "Leila Haddad,
// Kommun" on her party's line.
func TestUnseatedPartiesAreNamed(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	ctx := testutil.Context(t)
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Middagar i två kommuner", "0180", "1280")
	coord := e.coordinator(admin, "unseated@example.org", org, "0180", "1280")
	day := time.Now().AddDate(0, 0, 5).Format(time.DateOnly)
	dinnerOffer(t, coord, dinnerHost(t, coord, org, "0180", "Karin"), "0180", 4, day)
	sthlm := dinnerSignUp(t, coord, dinnerGuest(t, coord, org, "0180", "Leila"), "0180", time.Now().AddDate(0, 0, 9).Format(time.DateOnly))
	malmo := dinnerSignUp(t, coord, dinnerGuest(t, coord, org, "1280", "Leila"), "1280", day)
	job := runDinnerJob(t, coord, "unseated-names")
	if c := job.GetCounts(); c.GetUnseated() != 2 {
		t.Fatalf("job counts %v, want both parties left out", c)
	}
	un, err := coord.dinners.ListUnseatedParties(ctx, connect.NewRequest(&gatewayv1.ListUnseatedPartiesRequest{JobId: job.GetId()}))
	if err != nil {
		t.Fatal(err)
	}
	names := un.Msg.GetParticipantNames()
	for _, s := range []*gatewayv1.DinnerSignUpView{sthlm, malmo} {
		if got := names[s.GetSignUp().GetId()]; got != "Leila Haddad" {
			t.Errorf("API name of sign-up %s: %q, want Leila Haddad", s.GetSignUp().GetId(), got)
		}
	}

	dir := t.TempDir()
	if out, err := mpAs(t, dir, password, "sv", "login", "-server", e.base, "-email", "unseated@example.org"); err != nil {
		t.Fatalf("mp login: %v\n%s", err, out)
	}
	out, err := mpAs(t, dir, "", "sv", "dinners", "unseated", job.GetId())
	if err != nil {
		t.Fatalf("mp dinners unseated: %v\n%s", err, out)
	}
	for id, want := range map[string]string{sthlm.GetSignUp().GetId(): "Leila Haddad, Stockholm", malmo.GetSignUp().GetId(): "Leila Haddad, Malmö"} {
		if !strings.Contains(out, id+"\t"+want+"\t") {
			t.Errorf("mp dinners unseated: want the line of sign-up %s to name %q, got\n%s", id, want, out)
		}
	}
}
