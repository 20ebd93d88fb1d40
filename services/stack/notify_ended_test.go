package main

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	notifyv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/notify/v1"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestNotify_ErasureEndsThePairForTheMentor (ADR 0148) through the real
// services: a newcomer in an active pair is erased; mentoring erases the
// pair, saying which side went, and notify tells the mentor the pair
// ended, in his language, naming neither the newcomer nor anything of
// theirs; the newcomer has no message or delivery left. Before, the mentor
// was told nothing and the pair vanished from every list.
func TestNotify_ErasureEndsThePairForTheMentor(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	l, _, _ := startStack(t, cfg)
	ctx := testutil.Context(t)
	c := dialClients(t, cfg, l)
	m := newMarkers(t)
	np := m.participant("", 0)
	orgID, pid, vid := mentoringPeople(t, l, c, "Ended", np, m.volunteer("", 0))
	js := natsClient(t, l)
	matchAndAccept(t, ctx, cfg, l, orgID, pid, vid)
	admin := notifyv1.NewNotificationServiceClient(stackConn(t, cfg, l, "notify"))
	consumerSettled(t, ctx, js, "MENTORING", "notify-mentoring") // notify saw the pair become active

	if _, err := c.p.EraseParticipant(ctx, &participantsv1.EraseParticipantRequest{Id: pid}); err != nil {
		t.Fatal(err)
	}
	ended := mailboxOf(t, ctx, admin, vid, notifyv1.Template_TEMPLATE_PAIR_ENDED)
	said := regexp.MustCompile(`Mentorparet som började den \d{4}-\d{2}-\d{2} har avslutats\. Tack för att du var med!`)
	if ended.GetLanguage() != "sv" || !said.MatchString(ended.GetTextBody()) {
		t.Errorf("the mentor's message (%s):\n%s", ended.GetLanguage(), ended.GetTextBody())
	}
	for _, s := range []string{np.GetGivenName(), np.GetFamilyName(), np.GetContact().GetEmail()} {
		if s != "" && strings.Contains(ended.GetSubject()+ended.GetTextBody()+ended.GetHtmlBody(), s) {
			t.Errorf("the mentor's message names the erased newcomer (%q)", s)
		}
	}
	testutil.CheckFor(t, 30*time.Second, 50*time.Millisecond, func() error {
		mb, err := admin.ListMailbox(ctx, &notifyv1.ListMailboxRequest{PersonId: pid})
		if err != nil {
			return err
		}
		dl, err := admin.ListDeliveries(ctx, &notifyv1.ListDeliveriesRequest{PersonId: pid})
		if err != nil {
			return err
		}
		if n := len(mb.GetMessages()) + len(dl.GetDeliveries()); n > 0 {
			return fmt.Errorf("%d messages and deliveries of the erased newcomer remain", n)
		}
		return nil
	})
}

// mentoringPeople registers newcomer np and mentor mv in a new
// organisation named name in Kalmar (0880) and waits until mentoring has
// both in its pool, so a job can pair them. It returns the organisation's,
// the newcomer's and the mentor's ids.
func mentoringPeople(t *testing.T, l *Listening, c clients, name string, np *participantsv1.Participant,
	mv *volunteersv1.Volunteer) (string, string, string) {
	t.Helper()
	ctx := testutil.Context(t)
	org, err := c.v.CreateOrganisation(ctx, &volunteersv1.CreateOrganisationRequest{Organisation: &volunteersv1.Organisation{
		Name: name, Type: volunteersv1.OrganisationType_ORGANISATION_TYPE_ASSOCIATION, MunicipalityCodes: []string{"0880"}}})
	if err != nil {
		t.Fatal(err)
	}
	orgID := org.GetOrganisation().GetId()
	np.OrganisationId, mv.OrganisationId = orgID, orgID
	p, err := c.p.CreateParticipant(ctx, &participantsv1.CreateParticipantRequest{Participant: np})
	if err != nil {
		t.Fatal(err)
	}
	v, err := c.v.CreateVolunteer(ctx, &volunteersv1.CreateVolunteerRequest{Volunteer: mv})
	if err != nil {
		t.Fatal(err)
	}
	js := natsClient(t, l)
	consumerSettled(t, ctx, js, "PARTICIPANTS", "mentoring-participants")
	consumerSettled(t, ctx, js, "VOLUNTEERS", "mentoring-volunteers")
	return orgID, p.GetParticipant().GetId(), v.GetVolunteer().GetId()
}
