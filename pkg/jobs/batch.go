package jobs

import (
	"context"
	"fmt"

	"github.com/motesplats/motesplats/pkg/match"
)

// proposeChunk is how many proposals one ProposeBatch call writes unless
// Plan.BatchSize says otherwise: a progress report after each (the store
// splits them into atomic batches).
const proposeChunk = 2000

// batchReply is what one ProposeBatch call answered.
type batchReply struct {
	held []bool
	n    int
	err  error
}

// proposeBatched is propose with Plan.ProposeBatch: the matched newcomers
// go to the programme Plan.BatchSize at a time, up to Plan.BatchesInFlight
// calls at once, the unmatched to Unmatched in order, and progress is
// reported once per call answered. Calls in flight overlap one batch's
// durable write (staging, fsync) with the next one's encoding; a call
// that fails stops new calls, and the ones in flight are waited for
// before the error is returned, so no write outlives the attempt.
func proposeBatched(ctx context.Context, r *Run, plan Plan, expl []match.Explanation, matched int) (int, error) {
	size, inFlight := plan.BatchSize, plan.BatchesInFlight
	if size <= 0 {
		size = proposeChunk
	}
	if inFlight <= 0 {
		inFlight = 1
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	replies := make(chan batchReply, inFlight)
	pending, done := 0, 0
	var failed error
	// receive takes one answer; the first failure cancels the rest.
	receive := func() {
		rp := <-replies
		pending--
		if failed != nil {
			return
		}
		switch {
		case rp.err != nil:
			failed = rp.err
		case len(rp.held) != rp.n:
			failed = Permanent(fmt.Errorf("jobs: ProposeBatch answered %d of %d proposals", len(rp.held), rp.n))
		}
		if failed != nil {
			cancel()
			return
		}
		for _, ok := range rp.held {
			if ok {
				done++
			}
		}
		if err := r.Report(ctx, Progress{Phase: "propose", Percent: 50 + 45*done/max(matched, 1), Done: done,
			Counts: map[string]int64{"proposals": int64(done)}}); err != nil {
			failed = err
			cancel()
		}
	}
	send := func(xs []match.Explanation) {
		for pending >= inFlight {
			receive()
		}
		if failed != nil {
			return
		}
		pending++
		go func() {
			held, err := plan.ProposeBatch(ctx, xs)
			replies <- batchReply{held: held, n: len(xs), err: err}
		}()
	}
	xs := make([]match.Explanation, 0, size)
	for _, x := range expl {
		if x.Reason != match.Matched {
			plan.Unmatched(x)
			continue
		}
		xs = append(xs, x)
		if len(xs) == size {
			send(xs)
			xs = make([]match.Explanation, 0, size)
		}
	}
	if len(xs) > 0 {
		send(xs)
	}
	for pending > 0 {
		receive()
	}
	if failed != nil {
		return 0, failed
	}
	return done, nil
}
