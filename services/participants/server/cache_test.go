package server_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/motesplats/motesplats/pkg/cache"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestRedisCache runs the service on a real Redis: Gets are served from it,
// updates and erasure evict it, and a Redis that goes away does not fail
// a single request.
func TestRedisCache(t *testing.T) {
	t.Parallel()
	addr, rc := mustRedisClient(t)
	e := startWith(t, testutil.MustNATS(t), nil, cache.NewRedis(rc))
	ctx := testutil.Context(t)
	c := e.as(admin)
	res, err := c.CreateParticipant(ctx, &pb.CreateParticipantRequest{Participant: newcomer("0180")})
	if err != nil {
		t.Fatal(err)
	}
	id := res.GetParticipant().GetId()
	key := "participants:participant/" + id
	probe := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { _ = probe.Close() })
	// A load that overlaps an eviction does not store what it read, so the
	// copy may take a second Get to appear.
	testutil.CheckFor(t, 5*time.Second, 20*time.Millisecond, func() error {
		if _, err := c.GetParticipant(ctx, &pb.GetParticipantRequest{Id: id}); err != nil {
			t.Fatal(err)
		}
		if n, err := probe.Exists(ctx, key).Result(); err != nil || n != 1 {
			return fmt.Errorf("cached copy in Redis: exists=%d err=%v, want 1", n, err)
		}
		return nil
	})
	if _, err := c.UpdateParticipant(ctx, &pb.UpdateParticipantRequest{Participant: &pb.Participant{Id: id, GivenName: "Hodan"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"given_name"}}}); err != nil {
		t.Fatal(err)
	}
	got, err := c.GetParticipant(ctx, &pb.GetParticipantRequest{Id: id})
	if err != nil || got.GetParticipant().GetGivenName() != "Hodan" {
		t.Fatalf("get after update=%q err=%v, want the new name", got.GetParticipant().GetGivenName(), err)
	}
	if _, err := c.EraseParticipant(ctx, &pb.EraseParticipantRequest{Id: id}); err != nil {
		t.Fatal(err)
	}
	testutil.CheckFor(t, 5*time.Second, 20*time.Millisecond, func() error {
		if n, err := probe.Exists(ctx, key).Result(); err != nil || n != 0 {
			return fmt.Errorf("erased participant still cached: exists=%d err=%v", n, err)
		}
		return nil
	})
	if _, err := c.GetParticipant(ctx, &pb.GetParticipantRequest{Id: id}); code(err) != codes.NotFound {
		t.Fatalf("get after erase: %v, want NotFound", err)
	}

	// Redis goes away: every request still succeeds from the source.
	res, err = c.CreateParticipant(ctx, &pb.CreateParticipantRequest{Participant: newcomer("0180")})
	if err != nil {
		t.Fatal(err)
	}
	// SHUTDOWN closes the connection as it answers, so its error is moot.
	_ = probe.ShutdownNoSave(ctx).Err()
	testutil.CheckFor(t, 5*time.Second, 20*time.Millisecond, func() error {
		if probe.Ping(ctx).Err() == nil {
			return fmt.Errorf("redis still up")
		}
		return nil
	})
	for range 5 {
		if _, err := c.GetParticipant(ctx, &pb.GetParticipantRequest{Id: res.GetParticipant().GetId()}); err != nil {
			t.Fatalf("get with Redis down: %v", err)
		}
	}
}
