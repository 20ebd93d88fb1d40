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

// changes reads every AssignmentChanged on the guides stream.
func changes(ctx context.Context, t *testing.T, e *env) []*eventsv1.AssignmentChanged {
	t.Helper()
	cons, err := e.nats.JS.OrderedConsumer(ctx, events.StreamGuides, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{events.FilterFor(events.AssignmentChanged)}})
	if err != nil {
		t.Fatal(err)
	}
	var out []*eventsv1.AssignmentChanged
	for {
		batch, err := cons.FetchNoWait(100)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for m := range batch.Messages() {
			n++
			var env eventsv1.Envelope
			if err := proto.Unmarshal(m.Data(), &env); err != nil {
				t.Fatal(err)
			}
			var ch eventsv1.AssignmentChanged
			if err := env.GetPayload().UnmarshalTo(&ch); err != nil {
				t.Fatal(err)
			}
			out = append(out, &ch)
		}
		if n == 0 {
			return out
		}
	}
}

// TestAssignmentChangedCarriesReasons: a rejection's and a decline's
// AssignmentChanged carry the reason codes (and who declined), and the
// equity report counts them in words.
func TestAssignmentChangedCarriesReasons(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := startEnv(t, 1, server.Options{})
	seedSmall(ctx, e)
	c := e.as(coord)
	job := e.runJob(ctx, c, &pb.StartAssignmentJobRequest{RequestId: "r1"})
	as := assignments(ctx, t, c, job.GetId())
	if len(as) != 2 {
		t.Fatalf("%d assignments, want 2", len(as))
	}
	rejected, declined := as[0], as[1]
	if _, err := c.RejectAssignment(ctx, &pb.RejectAssignmentRequest{Id: rejected.GetId(),
		Reason: proposalv1.RejectReason_REJECT_REASON_CONFLICT_OF_INTEREST}); err != nil {
		t.Fatal(err)
	}
	res, err := c.DeclineAssignment(ctx, &pb.DeclineAssignmentRequest{Id: declined.GetId(),
		Party: pb.AcceptingParty_ACCEPTING_PARTY_ORGANISATION, Reason: proposalv1.DeclineReason_DECLINE_REASON_NO_TIME})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.GetAssignment().GetDeclinedBy(); got != eventsv1.AssignmentParty_ASSIGNMENT_PARTY_ORGANISATION {
		t.Errorf("declined by %v, want the organisation", got)
	}

	testutil.CheckFor(t, 10*time.Second, 50*time.Millisecond, func() error {
		var rej, dec *eventsv1.AssignmentChanged
		for _, ch := range changes(ctx, t, e) {
			switch ch.GetStatus() {
			case eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_REJECTED:
				rej = ch
			case eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_DECLINED:
				dec = ch
			}
		}
		switch {
		case rej == nil || dec == nil:
			return fmt.Errorf("rejection %v, decline %v not published yet", rej != nil, dec != nil)
		case rej.GetRejectReason() != proposalv1.RejectReason_REJECT_REASON_CONFLICT_OF_INTEREST:
			return fmt.Errorf("rejection's reason %v, want conflict of interest", rej.GetRejectReason())
		case dec.GetDeclineReason() != proposalv1.DeclineReason_DECLINE_REASON_NO_TIME ||
			dec.GetDeclinedBy() != eventsv1.AssignmentParty_ASSIGNMENT_PARTY_ORGANISATION:
			return fmt.Errorf("decline's reason %v by %v, want no time by the organisation", dec.GetDeclineReason(), dec.GetDeclinedBy())
		}
		return nil
	})

	eq, err := c.GetEquity(ctx, &pb.GetEquityRequest{})
	if err != nil {
		t.Fatal(err)
	}
	words := map[string]int32{}
	for _, r := range eq.GetReasons() {
		words[r.GetWords()] = r.GetCount()
	}
	for _, want := range []string{"rejected: conflict of interest", "declined by the organisation: no time"} {
		if words[want] != 1 {
			t.Errorf("equity reasons %v: want %q counted once", words, want)
		}
	}
}

// TestNationalJobScope: an administrator naming no municipality starts
// one job over all 290 (the national job); a coordinator still needs
// their own, and a list longer than the nation is refused.
func TestNationalJobScope(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := startEnv(t, 1, server.Options{})
	seedSmall(ctx, e)
	job := e.runJob(ctx, e.as(admin), &pb.StartAssignmentJobRequest{RequestId: "nation"})
	if got := len(job.GetMunicipalityCodes()); got != 290 {
		t.Errorf("the national job covers %d municipalities, want 290", got)
	}
	if n := job.GetCounts()["proposals"]; n != 2 {
		t.Errorf("the national job proposed %d, want 2", n)
	}
	if _, err := e.as(coordFar).StartAssignmentJob(ctx, &pb.StartAssignmentJobRequest{RequestId: "far",
		MunicipalityCodes: []string{"0180"}}); code(err) != codes.PermissionDenied {
		t.Errorf("a coordinator outside the municipality: %v, want PermissionDenied", err)
	}
	long := make([]string, 291)
	for k := range long {
		long[k] = "0180"
	}
	if _, err := e.as(admin).StartAssignmentJob(ctx, &pb.StartAssignmentJobRequest{RequestId: "long",
		MunicipalityCodes: long}); code(err) != codes.InvalidArgument {
		t.Errorf("291 municipalities: %v, want InvalidArgument", err)
	}
}
