package cache_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/cache"
	benchv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/bench/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

var errNone = errors.New("no such record")

// TestAbsentRemembered: with Options.Absent, a load answering it is
// remembered as a value is: Get, GetProto, GetProtoShared and the batch
// lookup answer it again without loading, each decoding the made-up value
// (AbsentLike) as a value's hit decodes the value, until an Invalidate;
// another error is not remembered, nor Absent without the option (ADR
// 0235). Against both backends.
func TestAbsentRemembered(t *testing.T) {
	t.Parallel()
	like, err := proto.Marshal(&benchv1.EchoRequest{Payload: []byte("made up")})
	if err != nil {
		t.Fatal(err)
	}
	for _, bk := range backends() {
		t.Run(bk.name, func(t *testing.T) {
			t.Parallel()
			ctx := testutil.Context(t)
			c := cache.New(bk.new(t), cache.Options{Timeout: contractTimeout, Name: "absent", Prefix: "absent:", Absent: errNone, AbsentLike: like})
			var loads, made atomic.Int64
			newT := func() *benchv1.EchoRequest { made.Add(1); return new(benchv1.EchoRequest) }
			none := func(context.Context) (*benchv1.EchoRequest, error) { loads.Add(1); return nil, errNone }
			reads := map[string]func(key string) error{
				"GetProto": func(k string) error { _, err := cache.GetProto(ctx, c, k, newT, none); return err },
				"GetProtoShared": func(k string) error {
					_, err := cache.GetProtoShared(ctx, c, k, newT, none)
					return err
				},
			}
			for name, read := range reads {
				key := name
				if err := read(key); !errors.Is(err, errNone) || loads.Load() != 1 {
					t.Fatalf("%s of a key of nothing: %v after %d loads, want errNone after 1", name, err, loads.Load())
				}
				// Until the flight's mark is stored: a load overlapping
				// nothing stores it before answering, so once is enough.
				made.Store(0)
				if err := read(key); !errors.Is(err, errNone) || loads.Load() != 1 {
					t.Errorf("%s again: %v after %d loads, want errNone from the cache", name, err, loads.Load())
				}
				if made.Load() != 1 {
					t.Errorf("%s again decoded %d values, want the made-up one decoded once", name, made.Load())
				}
				found, absent := cache.LookupProtosOrAbsent(ctx, c, []string{key}, newT)
				if len(found) != 0 || !absent[key] {
					t.Errorf("LookupProtosOrAbsent after %s = %v, %v; want it absent", name, found, absent)
				}
				if got := cache.LookupProtos(ctx, c, []string{key}, newT); len(got) != 0 {
					t.Errorf("LookupProtos after %s = %v, want nothing", name, got)
				}
				if err := c.Invalidate(ctx, key); err != nil {
					t.Fatal(err)
				}
				if err := read(key); !errors.Is(err, errNone) || loads.Load() != 2 {
					t.Errorf("%s after Invalidate: %v after %d loads, want a second load", name, err, loads.Load())
				}
				loads.Store(0)
			}
			// The batch side stores marks beside values, in one round trip.
			c.Mark().Store(ctx, map[string]proto.Message{"v": &benchv1.EchoRequest{Payload: []byte("V")}}, []string{"n"})
			found, absent := cache.LookupProtosOrAbsent(ctx, c, []string{"v", "n", "x"}, newT)
			if len(found) != 1 || string(found["v"].GetPayload()) != "V" || len(absent) != 1 || !absent["n"] {
				t.Errorf("LookupProtosOrAbsent = %v, %v; want v found, n absent, x neither", found, absent)
			}
			if _, err := c.Get(ctx, "n", func(context.Context) ([]byte, error) { t.Fatal("loaded a key stored absent"); return nil, nil }); !errors.Is(err, errNone) {
				t.Errorf("Get of a key stored absent: %v, want errNone", err)
			}
			other := errors.New("unavailable")
			for range 2 {
				if _, err := c.Get(ctx, "u", func(context.Context) ([]byte, error) { loads.Add(1); return nil, other }); !errors.Is(err, other) {
					t.Fatal(err)
				}
			}
			if loads.Load() != 2 {
				t.Errorf("another error loaded %d times in two Gets, want 2 (not remembered)", loads.Load())
			}
			plain := cache.New(bk.new(t), cache.Options{Timeout: contractTimeout, Name: "plain", Prefix: "plain:"})
			loads.Store(0)
			for range 2 {
				if _, err := cache.GetProto(ctx, plain, "n", newT, none); !errors.Is(err, errNone) {
					t.Fatal(err)
				}
			}
			plain.Mark().Store(ctx, nil, []string{"m"})
			if _, absent := cache.LookupProtosOrAbsent(ctx, plain, []string{"m"}, newT); loads.Load() != 2 || len(absent) != 0 {
				t.Errorf("without Options.Absent: %d loads in two Gets (want 2), absent %v (want none)", loads.Load(), absent)
			}
		})
	}
}
