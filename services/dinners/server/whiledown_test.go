package server_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/events"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	storev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/store/v1"
	"github.com/motesplats/motesplats/pkg/service"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/sealtest"
	"github.com/motesplats/motesplats/pkg/testutil/servicetest"
	"github.com/motesplats/motesplats/services/dinners/internal/dinners"
	"github.com/motesplats/motesplats/services/dinners/server"
)

// TestErasureWhileDownStillErasesTheGuest (ADR 0164): a guest erased
// while dinners is down has their key shredded before any replica loads
// their sign-up and seating, so no index holds them (they open no more).
// The erasure still reaches them when the erased event comes: both
// entries are purged, of the seating's events only one erased event is
// left, and the host's seats it held are free.
func TestErasureWhileDownStillErasesTheGuest(t *testing.T) {
	t.Parallel()
	ctx := testutil.Context(t)
	e, stop, exited := startStoppable(ctx, t)
	e.people(ctx, orgA, "0180", []string{"g-1"}, []string{"h-1"})
	c := e.as(coordA)
	of := e.mustOffer(ctx, c, offer("h-1", orgA, "0180", 4, date(5)))
	su := e.mustSignUp(ctx, c, signUp("g-1", orgA, "0180", 2, date(5)))
	job := e.runJob(ctx, c, "down", "0180")
	ss := seatingsOf(ctx, t, c, job.GetId())
	if len(ss) != 1 {
		t.Fatalf("got %d seatings, want 1", len(ss))
	}
	p := ss[0]
	if _, err := c.ApproveSeating(ctx, &pb.ApproveSeatingRequest{Id: p.GetId()}); err != nil {
		t.Fatal(err)
	}
	for _, party := range []eventsv1.DinnerParty{eventsv1.DinnerParty_DINNER_PARTY_GUEST, eventsv1.DinnerParty_DINNER_PARTY_HOST} {
		if _, err := c.RecordRsvp(ctx, &pb.RecordRsvpRequest{Id: p.GetId(), Party: party, Accept: true}); err != nil {
			t.Fatalf("RSVP %v: %v", party, err)
		}
	}
	table := of.GetId() + "_" + date(5) // the seat counter of the dinner
	if h := seatHolders(ctx, t, e, table); !slices.Contains(h, p.GetId()) {
		t.Fatalf("the dinner's seats are held by %v, not the confirmed seating", h)
	}
	stop() // dinners is down: the erasure happens without it
	<-exited
	e.publish(ctx, envelope(t, events.ParticipantErased, "g-1", &eventsv1.ParticipantErased{ParticipantId: "g-1"}))
	if err := e.kr.Shred(ctx, "g-1"); err != nil {
		t.Fatal(err)
	}
	e.addrs = []string{e.start(serverOptions())}
	testutil.CheckFor(t, 20*time.Second, 50*time.Millisecond, func() error {
		if err := purged(ctx, e, dinners.SeatingBucket, p.GetId()); err != nil {
			return err
		}
		return purged(ctx, e, dinners.SignUpBucket, su.GetId())
	})
	st, err := e.nats.JS.Stream(ctx, events.StreamDinners)
	if err != nil {
		t.Fatal(err)
	}
	testutil.CheckFor(t, 10*time.Second, 100*time.Millisecond, func() error {
		info, err := st.Info(ctx, jetstream.WithSubjectFilter("dinners.seating.*."+p.GetId()))
		if err != nil {
			return err
		}
		if len(info.State.Subjects) != 1 || info.State.Subjects[events.SeatingErased+"."+p.GetId()] != 1 {
			return fmt.Errorf("seating events %v, want one %s", info.State.Subjects, events.SeatingErased)
		}
		if h := seatHolders(ctx, t, e, table); slices.Contains(h, p.GetId()) {
			return fmt.Errorf("the dinner's seats are still held by the erased guest's seating")
		}
		return nil
	})
}

// TestErasureWhileDownStillErasesTheHostsOffer (ADR 0164): an offer is
// sealed with its host's key, so a host erased while dinners is down has
// an offer no restarted index holds; the erasure purges it all the same.
func TestErasureWhileDownStillErasesTheHostsOffer(t *testing.T) {
	t.Parallel()
	ctx := testutil.Context(t)
	e, stop, exited := startStoppable(ctx, t)
	e.people(ctx, orgA, "0180", nil, []string{"h-1", "h-2"})
	c := e.as(coordA)
	gone := e.mustOffer(ctx, c, offer("h-1", orgA, "0180", 4, date(5)))
	kept := e.mustOffer(ctx, c, offer("h-2", orgA, "0180", 4, date(5)))
	stop() // dinners is down: the erasure happens without it
	<-exited
	e.publish(ctx, envelope(t, events.VolunteerErased, "h-1", &eventsv1.VolunteerErased{VolunteerId: "h-1"}))
	if err := e.kr.Shred(ctx, "h-1"); err != nil {
		t.Fatal(err)
	}
	e.addrs = []string{e.start(serverOptions())}
	testutil.CheckFor(t, 20*time.Second, 50*time.Millisecond, func() error {
		return purged(ctx, e, dinners.OfferBucket, gone.GetId())
	})
	if _, err := e.as(coordA).GetOffer(ctx, &pb.GetOfferRequest{Id: kept.GetId()}); err != nil {
		t.Errorf("the other host's offer: %v", err)
	}
}

// purged says whether key of bucket holds nothing: gone, or an erasure's
// marker with no data.
func purged(ctx context.Context, e *env, bucket, key string) error {
	kv, err := e.nats.JS.KeyValue(ctx, bucket)
	if err != nil {
		return err
	}
	en, err := kv.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrKeyDeleted) {
		return nil
	}
	if err != nil {
		return err
	}
	var rec storev1.Record
	if err := proto.Unmarshal(en.Value(), &rec); err != nil {
		return err
	}
	if !rec.GetRemoved() || !rec.GetPurge() || len(rec.GetSealedData()) > 0 || len(rec.GetData()) > 0 {
		return fmt.Errorf("%s %s of the person erased while dinners was down is still stored", bucket, key)
	}
	return nil
}

// seatHolders lists the holders of a dinner's seat counter.
func seatHolders(ctx context.Context, t *testing.T, e *env, resource string) []string {
	t.Helper()
	return servicetest.SlotHolders(ctx, t, e.nats.JS, dinners.SeatBucket, resource)
}

// startStoppable starts one sealed dinners replica that the test can stop
// (stop) and wait for (exited), to erase people while it is down.
func startStoppable(ctx context.Context, t *testing.T) (e *env, stop context.CancelFunc, exited chan struct{}) {
	t.Helper()
	e = startEnv(t, 0, serverOptions())
	e.kr = sealtest.Keyring(t, e.nats.JS, sealtest.KEK(t))
	e.pools = &servicetest.Pools{}
	down, stop := context.WithCancel(ctx)
	t.Cleanup(stop)
	exited = make(chan struct{})
	_, js := e.nats.Connect(t)
	o := servicetest.Fast(server.Options{Pools: e.pools.Add})
	e.addrs = []string{servicetest.StartIn(down, t, js, e.key, e.clock.Now,
		func(ctx context.Context, addr string, d service.Deps, ready func(net.Addr)) error {
			defer close(exited)
			d.Keyring = e.kr
			return server.Run(ctx, addr, d, o, ready)
		})}
	return e, stop, exited
}
