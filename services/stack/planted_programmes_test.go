package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	dinnersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	guidesv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	notifyv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/notify/v1"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestPlanted_ProgrammesErasure plants a unique value in every personal
// field of a dinner guest, a dinner host (also the street address of the
// host's dinner) and a guides newcomer; seats the guest at the host's
// table and assigns the newcomer a guide; lets notify write to all three
// and the guest, the host and the newcomer answer by link; and checks the
// values reached the messages and Redis. Then it erases the guest and
// the newcomer, and searches every file, Redis, the logs and the spans for
// their values (the host's stay: the host is not erased yet); then erases
// the host and searches for everything.
func TestPlanted_ProgrammesErasure(t *testing.T) {
	cfg, dir, redisURL, logs, spans := plantedConfig(t, false)
	l, _, stop := startStack(t, cfg)
	ctx := testutil.Context(t)
	c := dialClients(t, cfg, l)
	mg, mn, mh := newMarkers(t), newMarkers(t), newMarkers(t)
	pp := startProgrammePeople(t, ctx, cfg, l, c, "Planted programmes", mg, mn, mh)
	day, orgID := pp.day, pp.org
	gid, nid, hid := pp.guest, pp.newcomer, pp.host
	gp := pp.gp
	admin, answer := pp.admin, pp.answer

	// Dinners: the host's street address is a planted value too.
	address := mh.name("street", 3) + " 7, Kalmar"
	dc := dinnersv1.NewDinnerServiceClient(stackConn(t, cfg, l, "dinners"))
	if err := retry(ctx, func() error {
		_, err := dc.CreateOffer(ctx, &dinnersv1.CreateOfferRequest{RequestId: "planted-offer", Offer: &dinnersv1.Offer{
			OrganisationId: orgID, MunicipalityCode: "0880", VolunteerId: hid, Seats: 4, Address: address,
			Kitchen:     &dinnersv1.Kitchen{Diets: []typev1.Diet{typev1.Diet_DIET_HALAL}, AllergensHandled: []dinnersv1.Allergen{dinnersv1.Allergen_ALLERGEN_PEANUTS}},
			Composition: dinnersv1.Composition_COMPOSITION_COUPLE, Languages: []string{"ar", "sv"},
			Dinners: []*dinnersv1.Dinner{{Date: day, StartTime: "18:00"}}}})
		return err
	}); err != nil {
		t.Fatalf("create offer: %v", err)
	}
	if err := retry(ctx, func() error {
		_, err := dc.CreateSignUp(ctx, &dinnersv1.CreateSignUpRequest{RequestId: "planted-signup", SignUp: &dinnersv1.SignUp{
			OrganisationId: orgID, MunicipalityCode: "0880", ParticipantId: gid, Languages: []string{"ar"}, Dates: []string{day},
			Party:        []*dinnersv1.PartyMember{{Age: 30, Relation: dinnersv1.Relation_RELATION_SELF}, {Age: 8, Relation: dinnersv1.Relation_RELATION_CHILD}},
			Allergens:    []dinnersv1.Allergen{dinnersv1.Allergen_ALLERGEN_PEANUTS},
			SwedishLevel: typev1.SwedishLevel_SWEDISH_LEVEL_SFI_C, Composition: dinnersv1.Composition_COMPOSITION_FAMILY, FirstTime: true,
			Diets: []typev1.Diet{typev1.Diet_DIET_HALAL}}})
		return err
	}); err != nil {
		t.Fatalf("create sign-up: %v", err)
	}
	job, err := dc.StartMatchingJob(ctx, &dinnersv1.StartMatchingJobRequest{RequestId: "planted-dinners", OrganisationId: orgID, MunicipalityCodes: []string{"0880"}})
	if err != nil {
		t.Fatal(err)
	}
	testutil.CheckFor(t, 60*time.Second, 50*time.Millisecond, func() error {
		j, err := dc.GetJob(ctx, &dinnersv1.GetJobRequest{Id: job.GetJob().GetId()})
		if err != nil {
			return err
		}
		if s := j.GetJob().GetState(); s != dinnersv1.JobState_JOB_STATE_SUCCEEDED {
			return fmt.Errorf("dinners job %v %s", s, j.GetJob().GetErrorMessage())
		}
		return nil
	})
	ss, err := dc.ListSeatings(ctx, &dinnersv1.ListSeatingsRequest{JobId: job.GetJob().GetId()})
	if err != nil || len(ss.GetSeatings()) != 1 {
		t.Fatalf("seatings: %v, %v", ss, err)
	}
	if _, err := dc.ApproveSeating(ctx, &dinnersv1.ApproveSeatingRequest{Id: ss.GetSeatings()[0].GetId()}); err != nil {
		t.Fatalf("approve seating: %v", err)
	}
	inv := mailboxOf(t, ctx, admin, gid, notifyv1.Template_TEMPLATE_DINNER_INVITATION)
	prop := mailboxOf(t, ctx, admin, hid, notifyv1.Template_TEMPLATE_DINNER_GUEST_PROPOSED)
	answer(linkToken(t, inv), notifyv1.AnswerAction_ANSWER_ACTION_ACCEPT)
	answer(linkToken(t, prop), notifyv1.AnswerAction_ANSWER_ACTION_ACCEPT)
	conf := mailboxOf(t, ctx, admin, gid, notifyv1.Template_TEMPLATE_DINNER_CONFIRMED)

	// Guides: the newcomer gets the one place and accepts by link.
	gc := guidesv1.NewGuideServiceClient(stackConn(t, cfg, l, "guides"))
	guidesEntitled(t, ctx, gc, nid, orgID)
	gj, err := gc.StartAssignmentJob(ctx, &guidesv1.StartAssignmentJobRequest{RequestId: "planted-guides", MunicipalityCodes: []string{"0880"}})
	if err != nil {
		t.Fatal(err)
	}
	a := guidesOneAssignment(t, ctx, gc, gj.GetJob().GetId())
	if _, err := gc.ApproveAssignment(ctx, &guidesv1.ApproveAssignmentRequest{Id: a.GetId()}); err != nil {
		t.Fatal(err)
	}
	answer(linkToken(t, mailboxOf(t, ctx, admin, nid, notifyv1.Template_TEMPLATE_GUIDE_ASSIGNED)), notifyv1.AnswerAction_ANSWER_ACTION_ACCEPT)

	// The values are there before erasure: in the messages (the host's
	// proposal names the guest, the guest's confirmation the address) and
	// in Redis (a read is cached), so the searches below can fail.
	for what, in := range map[string][2]string{"guest's name in the host's proposal": {prop.GetTextBody(), gp.GetGivenName()},
		"address in the guest's confirmation": {conf.GetTextBody(), address}} {
		if !strings.Contains(in[0], in[1]) {
			t.Fatalf("%s: %q lacks %q", what, in[0], in[1])
		}
	}
	if _, err := c.p.GetParticipant(ctx, &participantsv1.GetParticipantRequest{Id: gid}); err != nil {
		t.Fatal(err)
	}
	if found := inRedis(t, ctx, redisURL, []string{gp.GetGivenName()}); len(found) == 0 {
		t.Fatal("the guest's read is not in Redis: the Redis search cannot see values")
	}

	// The guest and the newcomer are erased; the host is not yet.
	for _, id := range []string{gid, nid} {
		if _, err := c.p.EraseParticipant(ctx, &participantsv1.EraseParticipantRequest{Id: id}); err != nil {
			t.Fatalf("erase %s: %v", id, err)
		}
	}
	settleProgrammes(t, ctx, l)
	// Sealed under the host's key, the host's messages must not go on
	// showing the erased guest through the API either.
	testutil.CheckFor(t, 30*time.Second, 100*time.Millisecond, func() error {
		res, err := admin.ListMailbox(ctx, &notifyv1.ListMailboxRequest{PersonId: hid, PageSize: 100})
		if err != nil {
			return err
		}
		for _, m := range res.GetMessages() {
			full, err := admin.GetMailboxMessage(ctx, &notifyv1.GetMailboxMessageRequest{Id: m.GetId()})
			if err != nil {
				return err
			}
			for _, v := range mg.all {
				if strings.Contains(full.GetMessage().GetTextBody(), v) || strings.Contains(full.GetMessage().GetHtmlBody(), v) {
					return fmt.Errorf("the host's %v still shows the erased guest's %s", m.GetTemplate(), v)
				}
			}
		}
		return nil
	})
	stop()
	searchPlanted(t, ctx, "guest and newcomer", append(append([]string{}, mg.all...), mn.all...), dir, redisURL, logs, spans)

	l, _, stop = startStack(t, cfg)
	c = dialClients(t, cfg, l)
	if _, err := c.v.EraseVolunteer(ctx, &volunteersv1.EraseVolunteerRequest{Id: hid}); err != nil {
		t.Fatalf("erase host: %v", err)
	}
	settleProgrammes(t, ctx, l)
	stop()
	searchPlanted(t, ctx, "host", mh.all, dir, redisURL, logs, spans)
	if !strings.Contains(logs.String(), `"serving"`) || len(spans.GetSpans()) == 0 {
		t.Error("the stack's logs or spans were not captured: the search saw nothing")
	}
}

