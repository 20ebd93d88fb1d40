package store

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/kvwatch"
	"github.com/motesplats/motesplats/pkg/store/leader"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestOpenShortOfItsBucketRefusesListsUntilCaughtUp: a first pass that
// ended by ADR 0243's fallback (its next message never delivered, as a
// consumer on a replica whose catch-up stalls meets it) opened with part
// of the bucket, and Find answered from it, naming 4 records of 5 as if
// that were all (ADR 0250's "not done"). The index now knows it is behind
// the leader's last message: Find answers Unavailable, the process's
// readiness counts it, until the watch has applied that revision; then
// Find answers with every record. A normal Open is ready at once.
func TestOpenShortOfItsBucketRefusesListsUntilCaughtUp(t *testing.T) {
	t.Parallel()
	const bucket = "behindpeople"
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	open := func() *Repo[*facts] {
		return openFacts(t, n.JS, func(c *Config[*facts]) { c.Bucket = bucket })
	}
	w := open()
	for i := range 5 {
		if _, err := w.Create(ctx, fmt.Sprintf("p%d", i), &facts{MunicipalityCode: "0180"}); err != nil {
			t.Fatal(err)
		}
	}
	w.Close()
	last, _, err := leader.Last(ctx, n.JS, bucket)
	if err != nil || last == 0 {
		t.Fatalf("the bucket's last message: %d %v", last, err)
	}

	// The bucket's last message is never delivered to the next watch:
	// its first pass ends by the fallback, short of it.
	var dropping atomic.Bool
	dropping.Store(true)
	remove := kvwatch.SetTestHooks(bucket, kvwatch.TestHooks{StuckWait: 300 * time.Millisecond,
		Drop: func(rev uint64) bool { return dropping.Load() && rev == last }})
	r := open()
	remove()
	if !r.Behind() || Behind() < 1 {
		t.Errorf("opened short of the bucket's last message %d: Behind %t, the process's count %d; want behind", last, r.Behind(), Behind())
	}
	p, err := r.Find(Query[*facts]{})
	if apperr.ErrorCode(err) != apperr.Unavailable || !strings.Contains(apperr.ErrorMessage(err), "not ready yet") {
		t.Errorf("Find while behind: %d records, %v; want Unavailable, not ready yet", len(p.Items), err)
	}

	// The watch catches up: what it missed comes again with a later write.
	dropping.Store(false)
	w2 := open()
	if _, _, err := w2.Update(ctx, "p4", func(v *facts, _ uint64) (Change, error) {
		v.MunicipalityCode = "0181"
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	testutil.CheckFor(t, 10*time.Second, 20*time.Millisecond, func() error {
		if r.Behind() {
			return fmt.Errorf("still behind")
		}
		return nil
	})
	if p, err := r.Find(Query[*facts]{}); err != nil || len(p.Items) != 5 {
		t.Errorf("Find once caught up: %d records, %v; want 5", len(p.Items), err)
	}
	if w2.Behind() {
		t.Errorf("a normal Open: behind, want ready at once")
	}
	if p, err := w2.Find(Query[*facts]{}); err != nil || len(p.Items) != 5 {
		t.Errorf("Find on a normal Open: %d records, %v; want 5", len(p.Items), err)
	}
}
