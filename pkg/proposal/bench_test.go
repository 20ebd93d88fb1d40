package proposal_test

import (
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/proposal"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// BenchmarkTransition is the kit's Transition on one seating, embedded
// NATS with JetStream (ADR 0273), side by side in one run:
//
//   - step: a change written with its event (the seating's note
//     changes each time);
//   - retry/stands: Approve sent again on the offered seating, decided
//     inside the compare-and-set's read (the kit now);
//   - retry/by-hand: the same retry as ADR 0272 answered it: the kit
//     refuses with FailedPrecondition, then the programme reads the
//     record again to see that the step stands.
//
// msgs/op is what the client sent to NATS per call (requests and
// publishes, from the connection's counters): the round trips, which the
// shared machine's noise does not blur as it does ns/op.
func BenchmarkTransition(b *testing.B) {
	ctx := testutil.Context(b)
	n := testutil.MustNATS(b)
	rg := newRig(ctx, b, n.JS, rigOptions{})
	rg.setSeats("h-1", 4)
	id := rg.propose(ctx, b, "g-1", "h-1", 1)
	if _, err := rg.life.Approve(ctx, kitCoord, id); err != nil {
		b.Fatal(err)
	}
	msgs := func(b *testing.B, from uint64, ops int) {
		b.ReportMetric(float64(n.Conn.Stats().OutMsgs-from)/float64(max(ops, 1)), "msgs/op")
	}
	b.Run("step", func(b *testing.B) {
		from, k := n.Conn.Stats().OutMsgs, 0
		for b.Loop() {
			k++
			if _, err := rg.life.Transition(ctx, kitCoord, id, func(r seating, _ *proposal.State, _ time.Time) (proposal.Step, error) {
				set(r, "note", float64(k))
				return proposal.Step{Kind: proposal.KindChanged, Reason: 1}, nil
			}); err != nil {
				b.Fatal(err)
			}
		}
		msgs(b, from, k)
	})
	b.Run("retry/stands", func(b *testing.B) {
		from, k := n.Conn.Stats().OutMsgs, 0
		for b.Loop() {
			k++
			if _, err := rg.life.Approve(ctx, kitCoord, id); err != nil {
				b.Fatal(err)
			}
		}
		msgs(b, from, k)
	})
	b.Run("retry/by-hand", func(b *testing.B) {
		from, k := n.Conn.Stats().OutMsgs, 0
		for b.Loop() {
			k++
			_, err := rg.life.Transition(ctx, kitCoord, id, func(_ seating, st *proposal.State, now time.Time) (proposal.Step, error) {
				if err := st.Approve(now, time.Hour); err != nil {
					return proposal.Step{}, err // "only a proposed pair can be approved"
				}
				return proposal.Step{Kind: proposal.KindOffered}, nil
			})
			if apperr.ErrorCode(err) != apperr.FailedPrecondition {
				b.Fatalf("by hand: %v, want the kit's refusal", err)
			}
			cur, err := rg.life.Get(ctx, kitCoord, id)
			if err != nil || seatingState(cur).Status != proposal.Offered {
				b.Fatalf("by hand, the second read: %v", err)
			}
		}
		msgs(b, from, k)
	})
}
