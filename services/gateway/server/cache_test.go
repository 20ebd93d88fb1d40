package server_test

import (
	"fmt"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/redis/go-redis/v9"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestJoinedViewCache: the organisation name joined into a newcomer's view
// is cached in Redis, evicted by the organisation's update event, and the
// view is still served when Redis is gone.
func TestJoinedViewCache(t *testing.T) {
	t.Parallel()
	e, _, addr := startWithRedis(t, envOptions{})
	ctx := testutil.Context(t)
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Gamla namnet", "0880")
	coord := e.coordinator(admin, "c@example.org", org, "0880")
	id := newcomer(t, coord, org, "0880", "Amina")
	view := func() (string, error) {
		res, err := coord.registry.GetParticipant(ctx, connect.NewRequest(&gatewayv1.GetParticipantRequest{Id: id}))
		return res.Msg.GetParticipant().GetOrganisationName(), err
	}
	if name, err := view(); err != nil || name != "Gamla namnet" {
		t.Fatalf("view: %q %v", name, err)
	}
	probe := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { _ = probe.Close() })
	if n, err := probe.Exists(ctx, "gateway:organisation/"+org).Result(); err != nil || n != 1 {
		t.Fatalf("joined view not in Redis: %d %v", n, err)
	}
	if _, err := e.serviceClient().UpdateOrganisation(ctx, &volunteersv1.UpdateOrganisationRequest{
		Organisation: &volunteersv1.Organisation{Id: org, Name: "Nya namnet"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"name"}}}); err != nil {
		t.Fatal(err)
	}
	testutil.CheckFor(t, 5*time.Second, 20*time.Millisecond, func() error {
		if name, err := view(); err != nil || name != "Nya namnet" {
			return fmt.Errorf("view after rename: %q %v", name, err)
		}
		return nil
	})
	_ = probe.ShutdownNoSave(ctx).Err()
	testutil.CheckFor(t, 5*time.Second, 20*time.Millisecond, func() error {
		if probe.Ping(ctx).Err() == nil {
			return fmt.Errorf("redis still up")
		}
		return nil
	})
	for range 3 {
		if name, err := view(); err != nil || name != "Nya namnet" {
			t.Fatalf("view with Redis down: %q %v", name, err)
		}
	}
}
