package server_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"

	"google.golang.org/protobuf/types/known/fieldmaskpb"

	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
)

func BenchmarkCreate(b *testing.B) {
	e := startBench(b)
	ctx := context.Background()
	c := e.as(admin)
	live := liveHeap()
	b.ResetTimer()
	for b.Loop() {
		if _, err := c.CreateParticipant(ctx, &pb.CreateParticipantRequest{Participant: newcomer("0180")}); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	live.report(b)
}

// heapMark is the live heap (after a collection) at the start of a
// benchmark.
type heapMark struct{ bytes, objects uint64 }

// liveHeap collects and notes what stays live: every later mark phase of
// the collector walks it again (ADR 0204), so its growth per create is
// reported beside the allocations, which only say how often cycles come.
func liveHeap() heapMark {
	var m runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m)
	return heapMark{bytes: m.HeapAlloc, objects: m.HeapObjects}
}

// report adds the live heap's growth per iteration since h (embedded
// server included) as live-B/op and live-objs/op.
func (h heapMark) report(b *testing.B) {
	now := liveHeap()
	n := float64(b.N)
	b.ReportMetric((float64(now.bytes)-float64(h.bytes))/n, "live-B/op")
	b.ReportMetric((float64(now.objects)-float64(h.objects))/n, "live-objs/op")
}

func BenchmarkGetCacheHit(b *testing.B) {
	e := startBench(b)
	ctx := context.Background()
	c := e.as(admin)
	res, err := c.CreateParticipant(ctx, &pb.CreateParticipantRequest{Participant: newcomer("0180")})
	if err != nil {
		b.Fatal(err)
	}
	id := res.GetParticipant().GetId()
	b.ResetTimer()
	for b.Loop() {
		if _, err := c.GetParticipant(ctx, &pb.GetParticipantRequest{Id: id}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGetCacheMiss(b *testing.B) {
	e := startBench(b)
	ctx := context.Background()
	c := e.as(admin)
	res, err := c.CreateParticipant(ctx, &pb.CreateParticipantRequest{Participant: newcomer("0180")})
	if err != nil {
		b.Fatal(err)
	}
	id := res.GetParticipant().GetId()
	b.ResetTimer()
	for b.Loop() {
		// An update evicts the cached copy; only the Get is timed.
		b.StopTimer()
		if _, err := c.UpdateParticipant(ctx, &pb.UpdateParticipantRequest{Participant: &pb.Participant{Id: id, FamilyName: fmt.Sprint(b.Elapsed())},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"family_name"}}}); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := c.GetParticipant(ctx, &pb.GetParticipantRequest{Id: id}); err != nil {
			b.Fatal(err)
		}
	}
}
