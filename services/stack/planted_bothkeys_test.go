package main

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/nats-io/nats.go"
	"google.golang.org/protobuf/proto"

	notifyv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/notify/v1"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	storev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/store/v1"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/seal"
	"github.com/motesplats/motesplats/pkg/service"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// messagesBucket is notify's, by name (its server package is imported
// as notify in run.go; the name is repeated to keep this file apart).
const messagesBucket = "notify_messages"

// openedMessages opens what it can of every message entry in entries
// with a keyring on the stack's NATS and KEK, as an operator with the key
// and the files could: each message's part under its recipient's key,
// and the part naming another person when both keys still open it. It
// returns the plaintexts and how many entries were of the mentor.
func openedMessages(t *testing.T, ctx context.Context, cfg Config, l *Listening, entries []*nats.Msg, mentor string) ([]byte, int) {
	t.Helper()
	keks, err := cfg.keks()
	if err != nil {
		t.Fatal(err)
	}
	// Notify's keyring: it reads every owner's key bucket (ADR 0238).
	kr, err := seal.Open(ctx, natsClient(t, l), service.KeyringConfig("notify", keks, 1, false, nil))
	if err != nil {
		t.Fatal(err)
	}
	defer kr.Close()
	var out []byte
	mentors := 0
	for _, m := range entries {
		key := strings.TrimPrefix(m.Subject, "$KV."+messagesBucket+".")
		var rec storev1.Record
		if len(m.Data) == 0 || proto.Unmarshal(m.Data, &rec) != nil || rec.GetRemoved() {
			continue
		}
		if rec.GetSubject() == mentor {
			mentors++
		}
		out = append(out, rec.GetData()...) // in clear: none when sealed
		if p, err := kr.Open(ctx, rec.GetSubject(), rec.GetSealedData(), []byte("motesplats/record/v1\x00"+messagesBucket+"\x00"+key)); err == nil {
			out = append(out, p...)
		}
		if len(rec.GetSealedNamed()) == 0 {
			continue
		}
		aad := []byte("motesplats/record-named/v1\x00" + messagesBucket + "\x00" + key + "\x00" + rec.GetNamedSubject())
		if inner, err := kr.Open(ctx, rec.GetSubject(), rec.GetSealedNamed(), aad); err == nil {
			if p, err := kr.Open(ctx, rec.GetNamedSubject(), inner, aad); err == nil {
				out = append(out, p...)
			}
		}
	}
	return out, mentors
}

