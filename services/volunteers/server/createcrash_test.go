package server_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/events"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/grpcx"
	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/servicetest"
)

// The points a create's crash test kills the process at (ADR 0177).
const (
	// createRecorded: the record is stored; the writer has not decided
	// whether it holds its request key, nor asked whether the
	// organisation still stands (store.Config.Confirm).
	createRecorded = "create-recorded"
	// createWritten: the record stands (decided and confirmed), its
	// event not yet published nor the caller answered.
	createWritten = "create-written"
)

// createHooks are the volunteers' store hooks that stop a child at a
// create's point at; nil for any other point.
func createHooks(at string) *store.Hooks {
	freeze := func(string) error { servicetest.Freeze(at); return nil }
	switch at {
	case createRecorded:
		return &store.Hooks{AfterRecord: freeze}
	case createWritten:
		return &store.Hooks{AfterWrite: freeze}
	}
	return nil
}

// createCrash starts a volunteers child that stops at at, makes an
// organisation and sends a CreateVolunteer into it with requestID (""
// sends none); the child is killed (SIGKILL) where it stopped and the
// service restarted on the same files. It returns the restarted service,
// its server and the organisation.
func createCrash(t *testing.T, at, requestID string, beforeRestart func(n *testutil.NATS, org string)) (*harness, *testutil.NATS, string) {
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
	org := first.mustOrg(t, "ABF Kalmar", "0880").GetId()
	answered := make(chan error, 1)
	go func() {
		_, err := first.client.CreateVolunteer(ctx, &pb.CreateVolunteerRequest{Volunteer: volunteerIn(org, "0880"), RequestId: requestID}, first.as(t, admin))
		answered <- err
	}()
	child.WaitFrozen(t, at, 30*time.Second)
	child.Kill(t)
	if err := <-answered; err == nil {
		t.Fatal("the create was answered OK by a process killed before answering")
	}
	n := testutil.MustNATSDir(t, filepath.Join(dir, "nats"))
	if beforeRestart != nil {
		beforeRestart(n, org)
	}
	return startWith(t, n, nil), n, org
}

// storedVolunteers returns the ids of the live volunteers in the bucket,
// read from the bucket itself rather than from the service's index.
func storedVolunteers(t *testing.T, n *testutil.NATS) []string {
	t.Helper()
	ctx := testutil.Context(t)
	kv, err := n.JS.KeyValue(ctx, "volunteers")
	if err != nil {
		t.Fatal(err)
	}
	keys, err := kv.ListKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for k := range keys.Keys() {
		if !strings.HasPrefix(k, "_") { // the writers' published-up-to marks
			ids = append(ids, k)
		}
	}
	slices.Sort(ids)
	return ids
}

// registered returns the ids the VOLUNTEERS stream announced as registered.
func registered(t *testing.T, h *harness) []string {
	t.Helper()
	envs, _ := h.streamEvents(t)
	var ids []string
	for _, e := range envs {
		if e.GetType() == events.VolunteerRegistered {
			ids = append(ids, e.GetSubjectId())
		}
	}
	slices.Sort(ids)
	return ids
}

// TestCrashAroundCreate kills a real volunteers process around a
// CreateVolunteer, with a request id and without one, and restarts it on
// the same files. create-recorded dies once the record is stored, before
// the writer decided that it holds its request key and before the
// organisation check (Confirm); create-written once both are made, before
// the event is published and the caller answered. After the restart
// there is exactly one volunteer, announced exactly once: a retry of the
// request answers that volunteer and makes no second one (with a request
// id), or the restarted relay checks the organisation and publishes it
// (without one, which a caller cannot retry: store.CreateNew).
func TestCrashAroundCreate(t *testing.T) {
	t.Parallel()
	for _, at := range []string{createRecorded, createWritten} {
		for _, rid := range []string{"crash-1", ""} {
			name := at + "/request-id"
			if rid == "" {
				name = at + "/no-request-id"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				h, n, org := createCrash(t, at, rid, nil)
				if rid != "" {
					res, err := h.client.CreateVolunteer(testutil.Context(t), &pb.CreateVolunteerRequest{Volunteer: volunteerIn(org, "0880"), RequestId: rid}, h.as(t, admin))
					if err != nil {
						t.Fatalf("the user's retry: %v", err)
					}
					if got, want := storedVolunteers(t, n), []string{res.GetVolunteer().GetId()}; !slices.Equal(got, want) {
						t.Fatalf("volunteers stored %v, want only the one the retry answered %v", got, want)
					}
				}
				var stored []string
				testutil.CheckFor(t, 30*time.Second, 50*time.Millisecond, func() error {
					stored = storedVolunteers(t, n)
					if got := registered(t, h); len(stored) != 1 || !slices.Equal(got, stored) {
						return fmt.Errorf("volunteers stored %v, announced %v; want one, announced once", stored, got)
					}
					return nil
				})
				// A copy published later (a relay after its grace) would
				// be dropped by its id; a second volunteer would show.
				if err := h.nats.JS.Conn().Flush(); err != nil {
					t.Fatal(err)
				}
				if got := registered(t, h); !slices.Equal(got, stored) {
					t.Errorf("announced %v, want %v once", got, stored)
				}
			})
		}
	}
}

// TestCrashBeforeConfirmOrganisationRemoved: a create without a request
// id dies with its record stored and the organisation unchecked, and the
// organisation's removal (a DeleteOrganisation on another replica that
// found no volunteer) lands before the restart. The restarted relay asks
// Confirm before it publishes (store.CreateNew), so the volunteer is
// deleted unpublished: nobody acts for an organisation nobody has. Before
// the relay asked Confirm of entries without a request key, it published
// the volunteer.
func TestCrashBeforeConfirmOrganisationRemoved(t *testing.T) {
	t.Parallel()
	h, n, _ := createCrash(t, createRecorded, "", func(n *testutil.NATS, org string) {
		if err := removeUnderway(context.Background(), n.JS, org); err != nil {
			t.Fatal(err)
		}
	})
	kv, err := n.JS.KeyValue(testutil.Context(t), "volunteers")
	if err != nil {
		t.Fatal(err)
	}
	testutil.CheckFor(t, 30*time.Second, 50*time.Millisecond, func() error {
		if got := storedVolunteers(t, n); len(got) != 0 {
			return fmt.Errorf("volunteers stored %v in a removed organisation, want the relay to delete it", got)
		}
		return nil
	})
	if deleted := deletedKeys(t, kv); deleted != 1 {
		t.Errorf("delete markers %d, want 1 (the refused volunteer)", deleted)
	}
	if got := registered(t, h); len(got) != 0 {
		t.Errorf("announced %v, want nothing of a volunteer in a removed organisation", got)
	}
}

// deletedKeys counts the keys of kv whose last entry is a delete or
// purge marker.
func deletedKeys(t *testing.T, kv jetstream.KeyValue) int {
	t.Helper()
	w, err := kv.WatchAll(testutil.Context(t), jetstream.MetaOnly())
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = w.Stop() }()
	n := 0
	for e := range w.Updates() {
		if e == nil {
			break // the initial values are all in
		}
		if e.Operation() != jetstream.KeyValuePut {
			n++
		}
	}
	return n
}
