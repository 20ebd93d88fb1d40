package main

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	notifyv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/notify/v1"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// The volunteers service's buckets, by name: the stack's module cannot
// import the service's internal packages.
const (
	organisationsBucket = "organisations"
	closingBucket       = "organisations_closing"
	closingReadSubject  = "$JS.API.STREAM.MSG.GET.KV_organisations_closing"
)

// movedMentor registers a mentor with the values of m (round 0) in a new
// organisation, moves them to another with new values (round 1), and
// tries a third move with new values again (round 2) that is written and
// then undone (ADR 0152: the target goes while the move checks it). It
// returns the organisation the mentor ends in and the mentor's id.
func movedMentor(t *testing.T, ctx context.Context, l *Listening, c clients, m *markers) (string, string) {
	t.Helper()
	var orgs []string
	for _, name := range []string{"Moved from", "Moved to", "Moving away"} {
		o, err := c.v.CreateOrganisation(ctx, &volunteersv1.CreateOrganisationRequest{Organisation: &volunteersv1.Organisation{
			Name: name, Type: volunteersv1.OrganisationType_ORGANISATION_TYPE_ASSOCIATION, MunicipalityCodes: []string{"0880"}}})
		if err != nil {
			t.Fatal(err)
		}
		orgs = append(orgs, o.GetOrganisation().GetId())
	}
	v, err := c.v.CreateVolunteer(ctx, &volunteersv1.CreateVolunteerRequest{Volunteer: m.volunteer(orgs[0], 0)})
	if err != nil {
		t.Fatalf("create volunteer: %v", err)
	}
	vid := v.GetVolunteer().GetId()
	paths := &fieldmaskpb.FieldMask{Paths: []string{"organisation_id", "given_name", "family_name", "contact", "interests", "background_check"}}
	moved := m.volunteer(orgs[1], 1)
	moved.Id = vid
	if _, err := c.v.UpdateVolunteer(ctx, &volunteersv1.UpdateVolunteerRequest{Volunteer: moved, UpdateMask: paths}); err != nil {
		t.Fatalf("move: %v", err)
	}

	// The refused move: a delete's closing mark stands on the target, so
	// the move, once written, waits for the delete's outcome; the
	// target's removal (written straight to the bucket, as the delete's
	// own write would land) makes the move be undone.
	js := natsClient(t, l)
	closing, err := js.KeyValue(ctx, closingBucket)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := closing.Put(ctx, orgs[2], []byte(strconv.FormatInt(time.Now().UnixNano(), 10))); err != nil {
		t.Fatal(err)
	}
	read := make(chan struct{}, 1)
	sub, err := js.Conn().Subscribe(closingReadSubject, func(*nats.Msg) {
		select {
		case read <- struct{}{}:
		default:
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = sub.Unsubscribe() }()
	if err := js.Conn().Flush(); err != nil {
		t.Fatal(err)
	}
	refused := m.volunteer(orgs[2], 2)
	refused.Id = vid
	answered := make(chan error, 1)
	go func() {
		_, err := c.v.UpdateVolunteer(ctx, &volunteersv1.UpdateVolunteerRequest{Volunteer: refused, UpdateMask: paths})
		answered <- err
	}()
	select {
	case <-read: // the move is written and checks the mark
	case err := <-answered:
		t.Fatalf("the move was answered (%v) before it read the closing mark", err)
	case <-ctx.Done():
		t.Fatal(ctx.Err())
	}
	orgKV, err := js.KeyValue(ctx, organisationsBucket)
	if err != nil {
		t.Fatal(err)
	}
	if err := orgKV.Delete(ctx, orgs[2]); err != nil {
		t.Fatal(err)
	}
	err = <-answered
	if status.Code(err) != codes.FailedPrecondition || status.Convert(err).Message() != "the organisation is being removed" {
		t.Fatalf("the move into a removed organisation answered %v, want FailedPrecondition, being removed", err)
	}
	got, err := c.v.GetVolunteer(ctx, &volunteersv1.GetVolunteerRequest{Id: vid})
	if err != nil {
		t.Fatal(err)
	}
	if g := got.GetVolunteer(); g.GetOrganisationId() != orgs[1] || g.GetGivenName() != moved.GetGivenName() {
		t.Fatalf("after the refused move the volunteer is %s in %s, want %s in %s", g.GetGivenName(), g.GetOrganisationId(),
			moved.GetGivenName(), orgs[1])
	}
	return orgs[1], vid
}

// TestPlanted_MovesUnsealedAreVisible is the control of the moves: with
// sealing off, every value of the mentor's three rounds is on disk,
// including the refused move's, so that move was written before it was
// undone and the sealed test below can fail.
func TestPlanted_MovesUnsealedAreVisible(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(t, dir)
	cfg.unsealed = true
	l, _, stop := startStack(t, cfg)
	ctx := testutil.Context(t)
	m := newMarkers(t)
	movedMentor(t, ctx, l, dialClients(t, cfg, l), m)
	stop()
	if found := onDisk(t, m.all, dir); len(found) != len(m.all) {
		t.Fatalf("unsealed: found %d of %d planted values on disk (%v)", len(found), len(m.all), found)
	}
}

// TestPlanted_MovedMentorAndErasedPair: a mentor moved between
// organisations, with new values at each move and one move undone, is
// paired with a planted newcomer; notify offers the pair to both (the
// mentor's offer names the newcomer). The newcomer is erased: mentoring
// erases the pair, saying it was active (ADR 0153), and notify tells the
// mentor it ended. Nothing of the newcomer is left on disk, in Redis, the
// logs or the spans, nor in the mentor's message. Then the mentor is
// erased, and nothing of any of their rounds is left either.
func TestPlanted_MovedMentorAndErasedPair(t *testing.T) {
	cfg, dir, redisURL, logs, spans := plantedConfig(t, false)
	l, _, stop := startStack(t, cfg)
	ctx := testutil.Context(t)
	c := dialClients(t, cfg, l)
	mv, mp := newMarkers(t), newMarkers(t)
	orgID, vid := movedMentor(t, ctx, l, c, mv)
	np := mp.participant(orgID, 0)
	p, err := c.p.CreateParticipant(ctx, &participantsv1.CreateParticipantRequest{Participant: np})
	if err != nil {
		t.Fatal(err)
	}
	pid := p.GetParticipant().GetId()
	js := natsClient(t, l)
	consumerSettled(t, ctx, js, "PARTICIPANTS", "mentoring-participants")
	consumerSettled(t, ctx, js, "VOLUNTEERS", "mentoring-volunteers")
	mc, pair := matchAndApprove(t, ctx, cfg, l, orgID, pid, vid)
	admin := notifyv1.NewNotificationServiceClient(stackConn(t, cfg, l, "notify"))

	// The values are there before erasure: the mentor's offer names the
	// newcomer (read before the pair is accepted: an offer still unsent
	// then is skipped as outdated), and reads put both in Redis.
	offer := mailboxOf(t, ctx, admin, vid, notifyv1.Template_TEMPLATE_MENTEE_OFFER)
	if !strings.Contains(offer.GetTextBody(), np.GetGivenName()) {
		t.Fatalf("the mentor's offer does not name the newcomer (%s):\n%s", np.GetGivenName(), offer.GetTextBody())
	}
	for _, party := range []eventsv1.Party{eventsv1.Party_PARTY_NEWCOMER, eventsv1.Party_PARTY_MENTOR} {
		if _, err := mc.AcceptOffer(ctx, &mentoringv1.AcceptOfferRequest{Id: pair, Party: party}); err != nil {
			t.Fatalf("accept %s: %v", party, err)
		}
	}
	gv, err := c.v.GetVolunteer(ctx, &volunteersv1.GetVolunteerRequest{Id: vid})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.p.GetParticipant(ctx, &participantsv1.GetParticipantRequest{Id: pid}); err != nil {
		t.Fatal(err)
	}
	if found := inRedis(t, ctx, redisURL, []string{gv.GetVolunteer().GetGivenName(), np.GetGivenName()}); len(found) != 2 {
		t.Fatalf("Redis holds %v; want both reads: the Redis search cannot see values", found)
	}
	consumerSettled(t, ctx, js, "MENTORING", "notify-mentoring") // notify saw the pair become active

	if _, err := c.p.EraseParticipant(ctx, &participantsv1.EraseParticipantRequest{Id: pid}); err != nil {
		t.Fatalf("erase participant: %v", err)
	}
	ended := mailboxOf(t, ctx, admin, vid, notifyv1.Template_TEMPLATE_PAIR_ENDED)
	for _, v := range mp.all {
		if strings.Contains(ended.GetSubject()+ended.GetTextBody()+ended.GetHtmlBody(), v) {
			t.Errorf("the mentor's pair-ended message holds the erased newcomer's %s", v)
		}
	}
	settleProgrammes(t, ctx, l)
	consumerSettled(t, ctx, js, "PARTICIPANTS", "mentoring-participants")
	consumerSettled(t, ctx, js, "MENTORING", "notify-mentoring")
	stop()
	searchPlanted(t, ctx, "newcomer of the pair", mp.all, dir, redisURL, logs, spans)

	l, _, stop = startStack(t, cfg)
	c = dialClients(t, cfg, l)
	js = natsClient(t, l)
	if _, err := c.v.EraseVolunteer(ctx, &volunteersv1.EraseVolunteerRequest{Id: vid}); err != nil {
		t.Fatalf("erase volunteer: %v", err)
	}
	settleProgrammes(t, ctx, l)
	consumerSettled(t, ctx, js, "VOLUNTEERS", "mentoring-volunteers")
	stop()
	searchPlanted(t, ctx, "moved mentor", mv.all, dir, redisURL, logs, spans)
	searchPlanted(t, ctx, "both", mp.all, dir, redisURL, logs, spans)
	if !strings.Contains(logs.String(), `"serving"`) || len(spans.GetSpans()) == 0 {
		t.Error("the stack's logs or spans were not captured: the search saw nothing")
	}
}
