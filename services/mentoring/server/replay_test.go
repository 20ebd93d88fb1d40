package server_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"

	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	storev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/store/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/mentoring/internal/pool"
	"github.com/motesplats/motesplats/services/mentoring/server"
)

// history is a life of a small population: registrations, updates,
// consent withdrawn and given again, role lost, deletions and erasures.
func history(t testing.TB) []*eventsv1.Envelope {
	p := population(3, 24, 8)
	out := registrations(t, p)
	for i, n := range p.newcomers {
		id := n.GetParticipantId()
		if i%3 == 0 {
			n = proto.Clone(n).(*eventsv1.ParticipantFacts)
			n.MunicipalityCode, n.Interests = "0380", []string{"chess"}
			out = append(out, envelope(t, events.ParticipantUpdated, id, &eventsv1.ParticipantUpdated{Facts: n}))
		}
		if i%4 == 0 {
			w := proto.Clone(n).(*eventsv1.ParticipantFacts)
			w.ConsentedPurposes = nil
			out = append(out, envelope(t, events.ParticipantConsentChanged, id, &eventsv1.ParticipantConsentChanged{ParticipantId: id, Facts: w}))
			if i%8 == 0 {
				out = append(out, envelope(t, events.ParticipantConsentChanged, id, &eventsv1.ParticipantConsentChanged{ParticipantId: id, Granted: true, Facts: n}))
			}
		}
		switch {
		case i%5 == 0:
			out = append(out, envelope(t, events.ParticipantErased, id, &eventsv1.ParticipantErased{ParticipantId: id}))
		case i%7 == 0:
			out = append(out, envelope(t, events.ParticipantDeleted, id, &eventsv1.ParticipantDeleted{ParticipantId: id}))
		}
	}
	for j, m := range p.mentors {
		id := m.GetVolunteerId()
		if j%2 == 0 {
			m = proto.Clone(m).(*eventsv1.VolunteerFacts)
			m.Roles[0].Capacity = 3
			out = append(out, envelope(t, events.VolunteerUpdated, id, &eventsv1.VolunteerUpdated{Facts: m}))
		}
		if j%3 == 0 {
			m = proto.Clone(m).(*eventsv1.VolunteerFacts)
			m.Roles = nil
			out = append(out, envelope(t, events.VolunteerUpdated, id, &eventsv1.VolunteerUpdated{Facts: m}))
		}
		if j%4 == 1 {
			out = append(out, envelope(t, events.VolunteerErased, id, &eventsv1.VolunteerErased{VolunteerId: id}))
		}
	}
	return out
}

// poolState reads both pool buckets: key -> record.
func poolState(ctx context.Context, t testing.TB, js jetstream.JetStream) map[string]proto.Message {
	t.Helper()
	out := map[string]proto.Message{}
	for _, b := range []string{pool.NewcomerBucket, pool.MentorBucket} {
		kv, err := js.KeyValue(ctx, b)
		if err != nil {
			t.Fatal(err)
		}
		keys, err := kv.ListKeys(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for k := range keys.Keys() {
			e, err := kv.Get(ctx, k)
			if err != nil {
				t.Fatal(err)
			}
			var rec storev1.Record
			if err := proto.Unmarshal(e.Value(), &rec); err != nil {
				t.Fatal(err)
			}
			var m proto.Message = &pb.PoolNewcomer{}
			if b == pool.MentorBucket {
				m = &pb.PoolMentor{}
			}
			if err := proto.Unmarshal(rec.GetData(), m); err != nil {
				t.Fatal(err)
			}
			out[b+"/"+k] = m
		}
	}
	return out
}

// settled waits until both pool consumers have handled everything.
func settled(ctx context.Context, t testing.TB, js jetstream.JetStream) {
	t.Helper()
	testutil.CheckFor(t, 20*time.Second, 50*time.Millisecond, func() error {
		for _, c := range [][2]string{{events.StreamParticipants, server.ParticipantsDurable}, {events.StreamVolunteers, server.VolunteersDurable}} {
			cons, err := js.Consumer(ctx, c[0], c[1])
			if err != nil {
				return err
			}
			info, err := cons.Info(ctx)
			if err != nil {
				return err
			}
			if info.NumPending > 0 || info.NumAckPending > 0 {
				return fmt.Errorf("%s: %d pending, %d unacked", c[1], info.NumPending, info.NumAckPending)
			}
		}
		return nil
	})
}

// TestReplayGivesSameState handles every event 1 to 5 times, then the whole
// history again, and gets the pool a single pass gives: through the
// service's consumers (each copy published past the stream's duplicate
// check) and through the bare handlers, without the processed-ids filter.
func TestReplayGivesSameState(t *testing.T) {
	t.Parallel()
	ctx := testutil.Context(t)
	hist := history(t)

	once := startEnv(t, 1, server.Options{})
	once.publishAll(ctx, hist)
	settled(ctx, t, once.nats.JS)
	want := poolState(ctx, t, once.nats.JS)
	if len(want) != 32 {
		t.Fatalf("pool has %d records, want 32 (tombstones included)", len(want))
	}

	r := rand.New(rand.NewPCG(9, 9))
	var replay []*eventsv1.Envelope
	for _, env := range hist {
		for range 1 + r.IntN(5) {
			replay = append(replay, env)
		}
	}
	replay = append(replay, hist...)

	many := startEnv(t, 1, server.Options{})
	many.publishAll(ctx, nil)
	for k, env := range replay {
		data, err := proto.Marshal(env)
		if err != nil {
			t.Fatal(err)
		}
		subject, err := events.SubjectFor(env)
		if err != nil {
			t.Fatal(err)
		}
		msg := &nats.Msg{Subject: subject, Data: data}
		if _, err := many.nats.JS.PublishMsg(ctx, msg, jetstream.WithMsgID(fmt.Sprintf("%s-copy-%d", env.GetId(), k))); err != nil {
			t.Fatal(err)
		}
	}
	settled(ctx, t, many.nats.JS)
	if diff := cmp.Diff(want, poolState(ctx, t, many.nats.JS), protocmp.Transform()); diff != "" {
		t.Errorf("replayed through the stream (-once +replayed):\n%s", diff)
	}

	bare := testutil.MustNATS(t)
	pl, err := pool.Open(ctx, bare.JS, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer pl.Close()
	for _, env := range replay {
		h := pl.HandleParticipant
		if env.GetType()[:len("volunteers")] == "volunteers" {
			h = pl.HandleVolunteer
		}
		if err := h(ctx, env); err != nil {
			t.Fatal(err)
		}
	}
	if diff := cmp.Diff(want, poolState(ctx, t, bare.JS), protocmp.Transform()); diff != "" {
		t.Errorf("replayed through the handlers (-once +replayed):\n%s", diff)
	}
}
