package server_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestLapsedHostWithTheFormsRefusals (ADR 0148): the new-offer form with a
// host whose background check has lapsed and a choice the form refuses
// itself marks both in one answer, the host in Swedish words; the lapsed
// check came only after the rest was fixed (ADR 0144 "Left").
func TestLapsedHostWithTheFormsRefusals(t *testing.T) {
	t.Parallel()
	d := newDinnerForms(t, "Utdragsföreningen", "utdrag@example.org")
	ctx := testutil.Context(t)
	var org string
	if u, err := d.coord.users.GetUser(ctx, connect.NewRequest(&gatewayv1.GetUserRequest{Id: "me"})); err == nil {
		org = u.Msg.GetUser().GetOrganisationId()
	} else {
		t.Fatal(err)
	}
	seen := time.Now().AddDate(-2, 0, 0)
	res, err := d.coord.registry.CreateVolunteer(ctx, connect.NewRequest(&gatewayv1.CreateVolunteerRequest{Volunteer: &volunteersv1.Volunteer{
		OrganisationId: org, MunicipalityCode: "0180", GivenName: "Gunnar", FamilyName: "Utgången",
		Roles: []*eventsv1.RoleCapacity{{Role: eventsv1.VolunteerRole_VOLUNTEER_ROLE_DINNER_HOST, Capacity: 1}},
		BackgroundCheck: &volunteersv1.BackgroundCheck{Seen: true, SeenDate: seen.Format(time.DateOnly),
			ValidUntil: seen.AddDate(1, 0, 0).Format(time.DateOnly), Verifier: "test"},
		BirthYear: 1960, HouseholdSize: 1}}))
	if err != nil {
		t.Fatal(err)
	}
	lapsed := res.Msg.GetVolunteer().GetId()
	dinnerOffer(t, d.coord, d.host, "0180", 4, d.day) // the dinners service has read the hosts so far
	b := d.coordBrowser
	var body string
	code := 0
	testutil.CheckFor(t, 20*time.Second, 100*time.Millisecond, func() error {
		_, page := b.get("/dinners/offers/new")
		action, form := formOf(t, page)
		for k, v := range (url.Values{"person": {lapsed}, "date_0": {d.day}, "seats": {"2"}, "composition": {"COMPOSITION_BOGUS"}}) {
			form[k] = v
		}
		code, body = b.post(action, form)
		if !strings.Contains(body, "har inget giltigt utdrag ur belastningsregistret") {
			return fmt.Errorf("the lapsed check is not refused with the rest: %s", trim(visibleText(body)))
		}
		return nil
	})
	markedOnce(t, "lapsed host", code, body, "composition", "person")
}
