package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestOfferWithoutHostSaysSo: an offer whose host has since lost the
// dinner-host role is marked on the offers list as not usable, in words;
// it was listed as before, though the dinners pool dropped the host and
// no job seats anyone there. An offer whose host keeps the role is not
// marked.
func TestOfferWithoutHostSaysSo(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Värdföreningen", "0180")
	coord := e.coordinator(admin, "hosts@example.org", org, "0180")
	day := time.Now().AddDate(0, 0, 5).Format(time.DateOnly)
	lost, kept := dinnerHost(t, coord, org, "0180", "Karin"), dinnerHost(t, coord, org, "0180", "Eva")
	lostOffer, keptOffer := dinnerOffer(t, coord, lost, "0180", 4, day), dinnerOffer(t, coord, kept, "0180", 4, day)

	b := e.browser()
	b.signIn("hosts@example.org", password)
	b.get("/")
	if code, _ := b.post("/settings/locale", url.Values{"locale": {"sv"}}); code != http.StatusSeeOther {
		t.Fatalf("choose Swedish: %d", code)
	}
	mark := func(o *gatewayv1.DinnerOfferView) string { return `id="nohost-` + o.GetOffer().GetId() + `"` }
	if page := mustGet(b, "/dinners/offers"); strings.Contains(page, mark(lostOffer)) || strings.Contains(page, mark(keptOffer)) {
		t.Fatalf("an offer of a host with the role is marked:\n%s", trim(page))
	}

	if _, err := coord.registry.UpdateVolunteer(testutil.Context(t), connect.NewRequest(&gatewayv1.UpdateVolunteerRequest{
		Volunteer: &volunteersv1.Volunteer{Id: lost}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"roles"}}})); err != nil {
		t.Fatalf("take the dinner-host role away: %v", err)
	}
	page := mustGet(b, "/dinners/offers")
	mustContain(t, page, mark(lostOffer), "Kan inte användas: värden är inte längre middagsvärd.")
	if strings.Contains(page, mark(keptOffer)) {
		t.Errorf("the offer of a host who kept the role is marked:\n%s", trim(page))
	}
}
