package servicetest_test

import (
	"context"
	"net"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/echo"
	"github.com/motesplats/motesplats/pkg/events"
	benchv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/bench/v1"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	"github.com/motesplats/motesplats/pkg/service"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/servicetest"
)

// TestStartAndDial: a replica started with the test key accepts a caller
// dialled with a token of that key and refuses one signed with another.
func TestStartAndDial(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	key := servicetest.NewKey(t)
	clock := testutil.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	var sawNow time.Time
	addr := servicetest.Start(t, n.JS, key, clock.Now, func(ctx context.Context, addr string, d service.Deps, ready func(net.Addr)) error {
		sawNow = d.Now()
		srv, hs := service.NewServer(d, nil)
		benchv1.RegisterEchoServiceServer(srv, echo.Server{})
		return service.Serve(ctx, "echo", addr, srv, hs, d, ready)
	})
	if !sawNow.Equal(clock.Now()) {
		t.Errorf("the service's clock says %v, want the test clock's %v", sawNow, clock.Now())
	}
	who := auth.Claims{Subject: "u-1", Role: auth.RoleAdmin}
	ok := benchv1.NewEchoServiceClient(servicetest.Dial(t, addr, servicetest.NewSigner(key), who))
	if _, err := ok.Echo(testutil.Context(t), &benchv1.EchoRequest{}); err != nil {
		t.Fatalf("echo with the test key: %v", err)
	}
	other := benchv1.NewEchoServiceClient(servicetest.Dial(t, addr, servicetest.NewSigner(servicetest.NewKey(t)), who))
	if _, err := other.Echo(testutil.Context(t), &benchv1.EchoRequest{}, grpc.WaitForReady(false)); status.Code(err) != codes.Unauthenticated {
		t.Fatalf("echo with another key: %v, want Unauthenticated", err)
	}
}

// TestPublishPeople: envelopes are newer with every call and land on the
// producers' streams.
func TestPublishPeople(t *testing.T) {
	t.Parallel()
	ctx := testutil.Context(t)
	n := testutil.MustNATS(t)
	a := servicetest.Envelope(t, events.ParticipantDeleted, "p-1", &eventsv1.ParticipantDeleted{ParticipantId: "p-1"})
	b := servicetest.Envelope(t, events.VolunteerDeleted, "v-1", &eventsv1.VolunteerDeleted{VolunteerId: "v-1"})
	if !b.GetOccurredAt().AsTime().After(a.GetOccurredAt().AsTime()) || a.GetId() == b.GetId() {
		t.Fatalf("envelopes not ordered: %v then %v", a, b)
	}
	servicetest.PublishPeople(ctx, t, n.JS, a, b)
	for _, s := range []string{events.StreamParticipants, events.StreamVolunteers} {
		st, err := n.JS.Stream(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		if got := st.CachedInfo().State.Msgs; got != 1 {
			info, _ := st.Info(ctx)
			if info == nil || info.State.Msgs != 1 {
				t.Errorf("stream %s holds %d messages, want 1", s, got)
			}
		}
	}
	if got := servicetest.CountKeys(ctx, n.JS, "absent"); got != -1 {
		t.Errorf("CountKeys of a missing bucket = %d, want -1", got)
	}
}