// offerNamingErased plants a newcomer, offers them a mentor (the mentor's
// offer names the newcomer), erases the newcomer only, and returns the
// newcomer's planted values that the KEK and the keys left still open in
// any revision of any stored message (every entry written to notify's
// bucket, caught as it was written: older revisions leave the stream
// but their bytes may stay in its blocks). oneKey seals messages as
// before ADR 0159, under the recipient's key alone.
func offerNamingErased(t *testing.T, oneKey bool) []string {
	dir := t.TempDir()
	cfg := testConfig(t, dir)
	cfg.Notify.OneKeyMessages = oneKey
	l, _, stop := startStack(t, cfg)
	defer stop()
	ctx := testutil.Context(t)
	c := dialClients(t, cfg, l)
	js := natsClient(t, l)
	var mu sync.Mutex
	var entries []*nats.Msg
	sub, err := js.Conn().Subscribe("$KV."+messagesBucket+".>", func(m *nats.Msg) {
		mu.Lock()
		entries = append(entries, m)
		mu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = sub.Unsubscribe() }()
	if err := js.Conn().Flush(); err != nil {
		t.Fatal(err)
	}

	o, err := c.v.CreateOrganisation(ctx, &volunteersv1.CreateOrganisationRequest{Organisation: &volunteersv1.Organisation{
		Name: "Both keys", Type: volunteersv1.OrganisationType_ORGANISATION_TYPE_ASSOCIATION, MunicipalityCodes: []string{"0880"}}})
	if err != nil {
		t.Fatal(err)
	}
	orgID := o.GetOrganisation().GetId()
	mv, mp := newMarkers(t), newMarkers(t)
	v, err := c.v.CreateVolunteer(ctx, &volunteersv1.CreateVolunteerRequest{Volunteer: mv.volunteer(orgID, 0)})
	if err != nil {
		t.Fatal(err)
	}
	vid := v.GetVolunteer().GetId()
	np := mp.participant(orgID, 0)
	p, err := c.p.CreateParticipant(ctx, &participantsv1.CreateParticipantRequest{Participant: np})
	if err != nil {
		t.Fatal(err)
	}
	pid := p.GetParticipant().GetId()
	consumerSettled(t, ctx, js, "PARTICIPANTS", "mentoring-participants")
	consumerSettled(t, ctx, js, "VOLUNTEERS", "mentoring-volunteers")
	matchAndApprove(t, ctx, cfg, l, orgID, pid, vid)
	admin := notifyv1.NewNotificationServiceClient(stackConn(t, cfg, l, "notify"))
	offer := mailboxOf(t, ctx, admin, vid, notifyv1.Template_TEMPLATE_MENTEE_OFFER)
	if !strings.Contains(offer.GetTextBody(), np.GetGivenName()) {
		t.Fatalf("the mentor's offer does not name the newcomer (%s):\n%s", np.GetGivenName(), offer.GetTextBody())
	}

	if _, err := c.p.EraseParticipant(ctx, &participantsv1.EraseParticipantRequest{Id: pid}); err != nil {
		t.Fatalf("erase participant: %v", err)
	}
	// The mentor is told the pair will not happen (ADR 0153), once notify
	// has forgotten the newcomer and the pair.
	told := mailboxOf(t, ctx, admin, vid, notifyv1.Template_TEMPLATE_CANCELLATION)
	for _, val := range mp.all {
		if strings.Contains(told.GetSubject()+told.GetTextBody()+told.GetHtmlBody(), val) {
			t.Errorf("the mentor's cancellation holds the erased newcomer's %s", val)
		}
	}
	settleProgrammes(t, ctx, l)
	consumerSettled(t, ctx, js, "MENTORING", "notify-mentoring")
	if err := js.Conn().Flush(); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	caught := append([]*nats.Msg(nil), entries...)
	mu.Unlock()
	opened, mentors := openedMessages(t, ctx, cfg, l, caught, vid)
	if mentors < 2 || !bytes.Contains(opened, []byte(mv.all[0])) {
		t.Fatalf("%d entries of the mentor's messages caught, the mentor's own name opened %v: the search sees nothing",
			mentors, bytes.Contains(opened, []byte(mv.all[0])))
	}
	stop()
	if found := onDisk(t, mp.all, dir); len(found) > 0 {
		t.Errorf("the erased newcomer's values in clear on disk: %v", found)
	}
	var found []string
	for _, val := range mp.all {
		if bytes.Contains(opened, []byte(val)) {
			found = append(found, val)
		}
	}
	return found
}

// TestPlanted_OfferNamingErasedNewcomer (ADR 0159): once the newcomer is
// erased, no stored revision of the mentor's offer that named them opens
// their name, with the KEK and every key left (the mentor's included).
// The control below finds it so when messages are sealed as before.
func TestPlanted_OfferNamingErasedNewcomer(t *testing.T) {
	if found := offerNamingErased(t, false); len(found) > 0 {
		t.Errorf("the erased newcomer's %v open from the mentor's stored messages", found)
	}
}

// TestPlanted_OfferNamingErasedNewcomerOneKey is the control: sealed under
// the recipient's key alone (ADR 0157 Left), the mentor's stored offer
// still opens the erased newcomer's name with the mentor's key, so the
// search above can fail.
func TestPlanted_OfferNamingErasedNewcomerOneKey(t *testing.T) {
	if found := offerNamingErased(t, true); len(found) == 0 {
		t.Error("sealed for the recipient alone, the erased newcomer's name did not open: the search cannot see it")
	}
}
