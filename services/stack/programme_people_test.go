package main

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	notifyv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/notify/v1"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
)

// programmePeople is what the dinners-and-guides stack tests start from:
// an organisation in Kalmar that is also a guide organisation (one Arabic
// place), a dinner guest (Swedish messages), a guides newcomer (Arabic)
// and a dinner host, each registered through the real services and seen
// by the dinners and guides pools; and notify's clients to read messages
// and answer by link as the gateway does.
type programmePeople struct {
	today                 time.Time
	day                   string // a dinner date ten days ahead
	org                   string
	guest, newcomer, host string                      // ids
	gp                    *participantsv1.Participant // the guest as registered
	hv                    *volunteersv1.Volunteer     // the host as registered
	js                    jetstream.JetStream
	admin                 notifyv1.NotificationServiceClient
	gateway               notifyv1.AnswerServiceClient
	answer                func(tok string, a notifyv1.AnswerAction)
}

// startProgrammePeople registers the people of programmePeople, the guest
// with the values of mg, the newcomer with mn and the host with mh (one
// markers for all when the test plants nothing per person).
func startProgrammePeople(t *testing.T, ctx context.Context, cfg Config, l *Listening, c clients, orgName string, mg, mn, mh *markers) programmePeople {
	t.Helper()
	var p programmePeople
	p.today = time.Now().In(stockholm(t))
	p.day = p.today.AddDate(0, 0, 10).Format(time.DateOnly)
	org, err := c.v.CreateOrganisation(ctx, &volunteersv1.CreateOrganisationRequest{Organisation: &volunteersv1.Organisation{
		Name: orgName, Type: volunteersv1.OrganisationType_ORGANISATION_TYPE_ASSOCIATION, MunicipalityCodes: []string{"0880"},
		IsGuideOrganisation: true, GuideCapacities: []*eventsv1.GuideCapacity{{MunicipalityCode: "0880", Language: "ar", Capacity: 1}}}})
	if err != nil {
		t.Fatal(err)
	}
	p.org = org.GetOrganisation().GetId()
	consent := func(purpose eventsv1.ConsentPurpose) *participantsv1.Consent {
		return &participantsv1.Consent{Purpose: purpose, TextVersion: "2026-01", Language: "ar"}
	}
	gp := mg.participant(p.org, 1)
	gp.Consents = append(gp.Consents, consent(eventsv1.ConsentPurpose_CONSENT_PURPOSE_DINNERS))
	gp.Notifications = &typev1.NotificationPreferences{PreferredLanguage: "sv"}
	guest, err := c.p.CreateParticipant(ctx, &participantsv1.CreateParticipantRequest{Participant: gp})
	if err != nil {
		t.Fatal(err)
	}
	np := mn.participant(p.org, 2)
	np.Consents = append(np.Consents, consent(eventsv1.ConsentPurpose_CONSENT_PURPOSE_GUIDES))
	np.ResidencePermitDate = p.today.AddDate(0, -6, 0).Format(time.DateOnly)
	np.EstablishmentStatus = eventsv1.EstablishmentStatus_ESTABLISHMENT_STATUS_ENROLLED
	np.Notifications = &typev1.NotificationPreferences{PreferredLanguage: "ar"}
	newcomer, err := c.p.CreateParticipant(ctx, &participantsv1.CreateParticipantRequest{Participant: np})
	if err != nil {
		t.Fatal(err)
	}
	hv := mh.volunteer(p.org, 3)
	hv.Roles = []*eventsv1.RoleCapacity{{Role: eventsv1.VolunteerRole_VOLUNTEER_ROLE_DINNER_HOST, Capacity: 4}}
	host, err := c.v.CreateVolunteer(ctx, &volunteersv1.CreateVolunteerRequest{Volunteer: hv})
	if err != nil {
		t.Fatal(err)
	}
	p.guest, p.newcomer, p.host = guest.GetParticipant().GetId(), newcomer.GetParticipant().GetId(), host.GetVolunteer().GetId()
	p.gp, p.hv = gp, hv
	p.js = natsClient(t, l)
	for _, d := range [][2]string{{"PARTICIPANTS", "dinners-participants"}, {"VOLUNTEERS", "dinners-volunteers"},
		{"PARTICIPANTS", "guides-participants"}, {"VOLUNTEERS", "guides-volunteers"}} {
		consumerSettled(t, ctx, p.js, d[0], d[1])
	}
	// The registrations reach the pools by their in-memory feeds (ADR 0088).
	pools := poolsOf(t, l)
	pools.WaitIDs(t, "dinners_guests", []string{p.guest})
	pools.WaitIDs(t, "dinners_hosts", []string{p.host})
	pools.WaitIDs(t, "guides_newcomers", []string{p.newcomer})
	pools.WaitIDs(t, "guides_organisations", []string{p.org})
	p.admin = notifyv1.NewNotificationServiceClient(stackConn(t, cfg, l, "notify"))
	p.gateway = notifyv1.NewAnswerServiceClient(tokenConn(t, l.Addr("notify"), gatewayServiceToken(t, cfg)))
	p.answer = func(tok string, a notifyv1.AnswerAction) {
		t.Helper()
		out, err := p.gateway.Answer(ctx, &notifyv1.AnswerRequest{Token: tok, Action: a})
		if err != nil || out.GetOutcome() == notifyv1.AnswerOutcome_ANSWER_OUTCOME_NOT_APPLIED {
			t.Fatalf("answer %v: %v, %v", a, out, err)
		}
	}
	return p
}
