package server_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	"github.com/motesplats/motesplats/pkg/proposal"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/guides/server"
)

// TestStalledReservationRecovered stalls the completing acceptance after
// it reserved the organisation's unit and before the assignment is
// written assigned (as if the process hung or died there): the kit's
// Recover sweep, run by guides' server, completes the assignment within
// seconds, and the stalled call, when it wakes, does not land twice: its
// acceptance stands (the recovery wrote it), so it is answered OK (ADR
// 0273; it was Conflict, "try again", and the retry then OK) and the
// unit is taken once.
func TestStalledReservationRecovered(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	release := make(chan struct{})
	var calls atomic.Int32
	hooks := &proposal.Hooks{AfterReserve: func(string) {
		if calls.Add(1) == 1 {
			<-release // only the caller's accept stalls, not the sweep's
		}
	}}
	e := startEnv(t, 0, server.Options{})
	// The kit measures Grace on the service's clock, so this replica's
	// clock runs (from the tests' day).
	t0 := time.Now()
	e.addrs = append(e.addrs, e.startClock(server.Options{Grace: time.Second, ProposalHooks: hooks, JobAckWait: 2 * time.Second},
		func() time.Time { return today.Add(time.Since(t0)) }))
	crowd(ctx, e, 1)
	c := e.as(coord)
	job := e.runJob(ctx, c, &pb.StartAssignmentJobRequest{RequestId: "r1"})
	as := assignments(ctx, t, c, job.GetId())
	if len(as) != 1 {
		t.Fatalf("%d proposals, want 1 (%s)", len(as), job.GetErrorMessage())
	}
	id := as[0].GetId()
	if _, err := c.ApproveAssignment(ctx, &pb.ApproveAssignmentRequest{Id: id}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AcceptAssignment(ctx, &pb.AcceptAssignmentRequest{Id: id, Party: pb.AcceptingParty_ACCEPTING_PARTY_NEWCOMER}); err != nil {
		t.Fatal(err)
	}
	stalled := make(chan error, 1)
	go func() {
		_, err := c.AcceptAssignment(ctx, &pb.AcceptAssignmentRequest{Id: id, Party: pb.AcceptingParty_ACCEPTING_PARTY_ORGANISATION})
		stalled <- err
	}()
	testutil.CheckFor(t, 15*time.Second, 50*time.Millisecond, func() error {
		if st := assignments(ctx, t, c, job.GetId())[0].GetStatus(); st != eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_ASSIGNED {
			return errorf("status %v while the accept is stalled, want ASSIGNED by recovery", st)
		}
		return nil
	})
	close(release)
	if err := <-stalled; err != nil {
		t.Errorf("the stalled accept after recovery completed it: %v, want OK (it stands)", err)
	}
	orgs, err := c.ListGuideOrganisations(ctx, &pb.ListGuideOrganisationsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if got := orgs.GetOrganisations()[0].GetCapacities()[0].GetCaseload(); got != 1 {
		t.Errorf("caseload %d after recovery, want 1", got)
	}
}
