package server_test

import (
	"context"
	"errors"
	"io"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	proposalv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/proposal/v1"
	"github.com/motesplats/motesplats/pkg/grpcx"
	"github.com/motesplats/motesplats/pkg/jobs"
	"github.com/motesplats/motesplats/services/guides/server"
)

// TestListAndWatchJobs lists jobs newest first, page by page, within the
// caller's scope, and watches a finished job to its final state.
func TestListAndWatchJobs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := startEnv(t, 1, server.Options{})
	seedSmall(ctx, e)
	c := e.as(coord)
	first := e.runJob(ctx, c, &pb.StartAssignmentJobRequest{RequestId: "j1"})
	second := e.runJob(ctx, c, &pb.StartAssignmentJobRequest{RequestId: "j2"})

	var got []string
	tok := ""
	for range 3 {
		res, err := c.ListJobs(ctx, &pb.ListJobsRequest{PageSize: 1, PageToken: tok})
		if err != nil {
			t.Fatal(err)
		}
		for _, j := range res.GetJobs() {
			got = append(got, j.GetId())
			if j.GetOrganisationId() != coordOrg || j.GetStartTime() == nil {
				t.Errorf("job %s: organisation %q, start %v", j.GetId(), j.GetOrganisationId(), j.GetStartTime())
			}
		}
		if tok = res.GetNextPageToken(); tok == "" {
			break
		}
	}
	if len(got) != 2 || got[0] != second.GetId() || got[1] != first.GetId() {
		t.Errorf("jobs = %v, want [%s %s] (newest first)", got, second.GetId(), first.GetId())
	}
	if res, err := e.as(coordFar).ListJobs(ctx, &pb.ListJobsRequest{}); err != nil || len(res.GetJobs()) != 0 {
		t.Errorf("a coordinator elsewhere lists %d jobs (%v)", len(res.GetJobs()), err)
	}
	if _, err := c.ListJobs(ctx, &pb.ListJobsRequest{PageSize: -1, PageToken: "%%"}); code(err) != codes.InvalidArgument {
		t.Errorf("bad page: %v, want InvalidArgument", err)
	}

	stream, err := c.WatchJob(ctx, &pb.WatchJobRequest{Id: first.GetId()})
	if err != nil {
		t.Fatal(err)
	}
	var last *pb.Job
	for {
		res, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		last = res.GetJob()
	}
	if last.GetState() != pb.JobState_JOB_STATE_SUCCEEDED || last.GetId() != first.GetId() {
		t.Errorf("watch ended with %v", last)
	}
	if md, err := stream.Header(); err != nil {
		t.Errorf("watch header: %v", err)
	} else if hb, ok := grpcx.DeclaredHeartbeat(md); !ok || hb != jobs.WatchHeartbeat {
		t.Errorf("watch declared heartbeat %s (%v), want %s: callers bound the stream by it", hb, ok, jobs.WatchHeartbeat)
	}
	for name, c := range map[string]pb.GuideServiceClient{"far": e.as(coordFar), "operator": e.as(operator)} {
		s, err := c.WatchJob(ctx, &pb.WatchJobRequest{Id: first.GetId()})
		if err == nil {
			_, err = s.Recv()
		}
		if code(err) != codes.NotFound {
			t.Errorf("watch as %s: %v, want NotFound", name, err)
		}
	}
	s, err := c.WatchJob(ctx, &pb.WatchJobRequest{Id: "no good"})
	if err == nil {
		_, err = s.Recv()
	}
	if code(err) != codes.InvalidArgument {
		t.Errorf("watch a bad id: %v, want InvalidArgument", err)
	}
}

