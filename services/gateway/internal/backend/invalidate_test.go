package backend_test

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/motesplats/motesplats/pkg/cache"
	"github.com/motesplats/motesplats/pkg/events"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/gateway/internal/backend"
)

// deletes is the in-process cache backend with a record of every key
// deleted from it, which is what an eviction does.
type deletes struct {
	cache.Backend
	mu   sync.Mutex
	keys []string
}

func (d *deletes) Delete(ctx context.Context, keys ...string) error {
	d.mu.Lock()
	d.keys = append(d.keys, keys...)
	d.mu.Unlock()
	return d.Backend.Delete(ctx, keys...)
}

func (d *deletes) deleted() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.keys)
}

// TestInvalidateSkipsRegistrations: every event about an existing
// participant, volunteer or organisation evicts its view, while a
// registered or created event (a new id, which no cache entry can hold) is
// neither delivered to the gateway's consumers nor evicts anything.
func TestInvalidateSkipsRegistrations(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	streams := map[string]string{events.StreamParticipants: events.ParticipantsSubjects, events.StreamVolunteers: events.VolunteersSubjects}
	for s, subjects := range streams {
		if err := events.EnsureStream(ctx, n.JS, events.StreamConfig{Name: s, Subjects: []string{subjects}}); err != nil {
			t.Fatal(err)
		}
	}
	_, key, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	d := &deletes{Backend: cache.NewMemory(100)}
	// Nothing here calls a service: the clients dial lazily.
	b, err := backend.New(backend.Addrs{Participants: "127.0.0.1:1", Volunteers: "127.0.0.1:1"}, key, "k", time.Now, d, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	fctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- b.Invalidate(fctx, n.JS, []string{events.StreamParticipants, events.StreamVolunteers}) }()
	t.Cleanup(func() {
		stop()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	consumer := func(s string) (*jetstream.ConsumerInfo, error) {
		st, err := n.JS.Stream(ctx, s)
		if err != nil {
			return nil, err
		}
		var infos []*jetstream.ConsumerInfo
		for ci := range st.ListConsumers(ctx).Info() {
			infos = append(infos, ci)
		}
		if len(infos) != 1 {
			return nil, fmt.Errorf("%s has %d consumers, want the gateway's one", s, len(infos))
		}
		return infos[0], nil
	}
	// The consumers deliver only what comes after them.
	testutil.CheckFor(t, 5*time.Second, 10*time.Millisecond, func() error {
		for s := range streams {
			if _, err := consumer(s); err != nil {
				return err
			}
		}
		return nil
	})

	pub := events.NewPublisher(n.JS)
	publish := func(typ, id string) {
		t.Helper()
		// The gateway reads only the envelope; the payload is not its business.
		env, err := events.NewEnvelope(typ+"-"+id, typ, id, time.Now(), &emptypb.Empty{})
		if err != nil {
			t.Fatal(err)
		}
		if err := pub.Publish(ctx, env); err != nil {
			t.Fatal(err)
		}
	}
	// New ids first: the consumers deliver in stream order, so once the
	// changes after them have evicted, a registration would have too.
	for _, typ := range []string{events.ParticipantRegistered, events.VolunteerRegistered, events.OrganisationCreated} {
		publish(typ, "new")
	}
	var want []string
	changes := map[string]int{}
	for s := range streams {
		for i, f := range events.Changes(s) {
			typ := strings.TrimSuffix(f, ".*")
			id := fmt.Sprintf("old%d", i)
			publish(typ, id)
			changes[s]++
			switch {
			case strings.HasPrefix(typ, events.ParticipantPrefix):
				want = append(want, "gateway:participant/"+id, "gateway:participant-name/2/"+id)
			case strings.HasPrefix(typ, events.VolunteerPrefix):
				want = append(want, "gateway:volunteer/"+id, "gateway:volunteer-name/"+id)
			default:
				want = append(want, "gateway:organisation/"+id)
			}
		}
	}
	slices.Sort(want)
	testutil.CheckFor(t, 5*time.Second, 10*time.Millisecond, func() error {
		got := d.deleted()
		slices.Sort(got)
		if !slices.Equal(got, want) {
			return fmt.Errorf("evicted %v, want %v", got, want)
		}
		return nil
	})
	for s, n := range changes {
		ci, err := consumer(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := ci.Delivered.Consumer; got != uint64(n) {
			t.Errorf("%s: %d events delivered to the gateway, want the %d changes only", s, got, n)
		}
	}
}
