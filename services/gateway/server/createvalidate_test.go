package server_test

import (
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	dinnersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestAPICreatesValidateOnly (ADR 0148): the API's four creates take
// validate_only as the services do. A good request is answered with an
// empty response, stores nothing and leaves its request id free; a bad one,
// or one naming another organisation (its scope, its host, its newcomer),
// gets exactly the bytes the create itself answers, so validate_only tells
// a caller nothing the create would not. Before, the field did not exist
// and such a request created the record.
func TestAPICreatesValidateOnly(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	orgA, orgB := e.createOrg("Förening A", "0880"), e.createOrg("Förening B", "0880")
	a := e.coordinator(admin, "valja@example.org", orgA, "0880")
	b := e.coordinator(admin, "valjb@example.org", orgB, "0880")
	host, guest := dinnerHost(t, a, orgA, "0880", "Erik"), dinnerGuest(t, a, orgA, "0880", "Amal")
	dinnerOffer(t, a, host, "0880", 4, time.Now().AddDate(0, 0, 20).Format(time.DateOnly)) // dinners knows the host
	day := time.Now().AddDate(0, 0, 30).Format(time.DateOnly)

	participant := func(org, name string) *participantsv1.Participant {
		return &participantsv1.Participant{OrganisationId: org, MunicipalityCode: "0880", GivenName: name, FamilyName: "Haddad",
			Consents: []*participantsv1.Consent{{Purpose: eventsv1.ConsentPurpose_CONSENT_PURPOSE_DINNERS, TextVersion: "2026-01", Language: "sv"}}}
	}
	volunteer := func(org, name string) *volunteersv1.Volunteer {
		return &volunteersv1.Volunteer{OrganisationId: org, MunicipalityCode: "0880", GivenName: name, FamilyName: "Lind",
			Languages: []*typev1.LanguageSkill{{Code: "sv", Level: typev1.LanguageLevel_LANGUAGE_LEVEL_NATIVE}}}
	}
	offer := func(hostID string, seats int32) *dinnersv1.Offer {
		return &dinnersv1.Offer{MunicipalityCode: "0880", VolunteerId: hostID, Seats: seats, Languages: []string{"ar"},
			Composition: dinnersv1.Composition_COMPOSITION_COUPLE, Dinners: []*dinnersv1.Dinner{{Date: day, StartTime: "18:00"}}}
	}
	signUp := func(guestID string, dates ...string) *dinnersv1.SignUp {
		return &dinnersv1.SignUp{MunicipalityCode: "0880", ParticipantId: guestID, SwedishLevel: typev1.SwedishLevel_SWEDISH_LEVEL_SFI_B,
			Party: []*dinnersv1.PartyMember{{Age: 34, Relation: dinnersv1.Relation_RELATION_SELF}}, Languages: []string{"ar"},
			Dates: dates, Composition: dinnersv1.Composition_COMPOSITION_FAMILY}
	}
	const (
		pCreate = "/motesplats.gateway.v1.RegistryService/CreateParticipant"
		vCreate = "/motesplats.gateway.v1.RegistryService/CreateVolunteer"
		oCreate = "/motesplats.gateway.v1.DinnersService/CreateDinnerOffer"
		sCreate = "/motesplats.gateway.v1.DinnersService/CreateDinnerSignUp"
	)
	// validating sets validate_only on a copy of req.
	validating := func(req proto.Message) proto.Message {
		c := proto.Clone(req)
		f := c.ProtoReflect().Descriptor().Fields().ByName("validate_only")
		c.ProtoReflect().Set(f, protoreflect.ValueOfBool(true))
		return c
	}
	asJSON := func(m proto.Message) string {
		b, err := protojson.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}

	refused := []struct {
		name, procedure string
		as              *apiClient
		req             proto.Message
	}{
		{"newcomer, bad fields", pCreate, a, &gatewayv1.CreateParticipantRequest{RequestId: "v-p1", Participant: participant(orgA, "")}},
		{"newcomer, bad request id", pCreate, a, &gatewayv1.CreateParticipantRequest{RequestId: "no spaces", Participant: participant(orgA, "Amina")}},
		{"newcomer, other organisation", pCreate, b, &gatewayv1.CreateParticipantRequest{RequestId: "v-p2", Participant: participant(orgA, "Amina")}},
		{"volunteer, bad fields", vCreate, a, &gatewayv1.CreateVolunteerRequest{RequestId: "v-v1", Volunteer: volunteer(orgA, "")}},
		{"volunteer, other organisation", vCreate, b, &gatewayv1.CreateVolunteerRequest{RequestId: "v-v2", Volunteer: volunteer(orgA, "Erik")}},
		{"offer, bad fields", oCreate, a, &gatewayv1.CreateDinnerOfferRequest{RequestId: "v-o1", Offer: offer(host, 0)}},
		{"offer, other organisation's host", oCreate, b, &gatewayv1.CreateDinnerOfferRequest{RequestId: "v-o2", Offer: offer(host, 4)}},
		{"offer, no such host", oCreate, b, &gatewayv1.CreateDinnerOfferRequest{RequestId: "v-o3", Offer: offer("01a2441f-1de1-7022-bce8-71d32f435ee5", 4)}},
		{"sign-up, no date", sCreate, a, &gatewayv1.CreateDinnerSignUpRequest{RequestId: "v-s1", SignUp: signUp(guest)}},
		{"sign-up, other organisation's newcomer", sCreate, b, &gatewayv1.CreateDinnerSignUpRequest{RequestId: "v-s2", SignUp: signUp(guest, day)}},
	}
	for _, tt := range refused {
		v := postJSON(t, e, tt.as.token, tt.procedure, asJSON(validating(tt.req)))
		c := postJSON(t, e, tt.as.token, tt.procedure, asJSON(tt.req))
		if v.status == 200 || v.status != c.status || v.raw != c.raw {
			t.Errorf("%s: validate_only answered %d %s\nthe create %d %s", tt.name, v.status, v.raw, c.status, c.raw)
		}
	}

	good := []struct {
		name, procedure string
		req             proto.Message
	}{
		{"newcomer", pCreate, &gatewayv1.CreateParticipantRequest{RequestId: "g-p", Participant: participant("", "Amina")}},
		{"volunteer", vCreate, &gatewayv1.CreateVolunteerRequest{RequestId: "g-v", Volunteer: volunteer("", "Erik")}},
		{"offer", oCreate, &gatewayv1.CreateDinnerOfferRequest{RequestId: "g-o", Offer: offer(host, 2)}},
		{"sign-up", sCreate, &gatewayv1.CreateDinnerSignUpRequest{RequestId: "g-s", SignUp: signUp(guest, day)}},
	}
	ctx := testutil.Context(t)
	count := func() int {
		ps, err := a.registry.ListParticipants(ctx, connect.NewRequest(&gatewayv1.ListParticipantsRequest{}))
		if err != nil {
			t.Fatal(err)
		}
		vs, err := a.registry.ListVolunteers(ctx, connect.NewRequest(&gatewayv1.ListVolunteersRequest{}))
		if err != nil {
			t.Fatal(err)
		}
		os, err := a.dinners.ListDinnerOffers(ctx, connect.NewRequest(&gatewayv1.ListDinnerOffersRequest{}))
		if err != nil {
			t.Fatal(err)
		}
		ss, err := a.dinners.ListDinnerSignUps(ctx, connect.NewRequest(&gatewayv1.ListDinnerSignUpsRequest{}))
		if err != nil {
			t.Fatal(err)
		}
		return len(ps.Msg.GetParticipants()) + len(vs.Msg.GetVolunteers()) + len(os.Msg.GetOffers()) + len(ss.Msg.GetSignUps())
	}
	before := count()
	for _, tt := range good {
		if v := postJSON(t, e, a.token, tt.procedure, asJSON(validating(tt.req))); v.status != 200 || v.raw != "{}" {
			t.Errorf("%s: validate_only answered %d %s, want an empty response", tt.name, v.status, v.raw)
		}
	}
	if got := count(); got != before {
		t.Fatalf("validate_only stored %d records", got-before)
	}
	for _, tt := range good { // the request ids are still free
		if c := postJSON(t, e, a.token, tt.procedure, asJSON(tt.req)); c.status != 200 || len(c.raw) < 10 {
			t.Errorf("%s: the create after validate_only answered %d %s", tt.name, c.status, c.raw)
		}
	}
	if got := count(); got != before+4 {
		t.Errorf("the creates stored %d records, want 4", got-before)
	}
}
