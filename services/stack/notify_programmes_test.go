package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"

	"github.com/motesplats/motesplats/pkg/auth"
	dinnersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	guidesv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	notifyv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/notify/v1"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/grpcx"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// stackConn dials part of a running stack with a token the stack's token
// command mints for args (none: an admin).
func stackConn(t *testing.T, cfg Config, l *Listening, part string, args ...string) *grpc.ClientConn {
	t.Helper()
	var tok bytes.Buffer
	if err := token(cfg, args, &tok); err != nil {
		t.Fatal(err)
	}
	conn, err := grpcx.Dial(l.Addr(part), grpc.WithPerRPCCredentials(auth.PerRPCCredentials(auth.StaticToken(strings.TrimSpace(tok.String())))))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// mailboxOf waits for the development mailbox to hold a message of
// template to person, and returns it with its body and link.
func mailboxOf(t *testing.T, ctx context.Context, admin notifyv1.NotificationServiceClient, person string, tpl notifyv1.Template) *notifyv1.MailboxMessage {
	t.Helper()
	var id string
	testutil.CheckFor(t, 60*time.Second, 50*time.Millisecond, func() error {
		res, err := admin.ListMailbox(ctx, &notifyv1.ListMailboxRequest{PersonId: person, PageSize: 100})
		if err != nil {
			return err
		}
		for _, m := range res.GetMessages() {
			if m.GetTemplate() == tpl {
				id = m.GetId()
				return nil
			}
		}
		return fmt.Errorf("no %v to %s in the mailbox yet (%d messages)", tpl, person, len(res.GetMessages()))
	})
	res, err := admin.GetMailboxMessage(ctx, &notifyv1.GetMailboxMessageRequest{Id: id})
	if err != nil {
		t.Fatal(err)
	}
	return res.GetMessage()
}

// linkToken cuts the token out of a message's answer link.
func linkToken(t *testing.T, m *notifyv1.MailboxMessage) string {
	t.Helper()
	u := m.GetAnswerUrl()
	i := strings.LastIndex(u, "/a/")
	if i < 0 {
		t.Fatalf("%v has no answer link: %q", m.GetTemplate(), u)
	}
	return u[i+3:]
}

// TestNotify_DinnersAndGuidesThroughRealServices runs the answer paths of
// dinners and guides against the real services of the stack (not stand-
// ins): a coordinator approves a seating; the guest and the host each get
// their invitation in the mailbox and accept by link; the seating is
// confirmed by dinners' own lifecycle and the seats are held; the guest's
// confirmation carries the address and a "cannot come" link that cancels
// the seating and frees the seats; an approved guide assignment reaches
// the newcomer, whose acceptance by link moves it; erasing the guest
// removes their messages and makes their links dead.
func TestNotify_DinnersAndGuidesThroughRealServices(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	l, _, _ := startStack(t, cfg)
	ctx := testutil.Context(t)
	c := dialClients(t, cfg, l)
	m := newMarkers(t)
	orgName := "Notify programmes " + m.run
	pp := startProgrammePeople(t, ctx, cfg, l, c, orgName, m, m, m)
	day, orgID := pp.day, pp.org
	gid, nid, hid := pp.guest, pp.newcomer, pp.host
	gp, hv := pp.gp, pp.hv
	admin, gateway, answer := pp.admin, pp.gateway, pp.answer

	// Dinners: an offer of 4 seats with an address, a party of 2.
	dc := dinnersv1.NewDinnerServiceClient(stackConn(t, cfg, l, "dinners"))
	const address = "Storgatan 7, Kalmar"
	// dinners learns of the host and the guest from their events; the
	// outbox may publish them after the consumers looked settled, so a
	// create refused for an unknown person is tried again (as the seed
	// does).
	var of *dinnersv1.CreateOfferResponse
	if err := retry(ctx, func() (err error) {
		of, err = dc.CreateOffer(ctx, &dinnersv1.CreateOfferRequest{RequestId: "notify-offer", Offer: &dinnersv1.Offer{
			OrganisationId: orgID, MunicipalityCode: "0880", VolunteerId: hid, Seats: 4, Address: address,
			Kitchen:     &dinnersv1.Kitchen{Diets: []typev1.Diet{typev1.Diet_DIET_HALAL, typev1.Diet_DIET_VEGETARIAN}},
			Composition: dinnersv1.Composition_COMPOSITION_COUPLE, Languages: []string{"ar", "sv"},
			Dinners: []*dinnersv1.Dinner{{Date: day, StartTime: "18:00"}}}})
		return err
	}); err != nil {
		t.Fatalf("create offer: %v", err)
	}
	if err := retry(ctx, func() error {
		_, err := dc.CreateSignUp(ctx, &dinnersv1.CreateSignUpRequest{RequestId: "notify-signup", SignUp: &dinnersv1.SignUp{
			OrganisationId: orgID, MunicipalityCode: "0880", ParticipantId: gid, Languages: []string{"ar"}, Dates: []string{day},
			Party:        []*dinnersv1.PartyMember{{Age: 30, Relation: dinnersv1.Relation_RELATION_SELF}, {Age: 8, Relation: dinnersv1.Relation_RELATION_CHILD}},
			SwedishLevel: typev1.SwedishLevel_SWEDISH_LEVEL_SFI_C, Composition: dinnersv1.Composition_COMPOSITION_FAMILY, FirstTime: true,
			Diets: []typev1.Diet{typev1.Diet_DIET_HALAL}}})
		return err
	}); err != nil {
		t.Fatalf("create sign-up: %v", err)
	}
	job, err := dc.StartMatchingJob(ctx, &dinnersv1.StartMatchingJobRequest{RequestId: "notify-dinners", OrganisationId: orgID, MunicipalityCodes: []string{"0880"}})
	if err != nil {
		t.Fatal(err)
	}
	testutil.CheckFor(t, 60*time.Second, 50*time.Millisecond, func() error {
		j, err := dc.GetJob(ctx, &dinnersv1.GetJobRequest{Id: job.GetJob().GetId()})
		if err != nil {
			return err
		}
		if s := j.GetJob().GetState(); s != dinnersv1.JobState_JOB_STATE_SUCCEEDED {
			if s == dinnersv1.JobState_JOB_STATE_FAILED {
				t.Fatalf("dinners job failed: %s", j.GetJob().GetErrorMessage())
			}
			return fmt.Errorf("dinners job %v", s)
		}
		return nil
	})
	ss, err := dc.ListSeatings(ctx, &dinnersv1.ListSeatingsRequest{JobId: job.GetJob().GetId()})
	if err != nil || len(ss.GetSeatings()) != 1 {
		t.Fatalf("seatings: %v, %v; want the one party at the one table", ss, err)
	}
	seatingID := ss.GetSeatings()[0].GetId()
	if _, err := dc.ApproveSeating(ctx, &dinnersv1.ApproveSeatingRequest{Id: seatingID}); err != nil {
		t.Fatalf("approve seating: %v", err)
	}

	// Both are invited in their languages; the host learns the guest's
	// first name and party, the guest nothing of the address yet.
	inv := mailboxOf(t, ctx, admin, gid, notifyv1.Template_TEMPLATE_DINNER_INVITATION)
	prop := mailboxOf(t, ctx, admin, hid, notifyv1.Template_TEMPLATE_DINNER_GUEST_PROPOSED)
	if inv.GetLanguage() != "sv" || strings.Contains(inv.GetTextBody(), address) || !strings.Contains(inv.GetTextBody(), hv.GetGivenName()) {
		t.Errorf("guest's invitation (%s):\n%s", inv.GetLanguage(), inv.GetTextBody())
	}
	if !strings.Contains(prop.GetTextBody(), gp.GetGivenName()) || strings.Contains(prop.GetTextBody(), gp.GetFamilyName()) ||
		strings.Contains(prop.GetTextBody(), gp.GetContact().GetEmail()) {
		t.Errorf("host's proposal discloses too little or too much:\n%s", prop.GetTextBody())
	}
	answer(linkToken(t, inv), notifyv1.AnswerAction_ANSWER_ACTION_ACCEPT)
	answer(linkToken(t, prop), notifyv1.AnswerAction_ANSWER_ACTION_ACCEPT)
	st, err := dc.GetSeating(ctx, &dinnersv1.GetSeatingRequest{Id: seatingID})
	if err != nil {
		t.Fatal(err)
	}
	if st.GetSeating().GetStatus() != eventsv1.SeatingStatus_SEATING_STATUS_CONFIRMED || st.GetSeating().GetUpdatedBy() != "notify-link" {
		t.Fatalf("seating after both answered by link: %v by %q", st.GetSeating().GetStatus(), st.GetSeating().GetUpdatedBy())
	}
	seatsTaken := func() int32 {
		t.Helper()
		o, err := dc.GetOffer(ctx, &dinnersv1.GetOfferRequest{Id: of.GetOffer().GetId()})
		if err != nil {
			t.Fatal(err)
		}
		return o.GetOffer().GetDinners()[0].GetSeatsTaken()
	}
	if got := seatsTaken(); got != 2 {
		t.Errorf("seats taken after both accepted: %d, want the party's 2", got)
	}

	// The confirmation brings the address, and its link says "I cannot
	// come": the seating is cancelled, the seats freed, the host told.
	conf := mailboxOf(t, ctx, admin, gid, notifyv1.Template_TEMPLATE_DINNER_CONFIRMED)
	if !strings.Contains(conf.GetTextBody(), address) {
		t.Errorf("the confirmation lacks the address:\n%s", conf.GetTextBody())
	}
	confTok := linkToken(t, conf)
	r, err := gateway.ResolveLink(ctx, &notifyv1.ResolveLinkRequest{Token: confTok})
	if err != nil || len(r.GetActions()) != 1 || r.GetActions()[0] != notifyv1.AnswerAction_ANSWER_ACTION_CANNOT_COME {
		t.Fatalf("confirmation link: %v, %v", r, err)
	}
	answer(confTok, notifyv1.AnswerAction_ANSWER_ACTION_CANNOT_COME)
	st, err = dc.GetSeating(ctx, &dinnersv1.GetSeatingRequest{Id: seatingID})
	if err != nil || st.GetSeating().GetStatus() != eventsv1.SeatingStatus_SEATING_STATUS_CANCELLED {
		t.Fatalf("seating after \"cannot come\": %v, %v", st.GetSeating().GetStatus(), err)
	}
	if got := seatsTaken(); got != 0 {
		t.Errorf("seats taken after the guest cannot come: %d, want 0", got)
	}
	mailboxOf(t, ctx, admin, hid, notifyv1.Template_TEMPLATE_CANCELLATION)

	// Guides: the assignment job gives the newcomer the one place; an
	// approval reaches them in Arabic; accepting by link moves it.
	gc := guidesv1.NewGuideServiceClient(stackConn(t, cfg, l, "guides"))
	guidesEntitled(t, ctx, gc, nid, orgID)
	gj, err := gc.StartAssignmentJob(ctx, &guidesv1.StartAssignmentJobRequest{RequestId: "notify-guides", MunicipalityCodes: []string{"0880"}})
	if err != nil {
		t.Fatal(err)
	}
	a := guidesOneAssignment(t, ctx, gc, gj.GetJob().GetId())
	if a.GetParticipantId() != nid {
		t.Fatalf("assignment: %v; want the newcomer's", a)
	}
	aid := a.GetId()
	if _, err := gc.ApproveAssignment(ctx, &guidesv1.ApproveAssignmentRequest{Id: aid}); err != nil {
		t.Fatal(err)
	}
	ga := mailboxOf(t, ctx, admin, nid, notifyv1.Template_TEMPLATE_GUIDE_ASSIGNED)
	if ga.GetLanguage() != "ar" || !strings.Contains(ga.GetTextBody(), orgName) {
		t.Errorf("guide message (%s):\n%s", ga.GetLanguage(), ga.GetTextBody())
	}
	answer(linkToken(t, ga), notifyv1.AnswerAction_ANSWER_ACTION_ACCEPT)
	as, err := gc.ListAssignments(ctx, &guidesv1.ListAssignmentsRequest{JobId: gj.GetJob().GetId()})
	if err != nil || len(as.GetAssignments()) != 1 || !as.GetAssignments()[0].GetNewcomerAccepted() {
		t.Fatalf("assignment after the newcomer accepted by link: %v, %v", as, err)
	}

	// Erasure: the guest's messages and links go.
	before, err := admin.ListDeliveries(ctx, &notifyv1.ListDeliveriesRequest{PersonId: gid})
	if err != nil || len(before.GetDeliveries()) < 2 {
		t.Fatalf("the guest's deliveries before erasure: %v, %v", before, err)
	}
	if _, err := c.p.EraseParticipant(ctx, &participantsv1.EraseParticipantRequest{Id: gid}); err != nil {
		t.Fatal(err)
	}
	testutil.CheckFor(t, 30*time.Second, 50*time.Millisecond, func() error {
		mb, err := admin.ListMailbox(ctx, &notifyv1.ListMailboxRequest{PersonId: gid})
		if err != nil {
			return err
		}
		dl, err := admin.ListDeliveries(ctx, &notifyv1.ListDeliveriesRequest{PersonId: gid})
		if err != nil {
			return err
		}
		if n := len(mb.GetMessages()) + len(dl.GetDeliveries()); n > 0 {
			return fmt.Errorf("%d messages and deliveries of the erased guest remain", n)
		}
		return nil
	})
	for _, tok := range []string{linkToken(t, inv), confTok} {
		r, err := gateway.ResolveLink(ctx, &notifyv1.ResolveLinkRequest{Token: tok})
		if err != nil || r.GetState() != notifyv1.LinkState_LINK_STATE_INVALID || r.GetLanguage() != "" {
			t.Errorf("the erased guest's link resolves to %v, %v", r, err)
		}
	}
}

// stockholm is the programmes' local time zone.
func stockholm(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Stockholm")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
