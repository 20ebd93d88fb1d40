package pool_test

import (
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	"github.com/motesplats/motesplats/pkg/pool"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// BenchmarkApplyRegistered is what one side pays for a registration once
// its feed has decoded (and opened) the envelope: the facts decoded, the
// record built and stamped, and put in the side's memory with its index.
// "in" is a newcomer the side takes, "out" one it does not (a tombstone).
// Its allocs/op is the figure of ADR 0174.
func BenchmarkApplyRegistered(b *testing.B) {
	for _, consent := range []bool{true, false} {
		name := map[bool]string{true: "in", false: "out"}[consent]
		b.Run(name, func(b *testing.B) {
			n := testutil.MustNATS(b)
			ctx := testutil.Context(b)
			s, err := pool.Open(ctx, n.JS, pool.Spec[*mentoringv1.PoolNewcomer]{
				Bucket: "bench_pool", IDField: "participant_id", Source: pool.Participants,
				Logger: slog.New(slog.DiscardHandler),
				New:    func() *mentoringv1.PoolNewcomer { return &mentoringv1.PoolNewcomer{} },
				Indexes: map[string]func(*mentoringv1.PoolNewcomer) []string{
					"muni": func(n *mentoringv1.PoolNewcomer) []string { return []string{n.GetMunicipalityCode()} },
				},
			})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(s.Close)
			envs := make([]*eventsv1.Envelope, b.N)
			at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			for i := range envs {
				who := fmt.Sprintf("p-%08d", i)
				if envs[i], err = events.NewEnvelope("e-"+who, events.ParticipantRegistered, who, at,
					&eventsv1.ParticipantRegistered{Facts: factsOf(who, "0180", consent)}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				if err := s.ApplyParticipant(ctx, envs[i], build); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			if got := s.Repo.Len(); got != b.N {
				b.Fatalf("the side holds %d records, want %d", got, b.N)
			}
		})
	}
}
