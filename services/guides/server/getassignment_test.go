package server_test

import (
	"context"
	"net"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/testing/protocmp"

	"github.com/google/go-cmp/cmp"

	"github.com/motesplats/motesplats/pkg/auth"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/service"
	"github.com/motesplats/motesplats/pkg/testutil/servicetest"
	"github.com/motesplats/motesplats/services/guides/server"
)

// TestGetAssignment: one assignment by its id, scoped as ListAssignments:
// the coordinator of its municipality and a service get what the list
// gives; a coordinator elsewhere gets NotFound in the very words of an id
// that names nothing; an operator is refused (ADR 0206).
func TestGetAssignment(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := startEnv(t, 1, server.Options{})
	seedSmall(ctx, e)
	job := e.runJob(ctx, e.as(coord), &pb.StartAssignmentJobRequest{RequestId: "r1"})
	listed := assignments(ctx, t, e.as(coord), job.GetId())
	if len(listed) == 0 {
		t.Fatalf("no assignments (%s)", job.GetErrorMessage())
	}
	svc := e.as(auth.Claims{Subject: "notify", Role: auth.RoleService, Issuer: "notify"})
	for _, want := range listed {
		for who, c := range map[string]pb.GuideServiceClient{"coordinator": e.as(coord), "service": svc} {
			res, err := c.GetAssignment(ctx, &pb.GetAssignmentRequest{Id: want.GetId()})
			if err != nil {
				t.Fatalf("as %s: %v", who, err)
			}
			if diff := cmp.Diff(want, res.GetAssignment(), protocmp.Transform()); diff != "" {
				t.Errorf("as %s, GetAssignment differs from the list (-list +get):\n%s", who, diff)
			}
		}
	}
	far := e.as(coordFar)
	_, foreign := far.GetAssignment(ctx, &pb.GetAssignmentRequest{Id: listed[0].GetId()})
	_, missing := far.GetAssignment(ctx, &pb.GetAssignmentRequest{Id: ids.UUIDv7{}.New()})
	_, missingOwn := e.as(coord).GetAssignment(ctx, &pb.GetAssignmentRequest{Id: ids.UUIDv7{}.New()})
	for name, err := range map[string]error{"another municipality's": foreign, "missing": missing, "missing, own coordinator": missingOwn} {
		if code(err) != codes.NotFound {
			t.Errorf("%s assignment: %v, want NotFound", name, err)
		}
	}
	if a, b := status.Convert(foreign), status.Convert(missing); a.Message() != b.Message() || len(a.Details()) != len(b.Details()) {
		t.Errorf("another municipality's assignment answers %v, a missing one %v", a, b)
	}
	if _, err := e.as(operator).GetAssignment(ctx, &pb.GetAssignmentRequest{Id: listed[0].GetId()}); code(err) != codes.PermissionDenied {
		t.Errorf("operator: %v, want PermissionDenied", err)
	}
}

// TestServiceGetOnAReplicaBehindHasTheApproval is
// TestServiceListOnAReplicaBehindHasTheApproval for GetAssignment, which
// notify now reads a guide offer with: a replica whose index had not yet
// seen an approval made on another replica a moment ago answers it
// approved, and finds an assignment it has not seen at all.
func TestServiceGetOnAReplicaBehindHasTheApproval(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := startEnv(t, 1, server.Options{})
	_, js := e.nats.ConnectLate(t, 400*time.Millisecond)
	late := servicetest.StartProgramme(t, js, e.key, func() time.Time { return today },
		func(ctx context.Context, addr string, d service.Deps, o server.Options, ready func(net.Addr)) error {
			return server.Run(ctx, addr, d, o, ready)
		}, server.Options{Pools: e.poolHook()})
	e.publish(ctx, organisation(t, "org-a", &eventsv1.GuideCapacity{MunicipalityCode: "0180", Language: "sv", Capacity: 2}),
		registered(t, newcomer("p-0001", "0180", "so", typev1.Gender_GENDER_WOMAN)))
	e.waitKeys(ctx, "guides_newcomers", 1)
	e.waitKeys(ctx, "guides_organisations", 1)
	c := e.as(coord)
	notify := pb.NewGuideServiceClient(servicetest.Dial(t, late, e.signer, auth.Claims{Subject: "notify", Role: auth.RoleService, Issuer: "notify"}))

	// Made on the first replica a moment ago: the late one finds it.
	job := e.runJob(ctx, c, &pb.StartAssignmentJobRequest{RequestId: "r1"})
	as := assignments(ctx, t, c, job.GetId())
	if len(as) != 1 {
		t.Fatalf("job: %d assignments (%s)", len(as), job.GetErrorMessage())
	}
	res, err := notify.GetAssignment(ctx, &pb.GetAssignmentRequest{Id: as[0].GetId()})
	if err != nil || res.GetAssignment().GetStatus() != eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_PROPOSED {
		t.Fatalf("the late replica right after the job: %v (%v), want the assignment proposed", res.GetAssignment(), err)
	}
	// Approved there a moment ago: the late one says approved.
	if _, err := c.ApproveAssignment(ctx, &pb.ApproveAssignmentRequest{Id: as[0].GetId()}); err != nil {
		t.Fatal(err)
	}
	res, err = notify.GetAssignment(ctx, &pb.GetAssignmentRequest{Id: as[0].GetId()})
	if err != nil || res.GetAssignment().GetStatus() != eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_APPROVED {
		t.Fatalf("notify's read on a replica behind the approval: %v (%v), want the assignment approved", res.GetAssignment(), err)
	}
}
