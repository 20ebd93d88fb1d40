package notice_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/notify/v1"
	"github.com/motesplats/motesplats/pkg/seal"
	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/notify/internal/notice"
	"github.com/motesplats/motesplats/services/notify/server"
)

// handlerDirEnv makes the test binary a notify process that handles the
// mentoring and people events (TestMain), reading childConfig from the
// directory's config.json.
const handlerDirEnv = "MP_NOTIFY_HANDLER_DIR"

// erasureAckWait is the kill test consumers' ack wait: a delivery the
// killed process took is delivered again this long after.
const erasureAckWait = time.Second

// erasureConsumers are notify's consumers of an erasure, as the server
// wires them (server.go), with svc's handlers.
func erasureConsumers(svc *notice.Service) []events.Durable {
	return []events.Durable{
		{Consumer: events.ConsumerConfig{Stream: events.StreamMentoring, Durable: server.MentoringDurable,
			FilterSubjects: []string{"mentoring.pair.>"}, AckWait: erasureAckWait}, Handler: svc.HandleMentoring},
		{Consumer: events.ConsumerConfig{Stream: events.StreamParticipants, Durable: server.ParticipantsDurable,
			FilterSubjects: []string{events.ParticipantErased}, AckWait: erasureAckWait}, Handler: svc.HandlePeople},
	}
}

// runConsumers runs cs on js, with kr opening sealed payloads, until ctx
// ends.
func runConsumers(ctx context.Context, js jetstream.JetStream, kr *seal.Keyring, cs []events.Durable) {
	for _, c := range cs {
		c.Options = []events.Option{events.WithKeyring(kr)}
		go func() { _ = events.RunDurable(ctx, js, c) }()
	}
}

// runHandler is the child: notify's erasure consumers on the parent's
// NATS, running until the process is killed.
func runHandler(dir string) error {
	_, js, kr, err := openChild(dir)
	if err != nil {
		return err
	}
	ctx := context.Background()
	svc, _, err := killReplica(ctx, js, kr, "127.0.0.1:1", "killed-handler", 0, time.Minute)
	if err != nil {
		return err
	}
	runConsumers(ctx, js, kr, erasureConsumers(svc))
	if err := os.WriteFile(filepath.Join(dir, "ready"), nil, 0o600); err != nil {
		return err
	}
	select {}
}

// TestKill9MidErasure kills (SIGKILL) a real notify process at each
// write it makes while it handles a newcomer's erasure and then their
// active pair's (ADR 0153): the k-th write to notify's buckets, or to
// the consumers' processed ids, has the process killed, for k = 1, 2, ...
// until the process finishes before its k-th write. Another replica then
// takes the deliveries left unacknowledged. Each time: the mentor has
// exactly one message, that the pair that began on its day ended; the
// newcomer has none; the pair's tracking and links are gone.
func TestKill9MidErasure(t *testing.T) {
	const pair = "p-kill"
	for k := 1; k <= 40; k++ {
		finished := false
		t.Run(fmt.Sprintf("write-%d", k), func(t *testing.T) {
			finished = killMidErasure(t, pair, k)
		})
		if finished {
			t.Logf("the handling made %d writes, each one killed at once", k-1)
			return
		}
		if t.Failed() {
			return
		}
	}
	t.Error("the handling never finished before the kill")
}

