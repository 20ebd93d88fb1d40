package server_test

import (
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/motesplats/motesplats/pkg/auth"
	dinnersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
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

// TestManyUnseatedPartiesAreNamed: 250 parties left out, more than one
// batch of names (200): each is named, on the API's one page and in mp.
// It prints what the page costs (no timed assert): each party naming its
// newcomer (ADR 0228) beside the same page from a dinners service of
// before, whose parties' sign-ups the gateway lists (ADR 0223), and the
// dinners service's page alone, in one run, rounds taken in turn.
func TestManyUnseatedPartiesAreNamed(t *testing.T) {
	t.Parallel()
	older := &atomic.Bool{}
	e := start(t, envOptions{olderDinners: older})
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

	// The figures. The names are in the gateway's cache after the page
	// above, in every round alike: what differs is how the parties'
	// newcomers are found.
	d := dinnersv1.NewDinnerServiceClient(e.claimsConn(e.addrs.Dinners, auth.Claims{Subject: "figures", Role: auth.RoleAdmin}))
	const rounds = 15
	took := map[string][]time.Duration{}
	for range rounds {
		for _, way := range []string{"listed (before)", "participant_id (now)", "dinners alone"} {
			older.Store(way == "listed (before)")
			t0 := time.Now()
			var got int
			if way == "dinners alone" {
				res, err := d.ListUnseated(ctx, &dinnersv1.ListUnseatedRequest{JobId: job.GetId(), PageSize: 500})
				if err != nil {
					t.Fatal(err)
				}
				got = len(res.GetUnseated())
			} else {
				res, err := coord.dinners.ListUnseatedParties(ctx, connect.NewRequest(&gatewayv1.ListUnseatedPartiesRequest{JobId: job.GetId(), PageSize: 500}))
				if err != nil {
					t.Fatal(err)
				}
				got = len(res.Msg.GetParticipantNames())
			}
			took[way] = append(took[way], time.Since(t0))
			if got != n {
				t.Fatalf("%s: %d, want %d", way, got, n)
			}
		}
	}
	for _, way := range []string{"listed (before)", "participant_id (now)", "dinners alone"} {
		ds := took[way]
		slices.Sort(ds)
		t.Logf("%d parties, %s: median %v, fastest %v, slowest %v (%d rounds)", n, way, ds[len(ds)/2], ds[0], ds[len(ds)-1], rounds)
	}
}
