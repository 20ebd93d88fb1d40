package server_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	proposalv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/proposal/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/guides/server"
)

// TestRetriedStepsAreToldTheyStand (ADR 0272): a client whose answer was
// lost (its replica killed just after the write, ADR 0270) sends the same
// step again. Each step of one assignment is sent twice; the second is
// answered OK with the assignment as the first left it, and the
// assignment has as many events as one walked once (the measure). A step
// the assignment is past, or an end for another reason, is still refused.
func TestRetriedStepsAreToldTheyStand(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := startEnv(t, 1, server.Options{})
	seedSmall(ctx, e)
	c := e.as(coord)
	job := e.runJob(ctx, c, &pb.StartAssignmentJobRequest{RequestId: "r1", MunicipalityCodes: []string{"0180"}})
	as := assignments(ctx, t, c, job.GetId())
	if len(as) != 2 {
		t.Fatalf("assignments: %v", as)
	}
	retried, measure := as[0].GetId(), as[1].GetId()
	found := eventsv1.AssignmentEndReason_ASSIGNMENT_END_REASON_FOUND_WORK
	steps := []struct {
		name string
		want eventsv1.AssignmentStatus
		call func(id string) (*pb.Assignment, error)
	}{
		{"approve", eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_APPROVED, func(id string) (*pb.Assignment, error) {
			r, err := c.ApproveAssignment(ctx, &pb.ApproveAssignmentRequest{Id: id})
			return r.GetAssignment(), err
		}},
		{"the newcomer's acceptance", eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_APPROVED, func(id string) (*pb.Assignment, error) {
			r, err := c.AcceptAssignment(ctx, &pb.AcceptAssignmentRequest{Id: id, Party: pb.AcceptingParty_ACCEPTING_PARTY_NEWCOMER})
			return r.GetAssignment(), err
		}},
		{"the organisation's acceptance", eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_ASSIGNED, func(id string) (*pb.Assignment, error) {
			r, err := c.AcceptAssignment(ctx, &pb.AcceptAssignmentRequest{Id: id, Party: pb.AcceptingParty_ACCEPTING_PARTY_ORGANISATION})
			return r.GetAssignment(), err
		}},
		{"activate", eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_ACTIVE, func(id string) (*pb.Assignment, error) {
			r, err := c.ActivateAssignment(ctx, &pb.ActivateAssignmentRequest{Id: id})
			return r.GetAssignment(), err
		}},
		{"end", eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_ENDED, func(id string) (*pb.Assignment, error) {
			r, err := c.EndAssignment(ctx, &pb.EndAssignmentRequest{Id: id, Reason: found})
			return r.GetAssignment(), err
		}},
	}
	for k, s := range steps {
		if _, err := s.call(measure); err != nil {
			t.Fatalf("%s (the measure): %v", s.name, err)
		}
		first, err := s.call(retried)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		again, err := s.call(retried)
		if err != nil {
			t.Fatalf("%s again: %v, want OK (the step stands)", s.name, err)
		}
		if again.GetStatus() != s.want || !proto.Equal(again, first) {
			t.Errorf("%s again: got %v, want %v as the first answer was", s.name, again, first)
		}
		// Approval, a step the assignment is past once assigned, is
		// still refused.
		if k == 2 {
			if _, err := steps[0].call(retried); code(err) == 0 {
				t.Errorf("approve once %s: OK, want FailedPrecondition", s.name)
			}
		}
	}
	if _, err := c.EndAssignment(ctx, &pb.EndAssignmentRequest{Id: retried, Reason: eventsv1.AssignmentEndReason_ASSIGNMENT_END_REASON_MOVED}); code(err) == 0 {
		t.Errorf("end for another reason after the end: OK, want FailedPrecondition")
	}
	for _, s := range steps[:4] {
		if _, err := s.call(retried); code(err) == 0 {
			t.Errorf("%s after the end: OK, want FailedPrecondition", s.name)
		}
	}

	// Each write's event goes out after it (the outbox, oldest first):
	// once both assignments' last event says ended, every one is out.
	st, err := e.nats.JS.Stream(ctx, events.StreamGuides)
	if err != nil {
		t.Fatal(err)
	}
	testutil.CheckFor(t, 10*time.Second, 50*time.Millisecond, func() error {
		n := map[string]uint64{}
		for _, id := range []string{retried, measure} {
			subject := events.AssignmentChanged + "." + id
			last, err := st.GetLastMsgForSubject(ctx, subject)
			if err != nil {
				return err
			}
			var env eventsv1.Envelope
			var ch eventsv1.AssignmentChanged
			if err := proto.Unmarshal(last.Data, &env); err != nil {
				return err
			}
			if err := env.GetPayload().UnmarshalTo(&ch); err != nil {
				return err
			}
			if ch.GetStatus() != eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_ENDED {
				return fmt.Errorf("%s: last event %v", id, ch.GetStatus())
			}
			info, err := st.Info(ctx, jetstream.WithSubjectFilter(subject))
			if err != nil {
				return err
			}
			n[id] = info.State.Subjects[subject]
		}
		if n[retried] != n[measure] {
			return fmt.Errorf("events: %d for the assignment whose steps were sent twice, %d for the measure", n[retried], n[measure])
		}
		return nil
	})
}