// killMidErasure is one run of TestKill9MidErasure, the process killed at
// its k-th write; it reports whether the process finished first (then the
// run is the crash-free control, checked the same way).
func killMidErasure(t *testing.T, pair string, k int) bool {
	e := start(t, notice.Channels{})
	ctx := testutil.Context(t)
	for _, s := range []events.StreamConfig{{Name: events.StreamMentoring, Subjects: []string{events.MentoringSubjects}},
		{Name: events.StreamParticipants, Subjects: []string{events.ParticipantsSubjects}}} {
		if err := events.EnsureStream(ctx, e.nats.JS, s); err != nil {
			t.Fatal(err)
		}
	}
	began := e.clock.Now()
	e.pairChange("offer-"+pair, events.PairOffered, pair, amina, eventsv1.PairStatus_PAIR_STATUS_OFFERED, began)
	e.pairChange("active-"+pair, events.PairActivated, pair, amina, eventsv1.PairStatus_PAIR_STATUS_ACTIVE, began)
	// Both offers are rendered (sent, or skipped without a channel): they
	// name the other one and hold answer links, which the erasure must
	// blank and remove.
	e.sendUntil(func() error {
		ms, err := e.msgs.Find(store.Query[*pb.StoredMessage]{Index: "proposal", Values: []string{pair}})
		if err != nil {
			return err
		}
		if len(ms.Items) != 2 {
			return fmt.Errorf("%d offers planned, want 2", len(ms.Items))
		}
		for _, m := range ms.Items {
			if !m.GetRendered() {
				return fmt.Errorf("the offer to %s is not rendered yet", m.GetPersonId())
			}
		}
		return nil
	})

	// Count the child's writes on every bucket it writes.
	var (
		mu     sync.Mutex
		writes int
		killed bool
	)
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), handlerDirEnv+"="+dir)
	cmd.Stderr = os.Stderr
	exited := make(chan error, 1)
	sub, err := e.nats.Conn.Subscribe("$KV.>", func(m *nats.Msg) {
		mu.Lock()
		defer mu.Unlock()
		if writes++; writes == k && !killed {
			killed = true
			_ = cmd.Process.Kill()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = sub.Unsubscribe() }()
	if err := e.nats.Conn.Flush(); err != nil {
		t.Fatal(err)
	}
	cfg, _ := json.Marshal(childConfig{NATSURL: e.nats.Server.ClientURL(), KEK: e.kek})
	if err := os.WriteFile(filepath.Join(dir, "config.json"), cfg, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	testutil.CheckFor(t, 60*time.Second, 20*time.Millisecond, func() error {
		_, err := os.Stat(filepath.Join(dir, "ready"))
		return err
	})
	// The child's start wrote (consumers, keyring): count from here.
	mu.Lock()
	writes = 0
	mu.Unlock()

	pub := events.NewPublisher(e.nats.JS)
	for _, ev := range []*eventsv1.Envelope{
		e.event("erased-"+amina, events.ParticipantErased, amina, &eventsv1.ParticipantErased{ParticipantId: amina}),
		e.event("erased-"+pair, events.PairErased, pair, &eventsv1.MentoringPairErased{PairId: pair,
			ErasedParty: eventsv1.Party_PARTY_NEWCOMER, Status: eventsv1.PairStatus_PAIR_STATUS_ACTIVE, ActiveDate: "2026-03-14"}),
	} {
		if err := pub.Publish(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	settled := func() error {
		for _, c := range erasureConsumers(e.svc) {
			ci, err := e.nats.JS.Consumer(ctx, c.Consumer.Stream, c.Consumer.Durable)
			if err != nil {
				return err
			}
			info, err := ci.Info(ctx)
			if err != nil {
				return err
			}
			if info.NumPending+uint64(info.NumAckPending) > 0 {
				return fmt.Errorf("%s: %d pending, %d unacknowledged", c.Consumer.Durable, info.NumPending, info.NumAckPending)
			}
		}
		return nil
	}
	testutil.CheckFor(t, 30*time.Second, 20*time.Millisecond, func() error {
		mu.Lock()
		defer mu.Unlock()
		if killed {
			return nil
		}
		return settled()
	})
	mu.Lock()
	wasKilled := killed
	mu.Unlock()
	if wasKilled {
		<-exited
		// Another replica takes what the dead one left unacknowledged.
		rctx, cancel := context.WithCancel(ctx)
		defer cancel()
		runConsumers(rctx, e.nats.JS, e.deps.Keyring, erasureConsumers(e.svc))
		testutil.CheckFor(t, 60*time.Second, 50*time.Millisecond, settled)
	}

	if err := e.msgs.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	all, err := e.msgs.Find(store.Query[*pb.StoredMessage]{})
	if err != nil {
		t.Fatal(err)
	}
	var ended int
	for _, m := range all.Items {
		switch {
		case m.GetPersonId() == erik && m.GetTemplate() == pb.Template_TEMPLATE_MENTEE_OFFER && m.GetTextBody() != "":
			t.Error("the mentor's offer still names the erased newcomer")
		case m.GetPersonId() == amina:
			t.Errorf("the erased newcomer keeps a %v message", m.GetTemplate())
		case m.GetPersonId() == erik && m.GetTemplate() == pb.Template_TEMPLATE_PAIR_ENDED:
			ended++
			if m.GetDate() != "2026-03-14" {
				t.Errorf("the mentor is told the pair began on %q, want 2026-03-14", m.GetDate())
			}
		case m.GetPersonId() == erik && m.GetTemplate() == pb.Template_TEMPLATE_CANCELLATION:
			t.Error("the mentor of an active pair is told it will not happen")
		}
	}
	if ended != 1 {
		t.Errorf("the mentor has %d pair-ended messages, want 1", ended)
	}
	if _, _, err := e.tracked.Get(ctx, pair); apperr.ErrorCode(err) != apperr.NotFound {
		t.Errorf("the erased pair's tracking: %v, want NotFound", err)
	}
	if err := e.links.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if ls, err := e.links.Find(store.Query[*pb.StoredLink]{Index: "proposal", Values: []string{pair}}); err != nil || len(ls.Items) > 0 {
		t.Errorf("the erased pair keeps %d links (%v)", len(ls.Items), err)
	}
	return !wasKilled
}
