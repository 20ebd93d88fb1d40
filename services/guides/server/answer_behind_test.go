package server_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/auth"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/service"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/servicetest"
	"github.com/motesplats/motesplats/services/guides/server"
)

// TestServiceListOnAReplicaBehindHasTheApproval: notify reads a guide
// offer through ListAssignments to show its answer page, and a replica
// whose index had not yet seen the approval (made on another replica a
// moment before; for 10-20 s after NATS restarts) listed it as proposed:
// the newcomer's page said the offer was withdrawn (ADR 0198). A
// service's list now waits for the index to catch up with the bucket.
// (Notify reads by GetAssignment since ADR 0206, and ListAssignments no
// longer takes notify, ADR 0210: the service caller here is the gateway's,
// which the same wait serves.)
func TestServiceListOnAReplicaBehindHasTheApproval(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := startEnv(t, 1, server.Options{})
	_, js := e.nats.ConnectLate(t, 400*time.Millisecond)
	late := servicetest.StartProgramme(t, js, e.key, func() time.Time { return today },
		func(ctx context.Context, addr string, d service.Deps, o server.Options, ready func(net.Addr)) error {
			return server.Run(ctx, addr, d, o, ready)
		}, server.Options{Pools: e.poolHook()})
	e.publish(ctx, organisation(t, "org-a", &eventsv1.GuideCapacity{MunicipalityCode: "0180", Language: "sv", Capacity: 1}),
		registered(t, newcomer("p-0001", "0180", "so", typev1.Gender_GENDER_WOMAN)))
	e.waitKeys(ctx, "guides_newcomers", 1)
	e.waitKeys(ctx, "guides_organisations", 1)
	c := e.as(coord)
	job := e.runJob(ctx, c, &pb.StartAssignmentJobRequest{RequestId: "r1"})
	as := assignments(ctx, t, c, job.GetId())
	if len(as) != 1 {
		t.Fatalf("job: %d assignments (%s)", len(as), job.GetErrorMessage())
	}
	notify := pb.NewGuideServiceClient(servicetest.Dial(t, late, e.signer, auth.Claims{Subject: auth.GatewaySubject, Role: auth.RoleService, Issuer: "gateway"}))
	testutil.CheckFor(t, 10*time.Second, 20*time.Millisecond, func() error {
		res, err := notify.ListAssignments(ctx, &pb.ListAssignmentsRequest{PageSize: 500})
		if err != nil || len(res.GetAssignments()) != 1 {
			return errorf("the late replica lists %d assignments (%v)", len(res.GetAssignments()), err)
		}
		return nil
	})
	if _, err := c.ApproveAssignment(ctx, &pb.ApproveAssignmentRequest{Id: as[0].GetId()}); err != nil {
		t.Fatal(err)
	}
	res, err := notify.ListAssignments(ctx, &pb.ListAssignmentsRequest{PageSize: 500})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.GetAssignments(); len(got) != 1 || got[0].GetStatus() != eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_APPROVED {
		t.Fatalf("notify's list on a replica behind the approval: %v, want the assignment approved", got)
	}
}
