package server_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/motesplats/motesplats/pkg/events"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/grpcx"
	"github.com/motesplats/motesplats/pkg/jobs"
	"github.com/motesplats/motesplats/pkg/service"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/servicetest"
	"github.com/motesplats/motesplats/services/volunteers/server"
)

// The points a move's crash test kills the process at (ADR 0157).
const (
	// moveWritten: the move is stored, its check not yet made.
	moveWritten = "move-written"
	// moveUndone: the move was refused and undone, its answer not sent.
	moveUndone = "move-undone"
)

// TestMain lets the test binary double as the volunteers process a crash
// test kills (servicetest.StartChildProcess).
func TestMain(m *testing.M) {
	if dir := os.Getenv(servicetest.CrashDirEnv); dir != "" {
		if err := moveChild(dir, os.Getenv(servicetest.CrashAtEnv)); err != nil {
			fmt.Fprintln(os.Stderr, "volunteers crash child:", err)
			os.Exit(2)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// moveChild serves the volunteers service in the child, stopping
// (servicetest.Freeze) at the point at: a move's, or a create's
// (createHooks). For moveUndone the target
// organisation is removed, as a delete's removal would land, between the
// move's write and its check, so the check refuses and the move is
// undone; the child stops before the refusal is answered.
func moveChild(dir, at string) error {
	run := func(ctx context.Context, addr string, d service.Deps, _ *jobs.Hooks, ready func(net.Addr)) error {
		h := &server.Hooks{}
		switch at {
		case moveWritten:
			h.BeforeMoveCheck = func(string, string) { servicetest.Freeze(moveWritten) }
		case moveUndone:
			h.BeforeMoveCheck = func(_, org string) {
				if err := removeUnderway(context.Background(), d.JS, org); err != nil {
					fmt.Fprintln(os.Stderr, "remove the organisation:", err)
					os.Exit(2)
				}
			}
			h.BeforeUpdateAnswer = func(err error) {
				if err != nil {
					servicetest.Freeze(moveUndone)
				}
			}
		}
		return server.Run(ctx, addr, d, server.Options{Hooks: h, StoreHooks: createHooks(at)}, ready)
	}
	return servicetest.ServeChild(dir, at, nil, run, nil)
}

// removeUnderway does what a DeleteOrganisation of org on another replica
// does once it found no volunteer in it: its closing mark stands and its
// removal lands (written here straight to the buckets).
func removeUnderway(ctx context.Context, js jetstream.JetStream, org string) error {
	closing, err := js.KeyValue(ctx, "organisations_closing")
	if err != nil {
		return err
	}
	if _, err := closing.Put(ctx, org, []byte(strconv.FormatInt(time.Now().UnixNano(), 10))); err != nil {
		return err
	}
	orgs, err := js.KeyValue(ctx, "organisations")
	if err != nil {
		return err
	}
	return orgs.Delete(ctx, org)
}

// moveCrash starts a volunteers child that stops at at, registers a
// volunteer in one organisation and moves them to another; the child is
// killed (SIGKILL) where it stopped and the service restarted on the same
// files. It returns the restarted service, the volunteer, the two
// organisations and the move's request, for the user's retry.
func moveCrash(t *testing.T, at string, beforeRestart func(n *testutil.NATS, to string)) (*harness, string, string, string, *pb.UpdateVolunteerRequest) {
	t.Helper()
	ctx := testutil.Context(t)
	dir := t.TempDir()
	key := servicetest.NewKey(t)
	child := servicetest.StartChildProcess(t, dir, at, key, 60*time.Second)
	conn, err := grpcx.Dial(child.Addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	first := &harness{client: pb.NewVolunteerServiceClient(conn), signer: servicetest.NewSigner(key)}
	from := first.mustOrg(t, "ABF Kalmar", "0880")
	to := first.mustOrg(t, "Röda Korset Kalmar", "0880")
	v := first.mustVolunteer(t, admin, volunteerIn(from.GetId(), "0880"))
	move := &pb.UpdateVolunteerRequest{Volunteer: &pb.Volunteer{Id: v.GetId(), OrganisationId: to.GetId()},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"organisation_id"}}}
	answered := make(chan error, 1)
	go func() {
		_, err := first.client.UpdateVolunteer(ctx, move, first.as(t, admin))
		answered <- err
	}()
	child.WaitFrozen(t, at, 30*time.Second)
	child.Kill(t)
	if err := <-answered; err == nil {
		t.Fatal("the move was answered OK by a process killed before answering")
	}
	n := testutil.MustNATSDir(t, filepath.Join(dir, "nats"))
	if beforeRestart != nil {
		beforeRestart(n, to.GetId())
	}
	return startWith(t, n, nil), v.GetId(), from.GetId(), to.GetId(), move
}

// settledEvents writes the volunteer's interests and waits for that
// update's event: events a dead writer left owed on the record ride
// ahead of it (pkg/store), so the stream then holds all the volunteer
// will ever have of before. It returns how many volunteer.updated events
// about id precede it.
func settledEvents(t *testing.T, h *harness, id string) int {
	t.Helper()
	ctx := testutil.Context(t)
	if _, err := h.client.UpdateVolunteer(ctx, &pb.UpdateVolunteerRequest{Volunteer: &pb.Volunteer{Id: id, Interests: []string{"schack"}},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"interests"}}}, h.as(t, admin)); err != nil {
		t.Fatalf("interests: %v", err)
	}
	var updates int
	testutil.CheckFor(t, 30*time.Second, 20*time.Millisecond, func() error {
		envs, _ := h.streamEvents(t)
		updates = 0
		for _, e := range envs {
			if e.GetSubjectId() != id || e.GetType() != events.VolunteerUpdated {
				continue
			}
			updates++
		}
		if updates == 0 {
			return fmt.Errorf("no update of %s on the stream yet", id)
		}
		return nil
	})
	return updates - 1
}

