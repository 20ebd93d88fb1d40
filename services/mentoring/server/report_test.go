package server_test

import (
	"fmt"
	"testing"
	"time"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	"github.com/motesplats/motesplats/pkg/report"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/mentoring/server"
)

// TestReportCountsPairsNotProposals: issue 12's "Mentorspar per månad:
// 266" when one pair was offered. A job's proposals and an offer are
// proposals; only when both parties accept is there a pair, counted as
// accepted in its Stockholm month and active at the month's end.
func TestReportCountsPairsNotProposals(t *testing.T) {
	t.Parallel()
	e := startEnv(t, 1, server.Options{})
	ctx := testutil.Context(t)
	e.seed(ctx, population(1, 40, 15))
	c := e.as(coordA)
	job := e.runJob(ctx, c, "job-r")
	ps := pairsOf(ctx, t, c, job.GetId())
	if len(ps) < 2 {
		t.Fatalf("job proposed %d pairs, want at least 2", len(ps))
	}
	month := report.MonthOf(e.clock.Now()).String()
	want := func(proposed, accepted, active int32) func() error {
		return func() error {
			rep, err := c.GetReport(ctx, &pb.GetReportRequest{FromMonth: month, ToMonth: month})
			if err != nil {
				return err
			}
			var rows pb.ReportCounts
			for _, r := range rep.GetRows() {
				if r.GetMonth() != month {
					return fmt.Errorf("row for %s, want only %s", r.GetMonth(), month)
				}
				rows.Proposed += r.GetCounts().GetProposed()
				rows.Accepted += r.GetCounts().GetAccepted()
				rows.Active += r.GetCounts().GetActive()
			}
			tot := rep.GetTotals()
			if tot.GetProposed() != proposed || tot.GetAccepted() != accepted || tot.GetActive() != active ||
				rows.Proposed != proposed || rows.Accepted != accepted || rows.Active != active {
				return fmt.Errorf("totals %v, rows sum %v; want proposed %d, accepted %d, active %d", tot, &rows, proposed, accepted, active)
			}
			return nil
		}
	}
	n := int32(len(ps))
	if _, err := c.ApproveProposal(ctx, &pb.ApproveProposalRequest{Id: ps[0].GetId()}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AcceptOffer(ctx, &pb.AcceptOfferRequest{Id: ps[0].GetId(), Party: eventsv1.Party_PARTY_NEWCOMER}); err != nil {
		t.Fatal(err)
	}
	testutil.CheckFor(t, 10*time.Second, 20*time.Millisecond, want(n, 0, 0)) // one offer, half accepted: no pair
	if _, err := c.AcceptOffer(ctx, &pb.AcceptOfferRequest{Id: ps[0].GetId(), Party: eventsv1.Party_PARTY_MENTOR}); err != nil {
		t.Fatal(err)
	}
	testutil.CheckFor(t, 10*time.Second, 20*time.Millisecond, want(n, 1, 1))
}
