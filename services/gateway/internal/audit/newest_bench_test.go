package audit

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// benchEntries is the log's size in BenchmarkAuditPage.
const benchEntries = 10_000

// BenchmarkAuditPage times a page of 100 of a log of 10,000 entries on
// embedded NATS with its file store (ADR 0211 left the newest-first walk
// unmeasured; ADR 0218):
//   - oldest-first: the first page in time order, one forward read (the
//     plain page beside the others);
//   - newest-first: the audit page's default, read back in windows;
//   - newest-first-page-2: the next page, from the first page's token;
//   - newest-first-rare-user: a user with 3 entries among the oldest,
//     newest first: the windows reach back over the whole stream;
//   - newest-first-old-window: a time window over the oldest 100 entries,
//     newest first: read back from the newest entry to the window.
//
// Each reports its consumers and messages read per page. Seeding is not
// timed.
func BenchmarkAuditPage(b *testing.B) {
	n := testutil.MustNATS(b)
	ctx := context.Background()
	base := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	var tick atomic.Int64
	l, err := Open(ctx, n.JS, 1, func() time.Time { return base.Add(time.Duration(tick.Add(1)) * time.Second) }, ids.UUIDv7{})
	if err != nil {
		b.Fatal(err)
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := next.Add(1); k <= benchEntries; k = next.Add(1) {
				user := fmt.Sprintf("u%d", k%20)
				if k <= 3 {
					user = "rare"
				}
				if err := l.Record(ctx, &gatewayv1.AuditEntry{UserId: issued(user), Action: "read", ResourceType: "participant", ResourceId: issued(fmt.Sprintf("p%d", k))}); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	first, _, err := l.Search(ctx, Query{PageSize: 100, NewestFirst: true})
	if err != nil || len(first) != 100 {
		b.Fatalf("the newest page: %d, %v", len(first), err)
	}
	_, tok, _ := l.Search(ctx, Query{PageSize: 100, NewestFirst: true})
	oldest, _, err := l.Search(ctx, Query{PageSize: 100})
	if err != nil || len(oldest) != 100 {
		b.Fatalf("the oldest page: %d, %v", len(oldest), err)
	}
	window := Query{PageSize: 100, NewestFirst: true, Start: oldest[0].GetTime().AsTime(), End: oldest[99].GetTime().AsTime().Add(time.Nanosecond)}
	for _, bm := range []struct {
		name string
		q    Query
		want int
	}{
		{"oldest-first", Query{PageSize: 100}, 100},
		{"newest-first", Query{PageSize: 100, NewestFirst: true}, 100},
		{"newest-first-page-2", Query{PageSize: 100, NewestFirst: true, PageToken: tok}, 100},
		{"newest-first-rare-user", Query{PageSize: 100, NewestFirst: true, UserID: issued("rare")}, 3},
		{"newest-first-old-window", window, 100},
	} {
		b.Run(bm.name, func(b *testing.B) {
			var consumers, msgs atomic.Int64
			l.read = func(c, m int) { consumers.Add(int64(c)); msgs.Add(int64(m)) }
			defer func() { l.read = nil }()
			b.ResetTimer()
			for range b.N {
				es, _, err := l.Search(ctx, bm.q)
				if err != nil || len(es) != bm.want {
					b.Fatalf("%d entries, %v; want %d", len(es), err, bm.want)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(consumers.Load())/float64(b.N), "consumers/page")
			b.ReportMetric(float64(msgs.Load())/float64(b.N), "msgs/page")
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/page")
		})
	}
}
