package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/motesplats/motesplats/pkg/events"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/seal"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestPlanted_UnsealedIsVisible is the control: with sealing switched off,
// the raw grep finds the planted values, so the sealed test below can fail.
func TestPlanted_UnsealedIsVisible(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(t, dir)
	cfg.unsealed = true
	l, _, stop := startStack(t, cfg)
	ctx := testutil.Context(t)
	c := dialClients(t, cfg, l)
	m := newMarkers(t)
	org, err := c.v.CreateOrganisation(ctx, &volunteersv1.CreateOrganisationRequest{Organisation: &volunteersv1.Organisation{
		Name: "Planted", Type: volunteersv1.OrganisationType_ORGANISATION_TYPE_ASSOCIATION, MunicipalityCodes: []string{"0880"}}})
	if err != nil {
		t.Fatal(err)
	}
	orgID := org.GetOrganisation().GetId()
	p, err := c.p.CreateParticipant(ctx, &participantsv1.CreateParticipantRequest{Participant: m.participant(orgID, 0)})
	if err != nil {
		t.Fatal(err)
	}
	v, err := c.v.CreateVolunteer(ctx, &volunteersv1.CreateVolunteerRequest{Volunteer: m.volunteer(orgID, 0)})
	if err != nil {
		t.Fatal(err)
	}
	// A pair of the two with a check-in: its marker is in the pair alone.
	js := natsClient(t, l)
	consumerSettled(t, ctx, js, events.StreamParticipants, "mentoring-participants")
	consumerSettled(t, ctx, js, events.StreamVolunteers, "mentoring-volunteers")
	mc, pairID := matchAndAccept(t, ctx, cfg, l, orgID, p.GetParticipant().GetId(), v.GetVolunteer().GetId())
	plantCheckIn(t, ctx, mc, m, pairID)
	stop()
	if found := onDisk(t, m.all, dir); len(found) != len(m.all) {
		t.Fatalf("unsealed: found %d of %d planted values on disk (%v): the raw grep cannot see them", len(found), len(m.all), found)
	}
}