// TestRetriedDeclineAndRejectStand (ADR 0273): a newcomer's decline and a
// rejection, each sent twice, stand: the second is OK with the
// assignment as the first left it, and each assignment has 2 events
// (proposed, then declined or rejected), as one sent once. The
// organisation's decline after the newcomer's, and a rejection for
// another reason, are refused.
func TestRetriedDeclineAndRejectStand(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := startEnv(t, 1, server.Options{})
	seedSmall(ctx, e)
	c := e.as(coord)
	job := e.runJob(ctx, c, &pb.StartAssignmentJobRequest{RequestId: "r2", MunicipalityCodes: []string{"0180"}})
	as := assignments(ctx, t, c, job.GetId())
	if len(as) != 2 {
		t.Fatalf("assignments: %v", as)
	}
	declined, rejected := as[0].GetId(), as[1].GetId()
	decline := func(party pb.AcceptingParty) (*pb.Assignment, error) {
		r, err := c.DeclineAssignment(ctx, &pb.DeclineAssignmentRequest{Id: declined, Party: party, Reason: proposalv1.DeclineReason_DECLINE_REASON_NO_TIME})
		return r.GetAssignment(), err
	}
	reject := func(reason proposalv1.RejectReason) (*pb.Assignment, error) {
		r, err := c.RejectAssignment(ctx, &pb.RejectAssignmentRequest{Id: rejected, Reason: reason})
		return r.GetAssignment(), err
	}
	for name, do := range map[string]func() (*pb.Assignment, error){
		"the newcomer's decline": func() (*pb.Assignment, error) { return decline(pb.AcceptingParty_ACCEPTING_PARTY_NEWCOMER) },
		"reject":                 func() (*pb.Assignment, error) { return reject(proposalv1.RejectReason_REJECT_REASON_LOGISTICS) },
	} {
		first, err := do()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		again, err := do()
		if err != nil || !proto.Equal(again, first) {
			t.Errorf("%s again: %v, %v; want OK with %v", name, again, err, first)
		}
	}
	if _, err := decline(pb.AcceptingParty_ACCEPTING_PARTY_ORGANISATION); code(err) != codes.FailedPrecondition {
		t.Errorf("the organisation's decline after the newcomer's: %v, want FailedPrecondition", err)
	}
	if _, err := reject(proposalv1.RejectReason_REJECT_REASON_OTHER); code(err) != codes.FailedPrecondition {
		t.Errorf("reject for another reason: %v, want FailedPrecondition", err)
	}
	st, err := e.nats.JS.Stream(ctx, events.StreamGuides)
	if err != nil {
		t.Fatal(err)
	}
	testutil.CheckFor(t, 10*time.Second, 50*time.Millisecond, func() error {
		for _, id := range []string{declined, rejected} {
			subject := events.AssignmentChanged + "." + id
			info, err := st.Info(ctx, jetstream.WithSubjectFilter(subject))
			if err != nil {
				return err
			}
			if n := info.State.Subjects[subject]; n != 2 {
				return fmt.Errorf("%s: %d events, want 2 (proposed, and the one step sent twice)", id, n)
			}
		}
		return nil
	})
}
