package events_test

import (
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	"github.com/motesplats/motesplats/pkg/ids"
)

// TestPurgeSubjectID erases one person's events and keeps everyone else's.
func TestPurgeSubjectID(t *testing.T) {
	t.Parallel()
	n, ctx := mustStream(t)
	pub := events.NewPublisher(n.JS)
	for _, pid := range []string{"p1", "p1", "p2"} {
		if err := pub.Publish(ctx, registered(t, ids.UUIDv7{}.New(), pid)); err != nil {
			t.Fatal(err)
		}
	}
	if err := events.PurgeSubjectID(ctx, n.JS, events.StreamParticipants, "participants", "p1"); err != nil {
		t.Fatal(err)
	}
	s, err := n.JS.Stream(ctx, events.StreamParticipants)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := info.State.Msgs; got != 1 {
		t.Fatalf("events left=%d, want 1 (p2's)", got)
	}
	if _, err := s.GetLastMsgForSubject(ctx, events.ParticipantRegistered+".p2"); err != nil {
		t.Fatalf("p2's event gone: %v", err)
	}
	if err := events.PurgeSubjectID(ctx, n.JS, events.StreamParticipants, "participants", "bad.id"); err == nil {
		t.Fatal("purge accepted an id with a dot")
	}
}

// TestPurgeSubjectIDExcept keeps the erased event and removes the rest.
func TestPurgeSubjectIDExcept(t *testing.T) {
	t.Parallel()
	n, ctx := mustStream(t)
	pub := events.NewPublisher(n.JS)
	if err := pub.Publish(ctx, registered(t, ids.UUIDv7{}.New(), "p1")); err != nil {
		t.Fatal(err)
	}
	erased, err := events.NewEnvelope(ids.UUIDv7{}.New(), events.ParticipantErased, "p1", time.Now(), &eventsv1.ParticipantErased{ParticipantId: "p1"})
	if err != nil {
		t.Fatal(err)
	}
	if err := pub.Publish(ctx, erased); err != nil {
		t.Fatal(err)
	}
	if err := events.PurgeSubjectIDExcept(ctx, n.JS, events.StreamParticipants, "participants", "p1", events.ParticipantErased); err != nil {
		t.Fatal(err)
	}
	s, err := n.JS.Stream(ctx, events.StreamParticipants)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetLastMsgForSubject(ctx, events.ParticipantErased+".p1"); err != nil {
		t.Fatalf("erased event gone: %v", err)
	}
	if _, err := s.GetLastMsgForSubject(ctx, events.ParticipantRegistered+".p1"); err == nil {
		t.Fatal("registered event kept")
	}
}

func TestSubjectFor(t *testing.T) {
	t.Parallel()
	got, err := events.SubjectFor(&eventsv1.Envelope{Type: events.VolunteerErased, SubjectId: "v-1"})
	if err != nil || got != "volunteers.volunteer.erased.v-1" {
		t.Fatalf("SubjectFor=%q,%v", got, err)
	}
	for _, env := range []*eventsv1.Envelope{{Type: "x"}, {Type: "x", SubjectId: "a.b"}, {SubjectId: "a"}} {
		if _, err := events.SubjectFor(env); err == nil {
			t.Errorf("SubjectFor(%v) accepted", env)
		}
	}
	if got := events.FilterFor(events.ParticipantErased); got != "participants.participant.erased.*" {
		t.Fatalf("FilterFor=%q", got)
	}
	for in, want := range map[string]string{
		"participants.>":                        "participants.>",
		"participants.participant.*":            "participants.participant.*.*",
		"participants.participant.registered.*": "participants.participant.registered.*",
	} {
		if got := events.FilterFor(in); got != want {
			t.Errorf("FilterFor(%q)=%q, want %q", in, got, want)
		}
	}
}
