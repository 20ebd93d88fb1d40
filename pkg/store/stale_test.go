package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// staleReplica makes every direct get of bucket's entries (what kv.Get
// sends, and so Repo.Get and the relay's reads) answered by a replica that
// lacks them, as a node that was cut off answers after a partition heals
// until it has caught up: JetStream spreads direct gets over every replica
// of a stream, and a follower keeps answering them however far behind it
// falls. A mirror with MirrorDirect joins the same queue group; filtered
// to the key keep, it has that entry only (at the revision it had when it
// was made, when frozen). The stream's own direct gets are turned off, so
// only the mirror answers. heal puts things back.
type staleReplica struct {
	t      *testing.T
	js     jetstream.JetStream
	origin string
	mirror string
}

func mustStaleReplica(t *testing.T, nc *nats.Conn, js jetstream.JetStream, bucket, keep string, frozen bool) *staleReplica {
	t.Helper()
	ctx := testutil.Context(t)
	sr := &staleReplica{t: t, js: js, origin: "KV_" + bucket, mirror: "KV_" + bucket + "_stale"}
	cfg := jetstream.StreamConfig{
		Name:    sr.mirror,
		Storage: jetstream.MemoryStorage,
		Mirror:  &jetstream.StreamSource{Name: sr.origin, FilterSubject: "$KV." + bucket + "." + keep},
	}
	if frozen {
		// One message, and no room for a newer one: the mirror keeps the
		// revision it has now.
		cfg.MaxMsgs, cfg.Discard = 1, jetstream.DiscardNew
	}
	if _, err := js.CreateStream(ctx, cfg); err != nil {
		t.Fatalf("mirror: %v", err)
	}
	t.Cleanup(sr.heal)
	// The mirror answers direct gets once it has caught up.
	testutil.CheckFor(t, 5*time.Second, 10*time.Millisecond, func() error {
		m, err := nc.Request("$JS.API.DIRECT.GET."+sr.origin+".$KV."+bucket+"."+keep, nil, time.Second)
		if err != nil {
			return err
		}
		if m.Header.Get("Nats-Stream") != sr.mirror {
			return fmt.Errorf("direct get answered by %q", m.Header.Get("Nats-Stream"))
		}
		return nil
	})
	sr.setDirect(false)
	return sr
}

func (sr *staleReplica) setDirect(on bool) {
	ctx := context.Background()
	s, err := sr.js.Stream(ctx, sr.origin)
	if err != nil {
		sr.t.Fatal(err)
	}
	cfg := s.CachedInfo().Config
	cfg.AllowDirect = on
	if _, err := sr.js.UpdateStream(ctx, cfg); err != nil {
		sr.t.Fatalf("direct gets on %s: %v", sr.origin, err)
	}
}

// heal turns the stream's own direct gets back on and removes the mirror.
func (sr *staleReplica) heal() {
	ctx := context.Background()
	if err := sr.js.DeleteStream(ctx, sr.mirror); errors.Is(err, jetstream.ErrStreamNotFound) {
		return
	} else if err != nil {
		sr.t.Errorf("delete mirror: %v", err)
	}
	sr.setDirect(true)
}

// requestsTo counts the requests nc sends on subject: a plain
// subscription gets a copy of each without answering it. count flushes
// first: the server has queued the copy of every earlier request before
// its answer to the flush, so nothing sent before is missed.
func requestsTo(t *testing.T, nc *nats.Conn, subject string) (count func() int) {
	t.Helper()
	sub, err := nc.SubscribeSync(subject)
	if err != nil {
		t.Fatal(err)
	}
	if err := sub.SetPendingLimits(-1, -1); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sub.Unsubscribe() })
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	return func() int {
		if err := nc.Flush(); err != nil {
			t.Fatal(err)
		}
		n, _, err := sub.Pending()
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
}

// directGets counts the direct gets of key in bucket (kv.Get);
// leaderGets the reads of bucket's entries only the stream leader
// answers (STREAM.MSG.GET).
func directGets(t *testing.T, nc *nats.Conn, bucket, key string) func() int {
	return requestsTo(t, nc, "$JS.API.DIRECT.GET.KV_"+bucket+".$KV."+bucket+"."+key)
}