// settleProgrammes waits for every consumer of erasures in the programmes
// and notify to have handled what was published.
func settleProgrammes(t *testing.T, ctx context.Context, l *Listening) {
	t.Helper()
	js := natsClient(t, l)
	for _, d := range [][2]string{{"PARTICIPANTS", "dinners-participants"}, {"VOLUNTEERS", "dinners-volunteers"},
		{"PARTICIPANTS", "guides-participants"}, {"VOLUNTEERS", "guides-volunteers"},
		{"PARTICIPANTS", "notify-participants"}, {"VOLUNTEERS", "notify-volunteers"}} {
		consumerSettled(t, ctx, js, d[0], d[1])
	}
}

// searchPlanted reports every value of m found on disk under dir, in
// Redis, in the logs or in the spans.
func searchPlanted(t *testing.T, ctx context.Context, who string, m []string, dir, redisURL string, logs *testutil.LogBuffer, spans *tracetest.InMemoryExporter) {
	t.Helper()
	if found := onDisk(t, m, dir); len(found) > 0 {
		t.Errorf("%s erased: planted values readable on disk: %v", who, found)
	}
	if found := inRedis(t, ctx, redisURL, m); len(found) > 0 {
		t.Errorf("%s erased: planted values in Redis: %v", who, found)
	}
	for _, v := range m {
		if strings.Contains(logs.String(), v) {
			t.Errorf("%s erased: planted value %s in the logs", who, v)
		}
	}
	if found := inSpans(spans, m); len(found) > 0 {
		t.Errorf("%s erased: planted values in spans: %v", who, found)
	}
}

