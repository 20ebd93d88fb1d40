package server_test

import (
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"google.golang.org/grpc/codes"

	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestOrganisationDeleteOnAReplicaBehind: an organisation a volunteer
// was registered for on one replica, while another replica was deleting
// it, is kept when the volunteer was stored before the delete decided.
// The delete asked its index of volunteers as it was, behind
// the bucket on the replica whose bytes arrive late, so the organisation
// went while a volunteer still acted for it (their record and events then
// named an organisation nobody has).
//
// The window is made on purpose: the volunteer is registered on the
// replica that is current while the late replica's delete reads the
// organisation, so the volunteer is stored before the read's answer
// reaches the late replica, and its index hears of it only after.
func TestOrganisationDeleteOnAReplicaBehind(t *testing.T) {
	t.Parallel()
	ctx := testutil.Context(t)
	n, now, late, o := replicaBehind(t)

	// The first read of the organisation after this (the late replica's
	// delete) registers the volunteer on the current replica.
	registered := make(chan error, 1)
	onFirstRequest(t, n, "$JS.API.DIRECT.GET.KV_organisations.>", func() {
		_, err := now.client.CreateVolunteer(ctx, &pb.CreateVolunteerRequest{Volunteer: volunteerIn(o.GetId(), "0380")}, now.as(t, admin))
		registered <- err
	})
	_, derr := late.client.DeleteOrganisation(ctx, &pb.DeleteOrganisationRequest{Id: o.GetId()}, late.as(t, admin))
	if err := <-registered; err != nil {
		t.Fatalf("register the volunteer during the delete: %v", err)
	}
	wantCode(t, derr, codes.FailedPrecondition)
	if _, err := now.client.GetOrganisation(ctx, &pb.GetOrganisationRequest{Id: o.GetId()}, now.as(t, admin)); err != nil {
		t.Fatalf("the organisation a volunteer acts for: %v, want it kept", err)
	}
}

// replicaBehind starts two replicas on one server, late's bytes arriving
// 400 ms after now's, and an organisation both have read.
func replicaBehind(t *testing.T) (n *testutil.NATS, now, late *harness, o *pb.Organisation) {
	t.Helper()
	return replicaBehindHooked(t, nil)
}

// replicaBehindHooked is replicaBehind with store hooks on late's
// volunteers.
func replicaBehindHooked(t *testing.T, hooks *store.Hooks) (n *testutil.NATS, now, late *harness, o *pb.Organisation) {
	t.Helper()
	ctx := testutil.Context(t)
	n = testutil.MustNATS(t)
	now = startWith(t, n, nil)
	_, js := n.ConnectLate(t, 400*time.Millisecond)
	lateNATS := *n
	lateNATS.JS = js
	late = startHooked(t, &lateNATS, nil, hooks)
	o = now.mustOrg(t, "Röda Korset Uppsala", "0380")
	testutil.CheckFor(t, 10*time.Second, 20*time.Millisecond, func() error {
		_, err := late.client.GetOrganisation(ctx, &pb.GetOrganisationRequest{Id: o.GetId()}, late.as(t, admin))
		return err
	})
	return n, now, late, o
}

// onFirstRequest runs f in a goroutine of its own the first time a
// request is sent on subject from now on.
func onFirstRequest(t *testing.T, n *testutil.NATS, subject string, f func()) {
	t.Helper()
	var once sync.Once
	sub, err := n.Conn.Subscribe(subject, func(*nats.Msg) { once.Do(func() { go f() }) })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sub.Unsubscribe() })
	if err := n.Conn.Flush(); err != nil {
		t.Fatal(err)
	}
}
