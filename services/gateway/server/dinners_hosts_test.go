package server_test

import (
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	dinnersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestOfferWithoutHostSaysSo: an offer whose host has since lost the
// dinner-host role is marked on the offers list as not usable, in words,
// on the web page and in mp; it was listed as before, though the dinners
// pool dropped the host and no job seats anyone there. An offer whose
// host keeps the role is not marked. The mark comes from the offer's
// host_status, which the dinners service fills from its pool and the
// gateway's API carries (ADR 0117); the page reads nothing else, so it
// fails when the field is ignored.
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
	b.swedish()
	mark := func(o *gatewayv1.DinnerOfferView) string { return `id="nohost-` + o.GetOffer().GetId() + `"` }
	if page := mustGet(b, "/dinners/offers"); strings.Contains(page, mark(lostOffer)) || strings.Contains(page, mark(keptOffer)) {
		t.Fatalf("an offer of a host with the role is marked:\n%s", trim(page))
	}
	status := func(o *gatewayv1.DinnerOfferView) dinnersv1.HostStatus {
		t.Helper()
		res, err := coord.dinners.GetDinnerOffer(testutil.Context(t), connect.NewRequest(&gatewayv1.GetDinnerOfferRequest{Id: o.GetOffer().GetId()}))
		if err != nil {
			t.Fatalf("GetDinnerOffer: %v", err)
		}
		return res.Msg.GetOffer().GetOffer().GetHostStatus()
	}
	if got := status(lostOffer); got != dinnersv1.HostStatus_HOST_STATUS_AVAILABLE {
		t.Errorf("before: the API says host_status %s, want AVAILABLE", got)
	}

	if _, err := coord.registry.UpdateVolunteer(testutil.Context(t), connect.NewRequest(&gatewayv1.UpdateVolunteerRequest{
		Volunteer: &volunteersv1.Volunteer{Id: lost}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"roles"}}})); err != nil {
		t.Fatalf("take the dinner-host role away: %v", err)
	}
	page := mustGet(b, "/dinners/offers")
	mustContain(t, page, mark(lostOffer), "Kan inte användas: värden är inte längre middagsvärd.", "Ingen bjuds hit förrän värden får rollen igen")
	if strings.Contains(page, mark(keptOffer)) {
		t.Errorf("the offer of a host who kept the role is marked:\n%s", trim(page))
	}
	if got, kept := status(lostOffer), status(keptOffer); got != dinnersv1.HostStatus_HOST_STATUS_NOT_DINNER_HOST || kept != dinnersv1.HostStatus_HOST_STATUS_AVAILABLE {
		t.Errorf("after: the API says host_status %s (lost) and %s (kept), want NOT_DINNER_HOST and AVAILABLE", got, kept)
	}

	dir := t.TempDir()
	mp(t, dir, "login", "-server", e.base, "-email", "hosts@example.org")
	rows := map[string]string{}
	for _, row := range strings.Split(strings.TrimSpace(mp(t, dir, "dinners", "offers", "list")), "\n") {
		id, _, _ := strings.Cut(row, "\t")
		rows[id] = row
	}
	if row := rows[lostOffer.GetOffer().GetId()]; !strings.HasSuffix(row, "\tKan inte användas: värden är inte längre middagsvärd.") {
		t.Errorf("mp dinners offers list: the offer of the host who lost the role reads %q", row)
	}
	if row := rows[keptOffer.GetOffer().GetId()]; row == "" || strings.Contains(row, "Kan inte användas") {
		t.Errorf("mp dinners offers list: the offer of the host who kept the role reads %q", row)
	}
}