// plantedRun is what a planted test's stack leaves to search (where it
// keeps data, what it captured) and how to stop it.
type plantedRun struct {
	dir, redisURL string
	logs          *testutil.LogBuffer
	spans         *tracetest.InMemoryExporter
	stop          func()
	unsealed      bool
}

// eraseHeldPeople is the middle of a planted test of a held dinner: the
// guest and the host of pp are read back and seen in Redis (so a Redis
// search can fail), then either the unsealed control stops the stack and
// finds every planted value on disk (false: the control is done), or the
// logs and spans are seen to hold none yet, both people are erased and the
// guest's held seating is waited out of dc (true: stop and search next).
func eraseHeldPeople(t *testing.T, ctx context.Context, l *Listening, c clients, pp programmePeople,
	dc dinnersv1.DinnerServiceClient, seating string, planted []string, r plantedRun) bool {
	t.Helper()
	if _, err := c.p.GetParticipant(ctx, &participantsv1.GetParticipantRequest{Id: pp.guest}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.v.GetVolunteer(ctx, &volunteersv1.GetVolunteerRequest{Id: pp.host}); err != nil {
		t.Fatal(err)
	}
	testutil.CheckFor(t, 10*time.Second, 100*time.Millisecond, func() error {
		if found := inRedis(t, ctx, r.redisURL, []string{pp.gp.GetGivenName(), pp.hv.GetGivenName()}); len(found) < 2 {
			return fmt.Errorf("Redis holds %v, want the guest's and the host's reads: the Redis search cannot see values", found)
		}
		return nil
	})
	if r.unsealed {
		r.stop()
		if found := onDisk(t, planted, r.dir); len(found) != len(planted) {
			t.Fatalf("unsealed: found %d of %d planted values on disk (%v): the raw grep cannot see them", len(found), len(planted), found)
		}
		return false
	}
	for _, v := range planted {
		if strings.Contains(r.logs.String(), v) {
			t.Errorf("before the erasure: planted value %s in the logs", v)
		}
	}
	if found := inSpans(r.spans, planted); len(found) > 0 {
		t.Errorf("before the erasure: planted values in spans: %v", found)
	}
	if _, err := c.p.EraseParticipant(ctx, &participantsv1.EraseParticipantRequest{Id: pp.guest}); err != nil {
		t.Fatalf("erase guest: %v", err)
	}
	if _, err := c.v.EraseVolunteer(ctx, &volunteersv1.EraseVolunteerRequest{Id: pp.host}); err != nil {
		t.Fatalf("erase host: %v", err)
	}
	settleProgrammes(t, ctx, l)
	testutil.CheckFor(t, 30*time.Second, 100*time.Millisecond, func() error {
		if _, err := dc.GetSeating(ctx, &dinnersv1.GetSeatingRequest{Id: seating}); err == nil {
			return fmt.Errorf("the erased guest's held seating is still there")
		}
		return nil
	})
	return true
}
