package server_test

import (
	"context"
	"fmt"
	"testing"

	"google.golang.org/protobuf/types/known/fieldmaskpb"

	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
)

func BenchmarkCreate(b *testing.B) {
	e := startBench(b)
	ctx := context.Background()
	c := e.as(admin)
	b.ResetTimer()
	for b.Loop() {
		if _, err := c.CreateParticipant(ctx, &pb.CreateParticipantRequest{Participant: newcomer("0180")}); err != nil {
			b.Fatal(err)
		}
	}
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
