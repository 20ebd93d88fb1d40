package jobs

import (
	"context"
	"fmt"

	"github.com/motesplats/motesplats/pkg/match"
)

// proposeChunk is how many proposals one ProposeBatch call writes: a
// progress report after each (the store splits them into atomic batches).
const proposeChunk = 2000

// proposeBatched is propose with Plan.ProposeBatch: the matched newcomers
// go to the programme proposeChunk at a time, the unmatched to Unmatched
// in order, and progress is reported once per chunk.
func proposeBatched(ctx context.Context, r *Run, plan Plan, expl []match.Explanation, matched int) (int, error) {
	done := 0
	var xs []match.Explanation
	write := func() error {
		if len(xs) == 0 {
			return nil
		}
		held, err := plan.ProposeBatch(ctx, xs)
		if err != nil {
			return err
		}
		if len(held) != len(xs) {
			return Permanent(fmt.Errorf("jobs: ProposeBatch answered %d of %d proposals", len(held), len(xs)))
		}
		for _, ok := range held {
			if ok {
				done++
			}
		}
		xs = xs[:0]
		return r.Report(ctx, Progress{Phase: "propose", Percent: 50 + 45*done/max(matched, 1), Done: done,
			Counts: map[string]int64{"proposals": int64(done)}})
	}
	for _, x := range expl {
		if x.Reason != match.Matched {
			plan.Unmatched(x)
			continue
		}
		xs = append(xs, x)
		if len(xs) == proposeChunk {
			if err := write(); err != nil {
				return 0, err
			}
		}
	}
	if err := write(); err != nil {
		return 0, err
	}
	return done, nil
}
