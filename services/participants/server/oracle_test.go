package server_test

import (
	"context"
	"fmt"
	"maps"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"google.golang.org/grpc/codes"

	"github.com/motesplats/motesplats/pkg/cache"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/participants/internal/participant"
)

// TestReadByIDCostsAlike: as another organisation's coordinator, an id of
// orgA's participant ("foreign"), an id of no one ("unknown") and an
// erased participant's id ("erased") are answered after the same work,
// with the cache cold (its entries deleted) and warm (read again): the
// same cache calls (keys included), direct gets and leader reads of the
// participants bucket, one id by GetParticipant and three by
// BatchGetParticipantNames. The work, not the time, is compared: the
// time follows it (BenchmarkReadByIDOracle reports both). Before ADR 0235
// a foreign id cost a direct get where the others cost a direct get and a
// leader read (cold), and a cache hit where they cost a cache miss, a
// direct get and a leader read (warm).
func TestReadByIDCostsAlike(t *testing.T) {
	t.Parallel()
	addr, rc := mustRedisClient(t)
	probe := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { _ = probe.Close() })
	w := &work{counts: map[string]int{}}
	hooks := &store.Hooks{
		BeforeGet: func(bucket, _ string) {
			if bucket == participant.Bucket {
				w.add("store.get", 1)
			}
		},
		BeforeLeaderGet: func(bucket, _ string) error {
			if bucket == participant.Bucket {
				w.add("store.leader", 1)
			}
			return nil
		},
	}
	e := startWith(t, testutil.MustNATS(t), hooks, &countedBackend{Backend: cache.NewRedis(rc), w: w})
	ctx := testutil.Context(t)
	admin := e.as(admin)
	const n = 3
	kinds := map[string][]string{}
	for i := range n {
		for _, kind := range []string{"foreign", "erased"} {
			res, err := admin.CreateParticipant(ctx, &pb.CreateParticipantRequest{Participant: newcomer("0180")})
			if err != nil {
				t.Fatal(err)
			}
			kinds[kind] = append(kinds[kind], res.GetParticipant().GetId())
		}
		if _, err := admin.EraseParticipant(ctx, &pb.EraseParticipantRequest{Id: kinds["erased"][i]}); err != nil {
			t.Fatal(err)
		}
		kinds["unknown"] = append(kinds["unknown"], ids.UUIDv7{}.New())
	}
	other := e.as(coordB)
	// read reads asked as coordB, with the cache cold or warm, and
	// returns the work it cost.
	read := func(asked []string, cold bool) (map[string]int, error) {
		if cold {
			keys := make([]string, len(asked))
			for i, id := range asked {
				keys[i] = "participants:participant/" + id
			}
			if err := probe.Del(ctx, keys...).Err(); err != nil {
				t.Fatal(err)
			}
		}
		before := w.snapshot()
		if len(asked) == 1 {
			if _, err := other.GetParticipant(ctx, &pb.GetParticipantRequest{Id: asked[0]}); code(err) != codes.NotFound {
				t.Fatalf("GetParticipant(%s) as another organisation: %v, want NotFound", asked[0], err)
			}
		} else {
			res, err := other.BatchGetParticipantNames(ctx, &pb.BatchGetParticipantNamesRequest{Ids: asked})
			if err != nil || len(res.GetNames()) != 0 {
				t.Fatalf("BatchGetParticipantNames as another organisation: %d names, %v; want none", len(res.GetNames()), err)
			}
		}
		return w.since(before), nil
	}
	for _, shape := range []struct {
		name string
		size int
	}{{"get", 1}, {"batch", n}} {
		t.Run(shape.name, func(t *testing.T) {
			// Writes of the setup still evict entries for a moment after
			// their calls return (the watch's EvictAsync), and an entry
			// evicted between the cold read and the warm one makes the
			// warm read cold: ask again until they are done.
			testutil.CheckFor(t, 10*time.Second, 50*time.Millisecond, func() error {
				cost := map[string]map[string]int{}
				for kind, list := range kinds {
					cold, err := read(list[:shape.size], true)
					if err != nil {
						return err
					}
					warm, err := read(list[:shape.size], false)
					if err != nil {
						return err
					}
					cost[kind] = map[string]int{}
					for k, v := range cold {
						cost[kind]["cold "+k] = v
					}
					for k, v := range warm {
						cost[kind]["warm "+k] = v
					}
				}
				for _, kind := range []string{"unknown", "erased"} {
					if !maps.Equal(cost["foreign"], cost[kind]) {
						return fmt.Errorf("work of a foreign id %v, of an %s one %v; want the same", cost["foreign"], kind, cost[kind])
					}
				}
				t.Logf("each kind's work: %v", cost["foreign"])
				return nil
			})
		})
	}
}

// work counts what reads cost, by kind.
type work struct {
	mu     sync.Mutex
	counts map[string]int
}

func (w *work) add(kind string, n int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.counts[kind] += n
}

func (w *work) snapshot() map[string]int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return maps.Clone(w.counts)
}

// since is what was counted after before, without kinds counted none.
func (w *work) since(before map[string]int) map[string]int {
	out := map[string]int{}
	for k, v := range w.snapshot() {
		if d := v - before[k]; d != 0 {
			out[k] = d
		}
	}
	return out
}

// countedBackend is a real cache backend whose reads and writes are
// counted (deletes are evictions, off the read's path, and not counted).
type countedBackend struct {
	cache.Backend
	w *work
}

// many is the batch side of the Redis backend (cache's batchBackend).
type many interface {
	GetMany(ctx context.Context, keys []string) ([][]byte, error)
	SetMany(ctx context.Context, keys []string, vals [][]byte, ttl time.Duration) error
}

func (b *countedBackend) Get(ctx context.Context, key string) ([]byte, bool, error) {
	b.w.add("cache.get", 1)
	return b.Backend.Get(ctx, key)
}

func (b *countedBackend) Set(ctx context.Context, key string, val []byte, ttl time.Duration) error {
	b.w.add("cache.set", 1)
	return b.Backend.Set(ctx, key, val, ttl)
}

func (b *countedBackend) GetMany(ctx context.Context, keys []string) ([][]byte, error) {
	b.w.add("cache.getmany", 1)
	b.w.add("cache.getmany keys", len(keys))
	return b.Backend.(many).GetMany(ctx, keys)
}

func (b *countedBackend) SetMany(ctx context.Context, keys []string, vals [][]byte, ttl time.Duration) error {
	b.w.add("cache.setmany", 1)
	b.w.add("cache.setmany keys", len(keys))
	return b.Backend.(many).SetMany(ctx, keys, vals, ttl)
}