// orgOf returns the organisation the restarted service says id acts for.
func orgOf(t *testing.T, h *harness, id string) string {
	t.Helper()
	got, err := h.client.GetVolunteer(testutil.Context(t), &pb.GetVolunteerRequest{Id: id}, h.as(t, admin))
	if err != nil {
		t.Fatal(err)
	}
	return got.GetVolunteer().GetOrganisationId()
}

// TestCrashAfterMoveWritten kills a real volunteers process once a move
// is stored and before its check (ADR 0152), the target standing. After a
// restart on the same files the move stands and is announced once, by
// the relay; the user's retry of the move is answered OK and announces
// nothing more.
func TestCrashAfterMoveWritten(t *testing.T) {
	t.Parallel()
	h, id, _, to, move := moveCrash(t, moveWritten, nil)
	if got := orgOf(t, h, id); got != to {
		t.Fatalf("after the restart the volunteer acts for %s, want %s (the move was stored)", got, to)
	}
	if _, err := h.client.UpdateVolunteer(testutil.Context(t), move, h.as(t, admin)); err != nil {
		t.Fatalf("the user's retry of the move: %v", err)
	}
	if n := settledEvents(t, h, id); n != 1 {
		t.Errorf("the move was announced %d times, want once", n)
	}
}

// TestCrashAfterMoveUndone kills a real volunteers process once a move
// was refused by its check (the target removed meanwhile) and undone,
// before the refusal is answered. After a restart the volunteer is where
// they were and the move was never announced; the user's retry is
// refused, with the volunteer still there.
func TestCrashAfterMoveUndone(t *testing.T) {
	t.Parallel()
	h, id, from, _, move := moveCrash(t, moveUndone, nil)
	if got := orgOf(t, h, id); got != from {
		t.Fatalf("after the restart the volunteer acts for %s, want %s (the move was undone)", got, from)
	}
	_, err := h.client.UpdateVolunteer(testutil.Context(t), move, h.as(t, admin))
	if status.Code(err) == codes.OK {
		t.Fatal("the user's retry of the move into a removed organisation was answered OK")
	}
	if got := orgOf(t, h, id); got != from {
		t.Errorf("after the retry the volunteer acts for %s, want %s", got, from)
	}
	if n := settledEvents(t, h, id); n != 0 {
		t.Errorf("the undone move was announced %d times, want never", n)
	}
}

// TestCrashAfterMoveWrittenTargetRemoved: the writer dies after the move
// is stored, and the target's removal lands before anyone checks the
// move. Before ADR 0156 the store's relay published the move unchecked:
// the volunteer stood, announced, in an organisation nobody has. Now the
// relay makes the owed check after its grace, undoes the move, and
// nothing of it is announced; the user's retry is refused.
func TestCrashAfterMoveWrittenTargetRemoved(t *testing.T) {
	t.Parallel()
	h, id, from, _, move := moveCrash(t, moveWritten, func(n *testutil.NATS, to string) {
		if err := removeUnderway(testutil.Context(t), n.JS, to); err != nil {
			t.Fatal(err)
		}
	})
	// Until the relay's check the entry shows the move (ADR 0156).
	testutil.CheckFor(t, 30*time.Second, 50*time.Millisecond, func() error {
		if got := orgOf(t, h, id); got != from {
			return fmt.Errorf("the volunteer acts for %s, a removed organisation; want %s once the relay checked", got, from)
		}
		return nil
	})
	if _, err := h.client.UpdateVolunteer(testutil.Context(t), move, h.as(t, admin)); status.Code(err) == codes.OK {
		t.Error("the user's retry of the move into a removed organisation was answered OK")
	}
	if n := settledEvents(t, h, id); n != 0 {
		t.Errorf("the unchecked move into a removed organisation was announced %d times, want never", n)
	}
}
