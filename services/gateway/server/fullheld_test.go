package server_test

import (
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestFullDinnerHeldInWords: a dinner of four seats whose first job
// seated two parties of two, one of them approved and confirmed by both,
// the other still a proposal. The next job leaves out a third party that
// only that dinner fits, and the coordinator reads, on the dinners page in
// Swedish and from mp, that 2 of the seats are held by a proposal not yet
// approved (hers to reject) and 2 by invited or confirmed guests (ADR
// 0171); the API gives the counts.
func TestFullDinnerHeldInWords(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	ctx := testutil.Context(t)
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Invitationsdepartementet", "0180")
	coord := e.coordinator(admin, "fullheld@example.org", org, "0180")

	day := time.Now().AddDate(0, 0, 5).Format(time.DateOnly)
	host := dinnerHost(t, coord, org, "0180", "Karin")
	dinnerOffer(t, coord, host, "0180", 4, day)
	for _, given := range []string{"Leila", "Amal"} {
		dinnerSignUp(t, coord, dinnerGuest(t, coord, org, "0180", given), "0180", day)
	}
	first := runDinnerJob(t, coord, "fullheld-1")
	seats, err := coord.dinners.ListSeatings(ctx, connect.NewRequest(&gatewayv1.ListSeatingsRequest{JobId: first.GetId()}))
	if err != nil || len(seats.Msg.GetSeatings()) != 2 {
		t.Fatalf("first job's seatings: %v %v, want 2", seats, err)
	}
	id := seats.Msg.GetSeatings()[0].GetSeating().GetId()
	if _, err := coord.dinners.ApproveSeating(ctx, connect.NewRequest(&gatewayv1.ApproveSeatingRequest{Id: id})); err != nil {
		t.Fatalf("approve: %v", err)
	}
	for _, party := range []eventsv1.DinnerParty{eventsv1.DinnerParty_DINNER_PARTY_GUEST, eventsv1.DinnerParty_DINNER_PARTY_HOST} {
		if _, err := coord.dinners.RecordRsvp(ctx, connect.NewRequest(&gatewayv1.RecordRsvpRequest{Id: id, Party: party, Accept: true})); err != nil {
			t.Fatalf("RSVP %v: %v", party, err)
		}
	}
	dinnerSignUp(t, coord, dinnerGuest(t, coord, org, "0180", "Noor"), "0180", day)
	second := runDinnerJob(t, coord, "fullheld-2")
	if c := second.GetCounts(); c.GetParties() != 1 || c.GetUnseated() != 1 {
		t.Fatalf("second job counts %v, want the one party left out", c)
	}
	un, err := coord.dinners.ListUnseatedParties(ctx, connect.NewRequest(&gatewayv1.ListUnseatedPartiesRequest{JobId: second.GetId()}))
	if err != nil {
		t.Fatal(err)
	}
	if f := un.Msg.GetFullDinners(); f.GetDinners() != 1 || f.GetSeatsHeldByProposals() != 2 || f.GetSeatsHeldByApproved() != 2 {
		t.Errorf("API full dinners: %v, want 1 dinner, 2 seats held by a proposal, 2 by approved guests", f)
	}

	const held = "Platser som hålls vid middagen som passar: 2 av förslag som inte är godkända än och 2 av inbjudna eller bekräftade gäster"
	b := e.browser()
	b.signIn("fullheld@example.org", password)
	b.swedish()
	page := mustGet(b, "/dinners?job="+second.GetId())
	mustContain(t, page, "1 sällskap: middagarna som passar var redan fulla (för få lediga platser för hela sällskapet). "+held)
	// 2 seats held by an open proposal: what frees them, and where (ADR
	// 0171 addendum).
	const free = "Platser som hålls av förslag som inte är godkända än frigörs när du avvisar förslagen; kör sedan matchningen igen."
	mustContain(t, page, free+` <a href="/dinners#proposals">`)
	noEnglish(t, "/dinners?job=", page)

	dir := t.TempDir()
	mp(t, dir, "login", "-server", e.base, "-email", "fullheld@example.org")
	out := mp(t, dir, "dinners", "unseated", second.GetId())
	if !strings.Contains(out, "middagarna som passar var redan fulla (för få lediga platser för hela sällskapet). "+held+"\n") || strings.Count(out, "\n") != 2 ||
		!strings.HasSuffix(out, "\n"+free+" Förslagen listar du med mp dinners proposals list och avvisar med mp dinners reject -reason poor_fit ID.\n") {
		t.Errorf("mp dinners unseated: want the party's line saying who holds the seats, then what frees them, got\n%s", out)
	}
}
