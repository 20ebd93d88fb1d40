package audit

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestNewestFirstReadsWhatThePageNeeds counts the entries a newest-first
// page reads (ADR 0218, measured in BenchmarkAuditPage): a time window
// among the oldest entries read every newer entry back to it (10,900 of
// 10,000 entries read, 235 ms), and a page below a token read its range
// twice over. Now the window's end is found by halving on the entries'
// times, and a read stops at its range's end; the pages are the same.
func TestNewestFirstReadsWhatThePageNeeds(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	base := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	tick := 0
	l, err := Open(ctx, n.JS, 1, func() time.Time { tick++; return base.Add(time.Duration(tick) * time.Second) }, ids.UUIDv7{})
	if err != nil {
		t.Fatal(err)
	}
	const entries = 1000
	for k := 1; k <= entries; k++ {
		if err := l.Record(ctx, &gatewayv1.AuditEntry{UserId: issued("u1"), Action: "read", ResourceType: "participant", ResourceId: issued(fmt.Sprintf("p%d", k))}); err != nil {
			t.Fatal(err)
		}
	}
	var msgs atomic.Int64
	l.read = func(_, m int) { msgs.Add(int64(m)) }
	search := func(q Query) ([]*gatewayv1.AuditEntry, string, int64) {
		t.Helper()
		msgs.Store(0)
		es, next, err := l.Search(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		return es, next, msgs.Load()
	}
	ids := func(es []*gatewayv1.AuditEntry) string {
		if len(es) == 0 {
			return ""
		}
		return label(es[0].GetResourceId()) + ".." + label(es[len(es)-1].GetResourceId())
	}
	// Entries p11 to p20 (times base+11 s to base+20 s), newest first.
	window := Query{NewestFirst: true, Start: base.Add(11 * time.Second), End: base.Add(21 * time.Second)}
	es, _, read := search(window)
	if got := ids(es); got != "p20..p11" || len(es) != 10 {
		t.Errorf("the window: %d entries %s, want 10, p20..p11", len(es), got)
	}
	// At most: the 20 entries up to the window's end, the slack above
	// it, and the halving's reads (log2 of 1,000, rounded up).
	if limit := int64(20 + endSlack + 10); read > limit {
		t.Errorf("the window read %d entries, want at most %d", read, limit)
	}
	// The same window, a page of 4 at a time.
	window.PageSize = 4
	var walked string
	for page := 0; page < 5; page++ {
		es, next, _ := search(window)
		walked += ids(es) + " "
		if window.PageToken = next; next == "" {
			break
		}
	}
	if walked != "p20..p17 p16..p13 p12..p11 " {
		t.Errorf("the window by pages of 4: %q", walked)
	}
	// A page below a token reads the page and one more.
	_, tok, _ := search(Query{NewestFirst: true, PageSize: 100})
	es, _, read = search(Query{NewestFirst: true, PageSize: 100, PageToken: tok})
	if got := ids(es); got != "p900..p801" || read != 101 {
		t.Errorf("page 2: %s, %d entries read; want p900..p801, 101", got, read)
	}
	// A window that ends after every entry, and one before them all.
	if es, _, _ := search(Query{NewestFirst: true, PageSize: 2, End: base.Add(time.Hour)}); ids(es) != "p1000..p999" {
		t.Errorf("a window ending after every entry: %s", ids(es))
	}
	if es, _, _ := search(Query{NewestFirst: true, End: base.Add(time.Second)}); len(es) != 0 {
		t.Errorf("a window ending before every entry: %s", ids(es))
	}
}
