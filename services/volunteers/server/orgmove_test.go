package server_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/motesplats/motesplats/pkg/events"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// closingReads is the subject a replica asks the closing marks' stream
// leader on (organisation/closing.go, pkg/store/leader).
const closingReads = "$JS.API.STREAM.MSG.GET.KV_organisations_closing"

// TestVolunteerMovedWhileTheOrganisationGoes: a volunteer moved on one
// replica to an organisation another replica deletes, in the order
// neither side's first check can see (ADR 0150 "Left"): the update found
// the organisation, then the delete found no volunteer in it and removed
// it, then the update stored the move. Before ADR 0152 the volunteer
// stood, and was announced, under an organisation nobody has. Now the
// update, after its write, finds the organisation gone, puts the
// volunteer back where they were, announces nothing and says so in
// words.
//
// The window is made on purpose, as for the create: the update runs on
// the replica whose bytes arrive 400 ms late, and its read of the new
// organisation starts the delete on the current replica, which is done
// before that read's answer reaches the late replica.
func TestVolunteerMovedWhileTheOrganisationGoes(t *testing.T) {
	t.Parallel()
	ctx := testutil.Context(t)
	n, now, late, from := replicaBehind(t)
	to := now.mustOrg(t, "Studiefrämjandet Uppsala", "0380")
	v := now.mustVolunteer(t, admin, volunteerIn(from.GetId(), "0380"))
	testutil.CheckFor(t, 10*time.Second, 20*time.Millisecond, func() error {
		if _, err := late.client.GetOrganisation(ctx, &pb.GetOrganisationRequest{Id: to.GetId()}, late.as(t, admin)); err != nil {
			return err
		}
		_, err := late.client.GetVolunteer(ctx, &pb.GetVolunteerRequest{Id: v.GetId()}, late.as(t, admin))
		return err
	})

	// The update's read of the organisation it moves to deletes that
	// organisation on the current replica.
	deleted := make(chan error, 1)
	onFirstRequest(t, n, "$JS.API.DIRECT.GET.KV_organisations.$KV.organisations."+to.GetId(), func() {
		_, err := now.client.DeleteOrganisation(ctx, &pb.DeleteOrganisationRequest{Id: to.GetId()}, now.as(t, admin))
		deleted <- err
	})
	_, uerr := late.client.UpdateVolunteer(ctx, &pb.UpdateVolunteerRequest{
		Volunteer:  &pb.Volunteer{Id: v.GetId(), OrganisationId: to.GetId()},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"organisation_id"}}}, late.as(t, admin))
	if err := <-deleted; err != nil {
		t.Fatalf("delete the organisation during the move: %v", err)
	}
	wantCode(t, uerr, codes.FailedPrecondition)
	if got := status.Convert(uerr).Message(); got != "the organisation is being removed" {
		t.Errorf("update answered %q, want the organisation is being removed", got)
	}
	// Where they were, on both replicas, and nothing said of the move.
	for _, h := range []*harness{now, late} {
		got, err := h.client.GetVolunteer(ctx, &pb.GetVolunteerRequest{Id: v.GetId()}, h.as(t, admin))
		if err != nil {
			t.Fatal(err)
		}
		if o := got.GetVolunteer().GetOrganisationId(); o != from.GetId() {
			t.Errorf("volunteer acts for %s, want %s (the organisation they were in)", o, from.GetId())
		}
	}
	envs, _ := now.streamEvents(t)
	for _, e := range envs {
		if e.GetType() == events.VolunteerUpdated {
			t.Errorf("the refused move of volunteer %s was announced", e.GetSubjectId())
		}
	}
}

