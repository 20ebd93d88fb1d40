package server_test

import (
	"context"
	"errors"
	"net"
	"slices"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	storev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/store/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/service"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/sealtest"
	"github.com/motesplats/motesplats/pkg/testutil/servicetest"
	"github.com/motesplats/motesplats/services/guides/internal/guides"
	"github.com/motesplats/motesplats/services/guides/server"
)

// TestErasureWhileDownStillErasesTheAssignment (ADR 0164): a newcomer
// erased while guides is down has their key shredded before any replica
// loads their assignment, so no index holds it (it opens no more). The
// erasure still reaches it when the erased event comes: the entry is
// purged, at most the erased event is left of its events, and the guide
// unit's place it held is free.
func TestErasureWhileDownStillErasesTheAssignment(t *testing.T) {
	t.Parallel()
	ctx := testutil.Context(t)
	e := startEnv(t, 0, server.Options{})
	e.kr = sealtest.Keyring(t, e.nats.JS, sealtest.KEK(t))
	down, stop := context.WithCancel(ctx)
	exited := make(chan struct{})
	_, js := e.nats.Connect(t)
	o := servicetest.Fast(server.Options{Pools: e.poolHook()})
	e.addrs = []string{servicetest.StartIn(down, t, js, e.key, func() time.Time { return today },
		func(ctx context.Context, addr string, d service.Deps, ready func(net.Addr)) error {
			defer close(exited)
			d.Keyring = e.kr
			return server.Run(ctx, addr, d, o, ready)
		})}
	e.publish(ctx, organisation(t, guideOrg, &eventsv1.GuideCapacity{MunicipalityCode: "0180", Language: "ar", Capacity: 1}),
		registered(t, newcomer("p-0001", "0180", "ar", typev1.Gender_GENDER_WOMAN)))
	e.waitKeys(ctx, "guides_newcomers", 1)
	e.waitKeys(ctx, "guides_organisations", 1)
	c := e.as(coord)
	job := e.runJob(ctx, c, &pb.StartAssignmentJobRequest{RequestId: "r1"})
	as := assignments(ctx, t, c, job.GetId())
	if len(as) != 1 {
		t.Fatalf("job: %d assignments (%s)", len(as), job.GetErrorMessage())
	}
	id := as[0].GetId()
	if _, err := c.ApproveAssignment(ctx, &pb.ApproveAssignmentRequest{Id: id}); err != nil {
		t.Fatal(err)
	}
	for _, party := range []pb.AcceptingParty{pb.AcceptingParty_ACCEPTING_PARTY_NEWCOMER, pb.AcceptingParty_ACCEPTING_PARTY_ORGANISATION} {
		if _, err := c.AcceptAssignment(ctx, &pb.AcceptAssignmentRequest{Id: id, Party: party}); err != nil {
			t.Fatal(err)
		}
	}
	unit := "unit_" + guideOrg + "_0180_ar"
	if h := unitHolders(ctx, t, e, unit); !slices.Contains(h, id) {
		t.Fatalf("the unit's place is held by %v, not the assignment", h)
	}
	stop() // guides is down: the erasure happens without it
	<-exited
	e.publish(ctx, envelope(t, events.ParticipantErased, "p-0001", &eventsv1.ParticipantErased{ParticipantId: "p-0001"}))
	if err := e.kr.Shred(ctx, "p-0001"); err != nil {
		t.Fatal(err)
	}
	e.addrs = []string{e.start(server.Options{})}
	kv, err := e.nats.JS.KeyValue(ctx, guides.AssignmentBucket)
	if err != nil {
		t.Fatal(err)
	}
	testutil.CheckFor(t, 20*time.Second, 50*time.Millisecond, func() error {
		en, err := kv.Get(ctx, id)
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
		if !rec.GetRemoved() || !rec.GetPurge() || len(rec.GetSealedData()) > 0 {
			return errorf("the assignment of the newcomer erased while guides was down is still stored")
		}
		return nil
	})
	st, err := e.nats.JS.Stream(ctx, events.StreamGuides)
	if err != nil {
		t.Fatal(err)
	}
	testutil.CheckFor(t, 10*time.Second, 100*time.Millisecond, func() error {
		info, err := st.Info(ctx, jetstream.WithSubjectFilter("guides.*.*."+id))
		if err != nil {
			return err
		}
		if n := info.State.Msgs; n > 1 {
			return errorf("%d events of the erased newcomer's assignment are left", n)
		}
		if h := unitHolders(ctx, t, e, unit); slices.Contains(h, id) {
			return errorf("the unit's place is still held by the erased newcomer's assignment")
		}
		return nil
	})
}

// unitHolders lists the holders of a guide unit's places.
func unitHolders(ctx context.Context, t *testing.T, e *env, resource string) []string {
	t.Helper()
	return servicetest.SlotHolders(ctx, t, e.nats.JS, guides.SlotBucket, resource)
}
