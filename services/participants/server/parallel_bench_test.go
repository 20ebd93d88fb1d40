package server_test

import (
	"context"
	"testing"

	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
)

// BenchmarkGetCacheHitParallel is the cached Get under concurrent load, as
// the ghz comparison with the echo server runs it.
func BenchmarkGetCacheHitParallel(b *testing.B) { benchGetCacheHitParallel(b, startBench(b)) }

// benchGetCacheHitParallel reads one participant through e from 16
// goroutines per CPU: after the first, every Get is a cache hit.
func benchGetCacheHitParallel(b *testing.B, e *env) {
	ctx := context.Background()
	c := e.as(admin)
	res, err := c.CreateParticipant(ctx, &pb.CreateParticipantRequest{Participant: newcomer("0180")})
	if err != nil {
		b.Fatal(err)
	}
	id := res.GetParticipant().GetId()
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb_ *testing.PB) {
		for pb_.Next() {
			if _, err := c.GetParticipant(ctx, &pb.GetParticipantRequest{Id: id}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
