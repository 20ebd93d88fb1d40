package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
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

// poolState is both pool sides' records: side/key -> record (sides gives
// a side's records by name).
func poolState(sides func(name string) map[string]proto.Message) map[string]proto.Message {
	out := map[string]proto.Message{}
	for _, b := range []string{pool.NewcomerBucket, pool.MentorBucket} {
		for k, m := range sides(b) {
			out[b+"/"+k] = m
		}
	}
	return out
}

// replicaPool reads replica 0's pool sides.
func replicaPool(e *env) func(string) map[string]proto.Message {
	return func(name string) map[string]proto.Message { return e.pools.Records(0, name) }
}

// settleWait bounds settled. Everything is handled in a second or two
// when nothing stalls, but a handler that stalls on a loaded machine holds
// its delivery until the consumer's AckWait (30 s) and is then retried, so
// "everything handled" can take longer than AckWait: the old 20 s bound
// failed about one run in five at load 15-25 while the consumers were
// still (correctly) working through a retry.
const settleWait = 2 * events.DefaultAckWait

// settled waits until both pool consumers have handled everything (the
// leaves) and the pool sides have applied every event.
func settled(ctx context.Context, t testing.TB, e *env) {
	t.Helper()
	js := e.nats.JS
	defer e.pools.Sync(ctx, t)
	testutil.CheckFor(t, settleWait, 50*time.Millisecond, func() error {
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
	settled(ctx, t, once)
	want := poolState(replicaPool(once))
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
	settled(ctx, t, many)
	if diff := cmp.Diff(want, poolState(replicaPool(many)), protocmp.Transform()); diff != "" {
		t.Errorf("replayed through the stream (-once +replayed):\n%s", diff)
	}

	bare := testutil.MustNATS(t)
	pl, err := pool.Open(ctx, bare.JS, nil, nil)
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
	if diff := cmp.Diff(want, poolState(func(name string) map[string]proto.Message { return pl.Sides()[name].Records() }), protocmp.Transform()); diff != "" {
		t.Errorf("replayed through the handlers (-once +replayed):\n%s", diff)
	}
}

// publishCopies publishes every envelope as its own message, past the
// stream's duplicate check, as a redelivering producer would.
func publishCopies(ctx context.Context, t testing.TB, e *env, envs []*eventsv1.Envelope) {
	t.Helper()
	for k, env := range envs {
		data, err := proto.Marshal(env)
		if err != nil {
			t.Fatal(err)
		}
		subject, err := events.SubjectFor(env)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.nats.JS.PublishMsg(ctx, &nats.Msg{Subject: subject, Data: data},
			jetstream.WithMsgID(fmt.Sprintf("%s-copy-%d", env.GetId(), k))); err != nil {
			t.Fatal(err)
		}
	}
}

// lifeState renders every pair (id, people, status, reasons) and every
// slot counter (resource -> holders), without the times and job ids that
// differ between environments.
func lifeState(ctx context.Context, t testing.TB, e *env) map[string]string {
	t.Helper()
	out := map[string]string{}
	c := e.as(admin)
	tok := ""
	for {
		res, err := c.ListPairs(ctx, &pb.ListPairsRequest{PageSize: 500, PageToken: tok})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range res.GetPairs() {
			out["pair/"+p.GetId()] = fmt.Sprintf("%s/%s %s end=%s", p.GetParticipantId(), p.GetVolunteerId(), p.GetStatus(), p.GetEndReason())
		}
		if tok = res.GetNextPageToken(); tok == "" {
			break
		}
	}
	kv, err := e.nats.JS.KeyValue(ctx, "mentoring_slots")
	if err != nil {
		t.Fatal(err)
	}
	keys, err := kv.ListKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for k := range keys.Keys() {
		if en, err := kv.Get(ctx, k); err == nil {
			out["slots/"+k] = holdersOf(en.Value())
		}
	}
	return out
}

// holdersOf renders a slot counter's holders, sorted, without their times.
func holdersOf(raw []byte) string {
	var v struct {
		Holders []struct {
			ID string `json:"id"`
		} `json:"holders"`
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return "undecodable"
	}
	var ids []string
	for _, h := range v.Holders {
		ids = append(ids, h.ID)
	}
	slices.Sort(ids)
	return strings.Join(ids, ",")
}

// TestReplayKeepsPairsAndSlots: with pairs proposed, offered and active,
// the rest of the population's life (withdrawals, lost roles, deletions,
// erasures) handled once or every event 1 to 5 times and then all again
// leaves the same pairs, statuses and slot counters.
func TestReplayKeepsPairsAndSlots(t *testing.T) {
	t.Parallel()
	ctx := testutil.Context(t)
	hist := history(t)
	pop := population(3, 24, 8)
	regs, rest := hist[:len(pop.newcomers)+len(pop.mentors)], hist[len(pop.newcomers)+len(pop.mentors):]
	r := rand.New(rand.NewPCG(4, 4))
	var replay []*eventsv1.Envelope
	for _, env := range rest {
		for range 1 + r.IntN(5) {
			replay = append(replay, env)
		}
	}
	replay = append(replay, rest...)

	var states [2]map[string]string
	for k, then := range [][]*eventsv1.Envelope{rest, replay} {
		e := startEnv(t, 1, server.Options{})
		e.publishAll(ctx, regs)
		settled(ctx, t, e)
		c := e.as(admin)
		ps := pairsOf(ctx, t, c, e.runJob(ctx, c, "replay").GetId())
		slices.SortFunc(ps, func(a, b *pb.Pair) int { return strings.Compare(a.GetId(), b.GetId()) })
		mentors := map[string]bool{}
		acted := 0
		for _, p := range ps {
			if mentors[p.GetVolunteerId()] || acted == 6 {
				continue
			}
			mentors[p.GetVolunteerId()] = true
			if acted%2 == 0 {
				activate(ctx, t, c, p.GetId())
			} else if _, err := c.ApproveProposal(ctx, &pb.ApproveProposalRequest{Id: p.GetId()}); err != nil {
				t.Fatal(err)
			}
			acted++
		}
		publishCopies(ctx, t, e, then)
		settled(ctx, t, e)
		states[k] = lifeState(ctx, t, e)
	}
	if len(states[0]) < 10 {
		t.Fatalf("state has %d entries; the test needs pairs and slots", len(states[0]))
	}
	if diff := cmp.Diff(states[0], states[1]); diff != "" {
		t.Errorf("pairs and slots after replay (-once +replayed):\n%s", diff)
	}
	changed := 0
	for _, v := range states[0] {
		if strings.Contains(v, "WITHDRAWN") || strings.Contains(v, "ENDED") {
			changed++
		}
	}
	if changed == 0 {
		t.Errorf("no pair was withdrawn or ended; the history does not exercise Leave: %v", states[0])
	}
}
