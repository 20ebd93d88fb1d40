package ops_test

import (
	"testing"
	"time"

	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// guestAndHost is what the layout tests that follow a dinner through
// separate processes start from: an organisation named org in Kalmar, a
// guest with the dinners consent and a host of four seats, each with
// planted values (m), made through the gateway; and the day ten days on
// that their dinner is for.
type guestAndHost struct {
	m        *plantedValues
	org      string
	gid, hid string
	day      string
	// start is the dinner's start time, HH:MM; 18:00 when empty.
	start string
}

// newGuestAndHost makes them through api and the volunteers service of s.
func newGuestAndHost(t *testing.T, s *system, api *gatewayAPI, org string) guestAndHost {
	t.Helper()
	vc := volunteersv1.NewVolunteerServiceClient(s.dial(t, "volunteers"))
	o, err := vc.CreateOrganisation(testutil.Context(t), &volunteersv1.CreateOrganisationRequest{Organisation: &volunteersv1.Organisation{
		Name: org, Type: volunteersv1.OrganisationType_ORGANISATION_TYPE_ASSOCIATION, MunicipalityCodes: []string{"0880"}}})
	if err != nil {
		t.Fatal(err)
	}
	g := guestAndHost{m: newPlanted(), org: o.GetOrganisation().GetId(), day: time.Now().AddDate(0, 0, 10).Format(time.DateOnly)}
	guest := api.call("RegistryService/CreateParticipant", map[string]any{"participant": g.m.person(g.org, "g", 0, map[string]any{
		"consents": []any{map[string]any{"purpose": "CONSENT_PURPOSE_DINNERS", "textVersion": "2026-01", "language": "sv"}}})})["participant"].(map[string]any)
	host := api.call("RegistryService/CreateVolunteer", map[string]any{"volunteer": g.m.person(g.org, "h", 0, map[string]any{
		"roles":           []any{map[string]any{"role": "VOLUNTEER_ROLE_DINNER_HOST", "capacity": 4}},
		"backgroundCheck": g.m.backgroundCheck()})})["volunteer"].(map[string]any)
	g.gid, g.hid = guest["id"].(string), host["id"].(string)
	return g
}

// offerAndSignUp makes the host's offer at address and the guest's
// sign-up, each once dinners' pool has its person (the pools follow the
// people's streams), and returns their ids.
func (g guestAndHost) offerAndSignUp(t *testing.T, api *gatewayAPI, address string) (offer, signup string) {
	t.Helper()
	testutil.CheckFor(t, 30*time.Second, 100*time.Millisecond, func() error {
		start := g.start
		if start == "" {
			start = "18:00"
		}
		out, err := api.try("DinnersService/CreateDinnerOffer", map[string]any{"requestId": g.m.run + "-offer", "offer": map[string]any{
			"organisationId": g.org, "municipalityCode": "0880", "volunteerId": g.hid, "seats": 4, "address": address,
			"composition": "COMPOSITION_COUPLE", "languages": []any{"ar", "sv"}, "dinners": []any{map[string]any{"date": g.day, "startTime": start}}}})
		if err == nil {
			offer = out["offer"].(map[string]any)["offer"].(map[string]any)["id"].(string)
		}
		return err
	})
	testutil.CheckFor(t, 30*time.Second, 100*time.Millisecond, func() error {
		out, err := api.try("DinnersService/CreateDinnerSignUp", map[string]any{"requestId": g.m.run + "-signup", "signUp": map[string]any{
			"organisationId": g.org, "municipalityCode": "0880", "participantId": g.gid, "languages": []any{"ar"}, "dates": []any{g.day},
			"party":       []any{map[string]any{"age": 30, "relation": "RELATION_SELF"}},
			"composition": "COMPOSITION_FAMILY", "swedishLevel": "SWEDISH_LEVEL_SFI_C"}})
		if err == nil {
			signup = out["signUp"].(map[string]any)["signUp"].(map[string]any)["id"].(string)
		}
		return err
	})
	return offer, signup
}
