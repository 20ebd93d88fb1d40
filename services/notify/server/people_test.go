package server_test

import (
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/notify/server"
)

// TestPeopleConsumersHearOnlyErasures: notify keeps nothing about people
// but what it must forget, so of a person's registration, update and
// erasure only the erasure is delivered to it (each other delivery would
// cost a processed-id write and an ack per create for nothing).
func TestPeopleConsumersHearOnlyErasures(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	// The producers own these streams; here no producer runs.
	for _, sc := range []events.StreamConfig{
		{Name: events.StreamParticipants, Subjects: []string{events.ParticipantsSubjects}},
		{Name: events.StreamVolunteers, Subjects: []string{events.VolunteersSubjects}},
	} {
		if err := events.EnsureStream(ctx, n.JS, sc); err != nil {
			t.Fatal(err)
		}
	}
	startOn(t, n)
	pub := events.NewPublisher(n.JS)
	cases := []struct {
		stream, durable string
		events          []*eventsv1.Envelope
	}{
		{events.StreamParticipants, server.ParticipantsDurable, []*eventsv1.Envelope{
			envelope(t, "p-reg", events.ParticipantRegistered, "p1", &eventsv1.ParticipantRegistered{}),
			envelope(t, "p-upd", events.ParticipantUpdated, "p1", &eventsv1.ParticipantUpdated{}),
			envelope(t, "p-era", events.ParticipantErased, "p1", &eventsv1.ParticipantErased{ParticipantId: "p1"}),
		}},
		{events.StreamVolunteers, server.VolunteersDurable, []*eventsv1.Envelope{
			envelope(t, "v-reg", events.VolunteerRegistered, "v1", &eventsv1.VolunteerRegistered{}),
			envelope(t, "v-upd", events.VolunteerUpdated, "v1", &eventsv1.VolunteerUpdated{}),
			envelope(t, "v-era", events.VolunteerErased, "v1", &eventsv1.VolunteerErased{VolunteerId: "v1"}),
		}},
	}
	for _, c := range cases {
		var cons jetstream.Consumer
		eventually(t, c.durable+" created", func() bool {
			var err error
			cons, err = n.JS.Consumer(ctx, c.stream, c.durable)
			return err == nil
		})
		for _, env := range c.events {
			if err := pub.Publish(ctx, env); err != nil {
				t.Fatal(err)
			}
		}
		var info *jetstream.ConsumerInfo
		eventually(t, c.durable+" drained", func() bool {
			var err error
			info, err = cons.Info(ctx)
			return err == nil && info.NumPending == 0 && info.NumAckPending == 0 && info.AckFloor.Stream >= 3
		})
		if got := info.Delivered.Consumer; got != 1 {
			t.Errorf("%s: %d events delivered to notify, want 1 (the erasure only)", c.durable, got)
		}
	}
}

func envelope(t *testing.T, id, typ, subjectID string, payload proto.Message) *eventsv1.Envelope {
	t.Helper()
	env, err := events.NewEnvelope(id, typ, subjectID, time.Now(), payload)
	if err != nil {
		t.Fatal(err)
	}
	return env
}

// eventually polls cond for up to 20 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(20 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("%s: not within 20 s", what)
}
