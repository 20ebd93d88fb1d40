package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/jobs"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestReadWhileReplaced: reads of an object that is replaced and deleted
// again and again (Forget rewriting a result, a succeeded job dropping
// its snapshot) each return a whole version or NotFound. A plain object
// store read that met purged chunks waited for its whole deadline and
// failed with "i/o timeout" (CI: a snapshot read while it was dropped).
func TestReadWhileReplaced(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	_, js := n.Connect(t)
	ctx := testutil.Context(t)
	data, err := jobs.OpenObjectData(ctx, js, "read_replaced", 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	version := func(i int64) []byte { return fmt.Appendf(nil, "version %06d;%0512d", i, i) }
	if _, err := data.Put(ctx, "job-1", jobs.ResultKind, version(0)); err != nil {
		t.Fatal(err)
	}
	var written atomic.Int64
	wctx, stop := context.WithCancel(ctx)
	writer := make(chan error, 1)
	go func() {
		for i := int64(1); wctx.Err() == nil; i++ {
			var err error
			if i%7 == 0 {
				err = data.Delete(wctx, "job-1", jobs.ResultKind)
			} else {
				_, err = data.Put(wctx, "job-1", jobs.ResultKind, version(i))
			}
			if err != nil && wctx.Err() == nil {
				writer <- err
				return
			}
			written.Store(i)
			time.Sleep(2 * time.Millisecond) // replaced often, not without pause
		}
		writer <- nil
	}()
	starved := 0
	for i := range 200 {
		rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		before := written.Load()
		raw, err := data.Get(rctx, "job-1", jobs.ResultKind)
		cancel()
		if apperr.ErrorCode(err) == apperr.NotFound {
			continue
		}
		// A read that met a new version on each of its rereads gives up
		// (on a loaded CI machine a read outlasted the 2 ms between
		// writes); that is an answer, not a hang, when the object really
		// was replaced that often meanwhile.
		if errors.Is(err, jobs.ErrReplaced) && written.Load()-before >= jobs.MaxRereads {
			starved++
			continue
		}
		var v int64
		if err != nil {
			t.Fatalf("read %d (after %d writes): %v", i, written.Load(), err)
		}
		if _, serr := fmt.Sscanf(string(raw), "version %06d;", &v); serr != nil || string(raw) != string(version(v)) {
			t.Fatalf("read %d: not a whole version: %.40q", i, raw)
		}
	}
	stop()
	if err := <-writer; err != nil {
		t.Fatal(err)
	}
	if starved > 100 {
		t.Errorf("%d of 200 reads gave up, each after a new version on every reread", starved)
	}
	if written.Load() < 50 {
		t.Errorf("only %d writes while 200 reads ran; the reads met no replacing", written.Load())
	}
}