// TestMoveWhoseWriterDiesBeforeItsCheck: as
// TestVolunteerMovedWhileTheOrganisationGoes, but the late replica's
// writer dies once the move is stored, before its check (a store hook
// stops it there, as kill -9 would). ADR 0152 left that move to the
// relay, which published it without a check: the volunteer stood, and
// was announced, under the removed organisation. Now the relay makes the
// check and puts the volunteer back, with nothing of the move announced.
func TestMoveWhoseWriterDiesBeforeItsCheck(t *testing.T) {
	t.Parallel()
	ctx := testutil.Context(t)
	var dies atomic.Bool
	n, now, late, from := replicaBehindHooked(t, &store.Hooks{BeforeConfirmUpdate: func(string) error {
		if dies.Load() {
			return errors.New("the writer died")
		}
		return nil
	}})
	to := now.mustOrg(t, "Studiefrämjandet Uppsala", "0380")
	v := now.mustVolunteer(t, admin, volunteerIn(from.GetId(), "0380"))
	testutil.CheckFor(t, 10*time.Second, 20*time.Millisecond, func() error {
		if _, err := late.client.GetOrganisation(ctx, &pb.GetOrganisationRequest{Id: to.GetId()}, late.as(t, admin)); err != nil {
			return err
		}
		_, err := late.client.GetVolunteer(ctx, &pb.GetVolunteerRequest{Id: v.GetId()}, late.as(t, admin))
		return err
	})
	deleted := make(chan error, 1)
	onFirstRequest(t, n, "$JS.API.DIRECT.GET.KV_organisations.$KV.organisations."+to.GetId(), func() {
		_, err := now.client.DeleteOrganisation(ctx, &pb.DeleteOrganisationRequest{Id: to.GetId()}, now.as(t, admin))
		deleted <- err
	})
	dies.Store(true)
	if _, err := late.client.UpdateVolunteer(ctx, &pb.UpdateVolunteerRequest{
		Volunteer:  &pb.Volunteer{Id: v.GetId(), OrganisationId: to.GetId()},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"organisation_id"}}}, late.as(t, admin)); err == nil {
		t.Fatal("the move whose writer died was answered OK")
	}
	if err := <-deleted; err != nil {
		t.Fatalf("delete the organisation during the move: %v", err)
	}
	// The relay (2 s grace) finds the move owing its check.
	for _, h := range []*harness{now, late} {
		testutil.CheckFor(t, 20*time.Second, 50*time.Millisecond, func() error {
			got, err := h.client.GetVolunteer(ctx, &pb.GetVolunteerRequest{Id: v.GetId()}, h.as(t, admin))
			if err != nil {
				return err
			}
			if o := got.GetVolunteer().GetOrganisationId(); o != from.GetId() {
				return fmt.Errorf("volunteer acts for %s, want %s (the organisation they were in)", o, from.GetId())
			}
			return nil
		})
	}
	envs, _ := now.streamEvents(t)
	for _, e := range envs {
		if e.GetType() == events.VolunteerUpdated {
			t.Errorf("the refused move of volunteer %s was announced", e.GetSubjectId())
		}
	}
}

// TestUpdateKeepingTheOrganisationReadsNoMark: only a move to another
// organisation reads the closing mark; any other update pays nothing.
// The mark reads are counted on their subject: none for an update of the
// interests; one for the move after it (which shows the count sees them).
func TestUpdateKeepingTheOrganisationReadsNoMark(t *testing.T) {
	t.Parallel()
	ctx := testutil.Context(t)
	h := start(t)
	from := h.mustOrg(t, "ABF Malmö", "1280")
	to := h.mustOrg(t, "Röda Korset Malmö", "1280")
	v := h.mustVolunteer(t, admin, volunteerIn(from.GetId(), "1280"))

	var reads atomic.Int64
	sub, err := h.nats.Conn.Subscribe(closingReads, func(*nats.Msg) { reads.Add(1) })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sub.Unsubscribe() })
	if err := h.nats.Conn.Flush(); err != nil {
		t.Fatal(err)
	}
	update := func(in *pb.Volunteer, path string) {
		t.Helper()
		in.Id = v.GetId()
		if _, err := h.client.UpdateVolunteer(ctx, &pb.UpdateVolunteerRequest{Volunteer: in,
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{path}}}, h.as(t, admin)); err != nil {
			t.Fatalf("update %s: %v", path, err)
		}
	}
	update(&pb.Volunteer{Interests: []string{"schack"}}, "interests")
	update(&pb.Volunteer{OrganisationId: to.GetId()}, "organisation_id")
	// A subscriber gets one connection's messages in order: once the
	// move's read is here, any read of the first update would be too.
	testutil.CheckFor(t, 10*time.Second, 10*time.Millisecond, func() error {
		if reads.Load() == 0 {
			return fmt.Errorf("no read of the mark seen")
		}
		return nil
	})
	if got := reads.Load(); got != 1 {
		t.Errorf("mark reads %d for an update of the interests and a move, want 1 (the move's)", got)
	}
}

// BenchmarkUpdateVolunteer is what the after-write check costs a move
// (ADR 0152): "plain" changes the interests, "move" the organisation
// (between two, back and forth), each one UpdateVolunteer over gRPC on
// one replica with an embedded server. The move also reads the target
// organisation once before its write (as before this change); the
// difference is the mark's read from its stream leader.
func BenchmarkUpdateVolunteer(b *testing.B) {
	h := start(b)
	ctx := context.Background()
	orgs := []string{h.mustOrg(b, "ABF Malmö", "1280").GetId(), h.mustOrg(b, "Röda Korset Malmö", "1280").GetId()}
	v := h.mustVolunteer(b, admin, volunteerIn(orgs[0], "1280"))
	call := h.as(b, admin)
	run := func(b *testing.B, in func(i int) (*pb.Volunteer, string)) {
		i := 0
		for b.Loop() {
			u, path := in(i)
			u.Id = v.GetId()
			if _, err := h.client.UpdateVolunteer(ctx, &pb.UpdateVolunteerRequest{Volunteer: u,
				UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{path}}}, call); err != nil {
				b.Fatal(err)
			}
			i++
		}
	}
	b.Run("plain", func(b *testing.B) {
		run(b, func(i int) (*pb.Volunteer, string) {
			return &pb.Volunteer{Interests: []string{[]string{"schack", "fotboll"}[i%2]}}, "interests"
		})
	})
	b.Run("move", func(b *testing.B) {
		run(b, func(i int) (*pb.Volunteer, string) {
			return &pb.Volunteer{OrganisationId: orgs[(i+1)%2]}, "organisation_id"
		})
	})
}