// TestRejectAndDeclineWithReasons rejects one proposal and declines
// another with structured reasons, which the assignments keep; both
// newcomers are free for the next job; list totals count every page.
func TestRejectAndDeclineWithReasons(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := startEnv(t, 1, server.Options{})
	seedSmall(ctx, e)
	c := e.as(coord)

	el, err := c.ListEligibility(ctx, &pb.ListEligibilityRequest{Entitlement: pb.Entitlement_ENTITLEMENT_ENTITLED, PageSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	if el.GetTotalSize() != 2 || len(el.GetEligibility()) != 1 || el.GetNextPageToken() == "" {
		t.Errorf("entitled: total %d, %d on the page, next %q; want 2, 1, a token", el.GetTotalSize(), len(el.GetEligibility()), el.GetNextPageToken())
	}

	job := e.runJob(ctx, c, &pb.StartAssignmentJobRequest{RequestId: "r1"})
	as := assignments(ctx, t, c, job.GetId())
	if len(as) != 2 {
		t.Fatalf("%d assignments, want 2", len(as))
	}
	page, err := c.ListAssignments(ctx, &pb.ListAssignmentsRequest{JobId: job.GetId(), PageSize: 1})
	if err != nil || page.GetTotalSize() != 2 || len(page.GetAssignments()) != 1 {
		t.Errorf("assignments page: total %d, %d on it (%v); want 2, 1", page.GetTotalSize(), len(page.GetAssignments()), err)
	}
	rejected, declined := as[0], as[1]
	// A job now proposes nothing, and its counts say why: both entitled
	// newcomers already have a live assignment.
	again := e.runJob(ctx, c, &pb.StartAssignmentJobRequest{RequestId: "r1-again"})
	if n := again.GetCounts(); n["proposals"] != 0 || n["newcomers"] != 0 || n["busy_newcomers"] != 2 {
		t.Errorf("job after job: counts %v, want 0 proposals, 0 newcomers, 2 busy_newcomers", n)
	}

	if _, err := c.RejectAssignment(ctx, &pb.RejectAssignmentRequest{Id: rejected.GetId()}); code(err) != codes.InvalidArgument {
		t.Errorf("reject without a reason: %v, want InvalidArgument", err)
	}
	if _, err := e.as(coordFar).RejectAssignment(ctx, &pb.RejectAssignmentRequest{Id: rejected.GetId(),
		Reason: proposalv1.RejectReason_REJECT_REASON_LOGISTICS}); code(err) != codes.NotFound {
		t.Errorf("reject out of scope: %v, want NotFound", err)
	}
	res, err := c.RejectAssignment(ctx, &pb.RejectAssignmentRequest{Id: rejected.GetId(), Reason: proposalv1.RejectReason_REJECT_REASON_LOGISTICS})
	if err != nil {
		t.Fatal(err)
	}
	if a := res.GetAssignment(); a.GetStatus() != eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_REJECTED ||
		a.GetRejectReason() != proposalv1.RejectReason_REJECT_REASON_LOGISTICS {
		t.Errorf("rejected: status %v, reason %v", a.GetStatus(), a.GetRejectReason())
	}
	// The refusal names the status the assignment has now, as the pairs'
	// and seatings' do (mp said "see what holds now" and no status).
	if _, err := c.RejectAssignment(ctx, &pb.RejectAssignmentRequest{Id: rejected.GetId(), Reason: proposalv1.RejectReason_REJECT_REASON_OTHER}); code(err) != codes.FailedPrecondition ||
		status.Convert(err).Message() != "only a proposed assignment can be rejected; this one is rejected" {
		t.Errorf("reject twice: %v, want FailedPrecondition naming the status", err)
	}

	if _, err := c.DeclineAssignment(ctx, &pb.DeclineAssignmentRequest{Id: declined.GetId(), Party: pb.AcceptingParty_ACCEPTING_PARTY_NEWCOMER,
		Reason: 99}); code(err) != codes.InvalidArgument {
		t.Errorf("decline with an unknown reason: %v, want InvalidArgument", err)
	}
	dres, err := c.DeclineAssignment(ctx, &pb.DeclineAssignmentRequest{Id: declined.GetId(), Party: pb.AcceptingParty_ACCEPTING_PARTY_NEWCOMER,
		Reason: proposalv1.DeclineReason_DECLINE_REASON_DISTANCE})
	if err != nil {
		t.Fatal(err)
	}
	if a := dres.GetAssignment(); a.GetStatus() != eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_DECLINED ||
		a.GetDeclineReason() != proposalv1.DeclineReason_DECLINE_REASON_DISTANCE {
		t.Errorf("declined: status %v, reason %v", a.GetStatus(), a.GetDeclineReason())
	}

	// Both newcomers are free again: the next job's snapshot takes them
	// (the same newcomer and unit are never proposed to each other twice:
	// the assignment id is derived from the two).
	next := e.runJob(ctx, c, &pb.StartAssignmentJobRequest{RequestId: "r2"})
	if n := next.GetCounts()["newcomers"]; n != 2 {
		t.Errorf("the next job took %d newcomers, want 2 (the rejected and the declined one)", n)
	}
	if n := next.GetCounts()["busy_newcomers"]; n != 0 {
		t.Errorf("the next job left out %d newcomers as busy, want 0", n)
	}
}