// TestPlanted_ErasureHoldsOnDisk plants a unique value in every personal
// field of a participant and a volunteer, updates them, lets their events
// reach dead letters and the mentoring pool, pairs them with a check-in
// (whose request id is a marker kept in the pair alone), backs the
// JetStream store up,
// erases both, restores the backup, and then searches every file, Redis,
// the logs and the spans for every value ever planted.
func TestPlanted_ErasureHoldsOnDisk(t *testing.T) {
	cfg, dir, redisURL, logs, spans := plantedConfig(t, false)
	l, _, stop := startStack(t, cfg)
	ctx := testutil.Context(t)
	c := dialClients(t, cfg, l)
	js := natsClient(t, l)
	m := newMarkers(t)

	org, err := c.v.CreateOrganisation(ctx, &volunteersv1.CreateOrganisationRequest{Organisation: &volunteersv1.Organisation{
		Name: "Planted", Type: volunteersv1.OrganisationType_ORGANISATION_TYPE_ASSOCIATION, MunicipalityCodes: []string{"0880"}}})
	if err != nil {
		t.Fatal(err)
	}
	orgID := org.GetOrganisation().GetId()
	p, err := c.p.CreateParticipant(ctx, &participantsv1.CreateParticipantRequest{Participant: m.participant(orgID, 0)})
	if err != nil {
		t.Fatalf("create participant: %v", err)
	}
	pid := p.GetParticipant().GetId()
	v, err := c.v.CreateVolunteer(ctx, &volunteersv1.CreateVolunteerRequest{Volunteer: m.volunteer(orgID, 0)})
	if err != nil {
		t.Fatalf("create volunteer: %v", err)
	}
	vid := v.GetVolunteer().GetId()
	for n := 1; n <= 3; n++ {
		np := m.participant(orgID, n)
		np.Id = pid
		if _, err := c.p.UpdateParticipant(ctx, &participantsv1.UpdateParticipantRequest{Participant: np,
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"given_name", "family_name", "contact", "interests"}}}); err != nil {
			t.Fatalf("update participant %d: %v", n, err)
		}
		nv := m.volunteer(orgID, n)
		nv.Id = vid
		if _, err := c.v.UpdateVolunteer(ctx, &volunteersv1.UpdateVolunteerRequest{Volunteer: nv,
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"given_name", "family_name", "contact", "interests", "background_check"}}}); err != nil {
			t.Fatalf("update volunteer %d: %v", n, err)
		}
	}
	// Read through the services: the last values are there, and now in
	// the Redis cache too (which proves the Redis search sees values).
	gp, err := c.p.GetParticipant(ctx, &participantsv1.GetParticipantRequest{Id: pid})
	if err != nil || !strings.HasPrefix(gp.GetParticipant().GetGivenName(), m.run) {
		t.Fatalf("get participant = %v, %v", gp, err)
	}
	if _, err := c.v.GetVolunteer(ctx, &volunteersv1.GetVolunteerRequest{Id: vid}); err != nil {
		t.Fatal(err)
	}
	if found := inRedis(t, ctx, redisURL, []string{gp.GetParticipant().GetGivenName()}); len(found) == 0 {
		t.Fatal("the participant read is not in Redis: the Redis search cannot see values")
	}
	// Mentoring's pool has both (sealed), and every event is also a dead letter.
	for _, d := range []string{"mentoring-participants", "mentoring-volunteers"} {
		s := events.StreamParticipants
		if d == "mentoring-volunteers" {
			s = events.StreamVolunteers
		}
		consumerSettled(t, ctx, js, s, d)
	}
	// The pool is held in mentoring's memory, fed from the streams (ADR
	// 0088): no pool bucket keeps a copy; matchAndAccept proposing the
	// pair shows the pool has both.
	for _, bucket := range []string{"mentoring_newcomers", "mentoring_mentors"} {
		if _, err := js.KeyValue(ctx, bucket); !errors.Is(err, jetstream.ErrBucketNotFound) {
			t.Fatalf("pool bucket %s: %v; want none", bucket, err)
		}
	}
	mc, pairID := matchAndAccept(t, ctx, cfg, l, orgID, pid, vid)
	plantCheckIn(t, ctx, mc, m, pairID)
	deadLetterAll(t, ctx, js)

	// A backup of the whole store, taken before the erasure.
	stop()
	backup := t.TempDir()
	copyDir(t, filepath.Join(dir, "nats"), backup)
	l, _, stop = startStack(t, cfg)
	c = dialClients(t, cfg, l)
	js = natsClient(t, l)

	if _, err := c.p.EraseParticipant(ctx, &participantsv1.EraseParticipantRequest{Id: pid}); err != nil {
		t.Fatalf("erase participant: %v", err)
	}
	if _, err := c.v.EraseVolunteer(ctx, &volunteersv1.EraseVolunteerRequest{Id: vid}); err != nil {
		t.Fatalf("erase volunteer: %v", err)
	}
	consumerSettled(t, ctx, js, events.StreamParticipants, "mentoring-participants")
	consumerSettled(t, ctx, js, events.StreamVolunteers, "mentoring-volunteers")
	stop()

	// Restore the backup over the store, except the erasure log, as the
	// operations procedure says; the keyring re-applies the erasures.
	streams := filepath.Join(dir, "nats", "jetstream", "$G", "streams")
	entries, err := os.ReadDir(streams)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() == seal.DefaultErasureStream {
			continue
		}
		if err := os.RemoveAll(filepath.Join(streams, e.Name())); err != nil {
			t.Fatal(err)
		}
		copyDir(t, filepath.Join(backup, "jetstream", "$G", "streams", e.Name()), filepath.Join(streams, e.Name()))
	}
	l, _, stop = startStack(t, cfg)
	c = dialClients(t, cfg, l)
	for _, get := range []func() error{
		func() error {
			_, err := c.p.GetParticipant(ctx, &participantsv1.GetParticipantRequest{Id: pid})
			return err
		},
		func() error { _, err := c.v.GetVolunteer(ctx, &volunteersv1.GetVolunteerRequest{Id: vid}); return err },
	} {
		if err := get(); err == nil {
			t.Error("an erased person is readable again after restoring the backup")
		}
	}
	stop()

	if found := onDisk(t, m.all, dir, backup); len(found) > 0 {
		t.Errorf("planted values readable on disk after erasure: %v", found)
	}
	if found := inRedis(t, ctx, redisURL, m.all); len(found) > 0 {
		t.Errorf("planted values in Redis after erasure: %v", found)
	}
	for _, v := range m.all {
		if strings.Contains(logs.String(), v) {
			t.Errorf("planted value %s in the logs", v)
		}
	}
	if found := inSpans(spans, m.all); len(found) > 0 {
		t.Errorf("planted values in spans: %v", found)
	}
	if len(spans.GetSpans()) == 0 {
		t.Error("no spans captured: the search saw nothing")
	}
	if !strings.Contains(logs.String(), `"serving"`) {
		t.Error("the stack's logs were not captured: the search saw nothing")
	}
}

// keptSpans keeps what the in-memory exporter holds across the stack's
// restarts, whose telemetry shutdown would clear it.
type keptSpans struct{ *tracetest.InMemoryExporter }

func (keptSpans) Shutdown(context.Context) error { return nil }
