package server_test

import (
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/timestamppb"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/mentoring/server"
)

// TestPairsEndedAfter lists the pairs that ended lately, the ones a
// coordinator calls after an early end (ADR 0265): a pair ended six weeks
// ago and an active pair are left out, a pair ended today is listed, the
// bound is inclusive, and a bound in the future is refused on its field.
func TestPairsEndedAfter(t *testing.T) {
	t.Parallel()
	e := startEnv(t, 1, server.Options{})
	ctx := testutil.Context(t)
	e.seed(ctx, population(3, 40, 15))
	c := e.as(coordA)
	ps := pairsOf(ctx, t, c, e.runJob(ctx, c, "ended-after").GetId())
	if len(ps) < 3 {
		t.Fatalf("%d proposals, want at least 3", len(ps))
	}
	activate := func(p *pb.Pair) {
		t.Helper()
		if _, err := c.ApproveProposal(ctx, &pb.ApproveProposalRequest{Id: p.GetId()}); err != nil {
			t.Fatal(err)
		}
		for _, party := range []eventsv1.Party{eventsv1.Party_PARTY_NEWCOMER, eventsv1.Party_PARTY_MENTOR} {
			if _, err := c.AcceptOffer(ctx, &pb.AcceptOfferRequest{Id: p.GetId(), Party: party}); err != nil {
				t.Fatal(err)
			}
		}
	}
	end := func(p *pb.Pair, why eventsv1.EndReason) *timestamppb.Timestamp {
		t.Helper()
		res, err := c.EndPair(ctx, &pb.EndPairRequest{Id: p.GetId(), Reason: why})
		if err != nil {
			t.Fatal(err)
		}
		return res.GetPair().GetEndTime()
	}
	old, recent, active := ps[0], ps[1], ps[2]
	for _, p := range ps[:3] {
		activate(p)
	}
	oldEnd := end(old, eventsv1.EndReason_END_REASON_COMPLETED)
	e.clock.Add(6 * 7 * 24 * time.Hour)
	recentEnd := end(recent, eventsv1.EndReason_END_REASON_MOVED)

	list := func(after *timestamppb.Timestamp) ([]string, error) {
		var got []string
		tok := ""
		for {
			res, err := c.ListPairs(ctx, &pb.ListPairsRequest{EndedAfter: after, PageSize: 1, PageToken: tok})
			if err != nil {
				return nil, err
			}
			for _, p := range res.GetPairs() {
				got = append(got, p.GetId())
			}
			if tok = res.GetNextPageToken(); tok == "" {
				return got, nil
			}
		}
	}
	month := timestamppb.New(e.clock.Now().Add(-30 * 24 * time.Hour))
	if got, err := list(month); err != nil || len(got) != 1 || got[0] != recent.GetId() {
		t.Fatalf("ended in the last 30 days = %v, %v; want only %s (not %s ended six weeks ago, not active %s)",
			got, err, recent.GetId(), old.GetId(), active.GetId())
	}
	if got, err := list(recentEnd); err != nil || len(got) != 1 {
		t.Fatalf("ended at or after the end itself = %v, %v; want the pair ended then", got, err)
	}
	if got, err := list(oldEnd); err != nil || len(got) != 2 {
		t.Fatalf("ended since the first end = %v, %v; want both ended pairs", got, err)
	}
	res, err := c.ListPairs(ctx, &pb.ListPairsRequest{EndedAfter: month})
	if err != nil || res.GetTotalSize() != 1 || res.GetPairs()[0].GetEndReason() != eventsv1.EndReason_END_REASON_MOVED {
		t.Fatalf("one page = %v, %v; want total 1 with its end reason", res, err)
	}

	future := timestamppb.New(e.clock.Now().Add(time.Hour))
	if _, err := c.ListPairs(ctx, &pb.ListPairsRequest{EndedAfter: future}); code(err) != codes.InvalidArgument || !hasField(err, "ended_after") {
		t.Fatalf("ended_after in the future: %v, want InvalidArgument on ended_after", err)
	}
	if _, err := c.ListPairs(ctx, &pb.ListPairsRequest{EndedAfter: &timestamppb.Timestamp{Nanos: -1}}); code(err) != codes.InvalidArgument || !hasField(err, "ended_after") {
		t.Fatalf("ended_after not a time: %v, want InvalidArgument on ended_after", err)
	}
}
