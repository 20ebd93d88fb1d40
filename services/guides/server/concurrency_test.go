package server_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/guides/server"
)

// TestCapacityNeverOversold approves more assignments than a unit has
// capacity for (the organisation lowered it after the job) and lets both
// parties of every one accept at once on two replicas: exactly the
// capacity becomes assigned, the rest fail with FAILED_PRECONDITION.
func TestCapacityNeverOversold(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := startEnv(t, 2, server.Options{})
	const n, capacity = 6, 2
	job, as := approvedUnit(ctx, t, e, n)
	e.dropCapacity(ctx, capacity)
	testutil.CheckFor(t, 10*time.Second, 20*time.Millisecond, func() error {
		for k := range 2 {
			res, err := e.replica(k, coord).ListGuideOrganisations(ctx, &pb.ListGuideOrganisationsRequest{})
			if err != nil {
				return err
			}
			if got := res.GetOrganisations()[0].GetCapacities()[0].GetCapacity(); got != capacity {
				return errorf("replica %d sees capacity %d", k, got)
			}
		}
		return nil
	})

	clients := []pb.GuideServiceClient{e.replica(0, coord), e.replica(1, coord)}
	var wg sync.WaitGroup
	var mu sync.Mutex
	// Counted by assignment: both parties of one may be told it is
	// assigned (the second one's retry finds it so), which is not an
	// oversell; every one reported assigned must be stored so below.
	assigned, full := map[string]int{}, 0
	for k, a := range as {
		for p, party := range []pb.AcceptingParty{pb.AcceptingParty_ACCEPTING_PARTY_NEWCOMER, pb.AcceptingParty_ACCEPTING_PARTY_ORGANISATION} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				cl := clients[(k+p)%2]
				for {
					res, err := cl.AcceptAssignment(ctx, &pb.AcceptAssignmentRequest{Id: a.GetId(), Party: party})
					switch code(err) {
					case codes.OK:
						if res.GetAssignment().GetStatus() == eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_ASSIGNED {
							mu.Lock()
							assigned[a.GetId()]++
							mu.Unlock()
						}
						return
					case codes.Aborted:
						continue // the other party accepted at the same moment: retry
					case codes.FailedPrecondition:
						mu.Lock()
						full++
						mu.Unlock()
						return
					default:
						t.Errorf("accept: %v", err)
						return
					}
				}
			}()
		}
	}
	wg.Wait()
	if len(assigned) != capacity {
		t.Errorf("%d assignments reported assigned (%v), want exactly the capacity %d", len(assigned), assigned, capacity)
	}
	if full < n-capacity {
		t.Errorf("%d refusals for want of capacity, want at least %d", full, n-capacity)
	}
	// Each replica lists from its own index, which follows the other
	// replica's writes a moment later: wait until both show the same
	// stored count, which must then be exactly the capacity.
	testutil.CheckFor(t, 10*time.Second, 20*time.Millisecond, func() error {
		for k := range 2 {
			got := 0
			for _, a := range assignments(ctx, t, e.replica(k, coord), job.GetId()) {
				stored := a.GetStatus() == eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_ASSIGNED
				if stored {
					got++
				}
				if _, told := assigned[a.GetId()]; told != stored {
					return errorf("replica %d: %s stored as %v, but a caller was told assigned: %v", k, a.GetId(), a.GetStatus(), told)
				}
			}
			if got != capacity {
				return errorf("replica %d lists %d stored as assigned, want %d", k, got, capacity)
			}
		}
		return nil
	})
}

// approvedUnit registers n newcomers and a unit of n places, runs a job
// and approves its n assignments.
func approvedUnit(ctx context.Context, t *testing.T, e *env, n int) (*pb.Job, []*pb.Assignment) {
	t.Helper()
	envs := []*eventsv1.Envelope{organisation(t, guideOrg, &eventsv1.GuideCapacity{MunicipalityCode: "0180", Language: "sv", Capacity: int32(n)})}
	for k := range n {
		envs = append(envs, registered(t, newcomer(fmt.Sprintf("p-%04d", k), "0180", "so", typev1.Gender_GENDER_WOMAN)))
	}
	e.publish(ctx, envs...)
	e.waitKeys(ctx, "guides_newcomers", n)
	e.waitKeys(ctx, "guides_organisations", 1) // the job sees the unit
	c := e.as(coord)
	job := e.runJob(ctx, c, &pb.StartAssignmentJobRequest{RequestId: "r1"})
	as := assignments(ctx, t, c, job.GetId())
	if len(as) != n {
		t.Fatalf("%d proposals, want %d (%s)", len(as), n, job.GetErrorMessage())
	}
	for _, a := range as {
		if _, err := c.ApproveAssignment(ctx, &pb.ApproveAssignmentRequest{Id: a.GetId()}); err != nil {
			t.Fatal(err)
		}
	}
	return job, as
}

// dropCapacity publishes that the unit now has capacity places.
func (e *env) dropCapacity(ctx context.Context, capacity int32) {
	e.publish(ctx, envelope(e.t, events.OrganisationUpdated, guideOrg, &eventsv1.OrganisationUpdated{Facts: &eventsv1.OrganisationFacts{
		OrganisationId: guideOrg, Type: "ORGANISATION_TYPE_ASSOCIATION", MunicipalityCodes: []string{"0180"},
		GuideCapacities: []*eventsv1.GuideCapacity{{MunicipalityCode: "0180", Language: "sv", Capacity: capacity}}}}))
}
