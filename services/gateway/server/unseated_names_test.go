package server_test

import (
	"fmt"
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

// TestManyUnseatedPartiesAreNamed: 250 parties left out, more than the
// gateway reads one by one (it lists their municipality's sign-ups) and
// more than one batch of names (200): each is named, on the API's one
// page and in mp.
func TestManyUnseatedPartiesAreNamed(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	ctx := testutil.Context(t)
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Många utan plats", "0180")
	coord := e.coordinator(admin, "manga@example.org", org, "0180")
	day := time.Now().AddDate(0, 0, 5).Format(time.DateOnly)
	dinnerOffer(t, coord, dinnerHost(t, coord, org, "0180", "Karin"), "0180", 4, day)
	const n = 250
	var guests []string
	for i := range n {
		guests = append(guests, dinnerGuest(t, coord, org, "0180", fmt.Sprintf("Gäst%03d", i)))
	}
	for _, g := range guests {
		dinnerSignUp(t, coord, g, "0180", time.Now().AddDate(0, 0, 9).Format(time.DateOnly)) // no dinner that day
	}
	job := runDinnerJob(t, coord, "many-unseated")
	un, err := coord.dinners.ListUnseatedParties(ctx, connect.NewRequest(&gatewayv1.ListUnseatedPartiesRequest{JobId: job.GetId(), PageSize: 500}))
	if err != nil {
		t.Fatal(err)
	}
	if got := len(un.Msg.GetUnseated()); got != n {
		t.Fatalf("%d parties left out, want %d", got, n)
	}
	named := 0
	for _, u := range un.Msg.GetUnseated() {
		if strings.HasPrefix(un.Msg.GetParticipantNames()[u.GetSignUpId()], "Gäst") {
			named++
		}
	}
	if named != n {
		t.Errorf("API: %d of %d parties named", named, n)
	}
	dir := t.TempDir()
	if out, err := mpAs(t, dir, password, "sv", "login", "-server", e.base, "-email", "manga@example.org"); err != nil {
		t.Fatalf("mp login: %v\n%s", err, out)
	}
	out, err := mpAs(t, dir, "", "sv", "dinners", "unseated", job.GetId())
	if err != nil {
		t.Fatalf("mp dinners unseated: %v\n%s", err, out)
	}
	if got := strings.Count(out, " Haddad, Stockholm\t"); got != n {
		t.Errorf("mp dinners unseated: %d of %d lines name the newcomer, got\n%s", got, n, trim(out))
	}
}
