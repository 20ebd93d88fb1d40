package store_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/pkg/store/staletest"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// staleEnv is what every stale-replica test starts from: an embedded
// server, the event stream, and a repository over the bucket "people"
// publishing to it (mod configures it further).
type staleEnv struct {
	n   *testutil.NATS
	ctx context.Context
	s   jetstream.Stream
	r   *store.Repo[*facts]
}

// errLost is what Hooks.AfterWrite returns to lose a write's publish: its
// events are left owed, as a crash would leave them.
var errLost = errors.New("publish lost")

func mustStaleEnv(t *testing.T, mod func(*store.Config[*facts])) *staleEnv {
	t.Helper()
	n := testutil.MustNATS(t)
	e := &staleEnv{n: n, ctx: testutil.Context(t), s: mustStream(t, n.JS)}
	e.r = mustOpen(t, n.JS, func(c *store.Config[*facts]) {
		c.Publisher = &jsPublisher{js: n.JS}
		if mod != nil {
			mod(c)
		}
	})
	return e
}

// behind makes every direct get of bucket answered by a replica that has
// only the entry keep (frozen: at its present revision; staletest).
func (e *staleEnv) behind(t *testing.T, bucket, keep string, frozen bool) *staletest.Replica {
	t.Helper()
	return staletest.MustReplica(t, e.n.Conn, e.n.JS, bucket, keep, frozen)
}

// directGets counts kv.Get of key in bucket; leaderGets the reads of
// bucket's entries from its stream leader.
func (e *staleEnv) directGets(t *testing.T, bucket, key string) func() int {
	return staletest.DirectGets(t, e.n.Conn, bucket, key)
}

// directRev is the revision of key a direct get in "people" answers (what
// kv.Get sends: the replica, when it is behind); 0 when it finds none. A
// KeyValue handle made now would not do: the bucket's stream has its own
// direct gets turned off, so a new handle reads from the leader.
func (e *staleEnv) directRev(t *testing.T, key string) uint64 {
	t.Helper()
	m, err := e.n.Conn.Request("$JS.API.DIRECT.GET.KV_people.$KV.people."+key, nil, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if m.Header.Get("Status") == "404" {
		return 0
	}
	rev, err := strconv.ParseUint(m.Header.Get("Nats-Sequence"), 10, 64)
	if err != nil {
		t.Fatalf("direct get of %s: %v (headers %v)", key, err, m.Header)
	}
	return rev
}

func (e *staleEnv) leaderGets(t *testing.T, bucket string) func() int {
	return staletest.LeaderGets(t, e.n.Conn, bucket)
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
			e := mustStaleEnv(t, func(c *store.Config[*facts]) {
				c.Hooks = &store.Hooks{AfterWrite: func(string) error { return errLost }}
				c.RelayInterval, c.RelayGrace = relayInterval, 50*time.Millisecond
			})
			ctx, s, r := e.ctx, e.s, e.r
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
			e.behind(t, "people", keep, tc.older != nil)
			reads := e.directGets(t, "people", "p1")
			if err := tc.owing(ctx, r, t); err != nil {
				t.Fatal(err)
			}
			_, cur, err := r.Get(ctx, "p1") // the leader's, when the replica disagrees
			if err != nil {
				t.Fatal(err)
			}
			if got := e.directRev(t, "p1"); tc.older == nil && got != 0 {
				t.Fatalf("the stale replica has p1 at %d, want none", got)
			} else if tc.older != nil && (got == 0 || got >= cur) {
				t.Fatalf("the stale replica has p1 at %d, want an older revision than %d", got, cur)
			}
			seen, leaderReads := reads(), e.leaderGets(t, "people")
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