func leaderGets(t *testing.T, nc *nats.Conn, bucket string) func() int {
	return requestsTo(t, nc, "$JS.API.STREAM.MSG.GET.KV_"+bucket)
}

// TestRepo_RelayKeepsWhatAStaleReplicaLacks: a record's publish is lost
// (its write was stored; the event is the relay's), and while the relay
// looks at it, the replica answering its reads does not have the record
// yet (a node that was cut off and has rejoined; TestCluster_Partition
// lost an event this way). Not finding it there is no proof that it is
// gone: the relay asks the stream leader, which has it, and publishes the
// event while the replica is still behind (ADR 0113; before, it waited
// for the replica, ADR 0108; before that, it forgot the record). The same
// holds for a replica that has an older revision of a record that owed
// nothing, while the newer one owes an event.
func TestRepo_RelayKeepsWhatAStaleReplicaLacks(t *testing.T) {
	t.Parallel()
	const relayInterval = 20 * time.Millisecond
	for _, tc := range []struct {
		name string
		// older writes the record before the replica falls behind; nil:
		// the replica never had the record.
		older func(ctx context.Context, r *store.Repo[*facts]) error
		// owing writes the entry whose event is lost.
		owing func(ctx context.Context, r *store.Repo[*facts], t *testing.T) error
	}{
		{
			name: "missing",
			owing: func(ctx context.Context, r *store.Repo[*facts], t *testing.T) error {
				_, err := r.Create(ctx, "p1", &facts{MunicipalityCode: "0180"}, event(t, "test.changed", "p1"))
				return err
			},
		},
		{
			name: "older-revision",
			older: func(ctx context.Context, r *store.Repo[*facts]) error {
				_, err := r.Create(ctx, "p1", &facts{MunicipalityCode: "0180"})
				return err
			},
			owing: func(ctx context.Context, r *store.Repo[*facts], t *testing.T) error {
				_, _, err := r.Update(ctx, "p1", func(f *facts, _ uint64) (store.Change, error) {
					f.MunicipalityCode = "1480"
					return store.Change{event(t, "test.changed", "p1")}, nil
				})
				return err
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			n := testutil.MustNATS(t)
			ctx := testutil.Context(t)
			s := mustStream(t, n.JS)
			lost := errors.New("publish lost")
			r := mustOpen(t, n.JS, func(c *store.Config[*facts]) {
				c.Publisher = &jsPublisher{js: n.JS}
				c.Hooks = &store.Hooks{AfterWrite: func(string) error { return lost }}
				c.RelayInterval, c.RelayGrace = relayInterval, 50*time.Millisecond
			})
			keep := "p1"
			if tc.older == nil {
				// The mirror needs an entry to catch up on.
				keep = "other"
				if _, err := r.Create(ctx, keep, &facts{}); err != nil {
					t.Fatal(err)
				}
			} else if err := tc.older(ctx, r); err != nil {
				t.Fatal(err)
			}
			mustStaleReplica(t, n.Conn, n.JS, "people", keep, tc.older != nil)
			reads := directGets(t, n.Conn, "people", "p1")
			if err := tc.owing(ctx, r, t); err != nil {
				t.Fatal(err)
			}
			got, _, err := r.Get(ctx, "p1")
			if tc.older == nil && apperr.ErrorCode(err) != apperr.NotFound {
				t.Fatalf("read through the stale replica: %v, %v; want NotFound", got, err)
			}
			if tc.older != nil && (err != nil || got.GetMunicipalityCode() != "0180") {
				t.Fatalf("read through the stale replica: %v, %v; want the older revision", got, err)
			}
			seen, leaderReads := reads(), leaderGets(t, n.Conn, "people")
			testutil.CheckFor(t, 5*time.Second, 20*time.Millisecond, func() error {
				if got := eventCount(ctx, t, s, "test.changed"); got != 1 {
					return fmt.Errorf("%d events while the replica is behind, want 1", got)
				}
				return nil
			})
			// The relay read through the replica first, and asked the
			// leader only because that read disagreed with the index.
			if direct, leader := reads()-seen, leaderReads(); direct == 0 || leader == 0 {
				t.Fatalf("relay reads: %d direct, %d from the leader; want both", direct, leader)
			}
		})
	}
}
