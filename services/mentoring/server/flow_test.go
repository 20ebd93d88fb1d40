package server_test

import (
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/calendar"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/mentoring/server"
)

// TestJobAndLifecycle runs a job on a small pool and takes one proposal
// through the whole lifecycle, checking the failures the issue names.
func TestJobAndLifecycle(t *testing.T) {
	t.Parallel()
	e := startEnv(t, 1, server.Options{})
	ctx := testutil.Context(t)
	e.seed(ctx, population(1, 40, 15))
	c := e.as(coordA)

	job := e.runJob(ctx, c, "job-1")
	if job.GetCounts().GetProposals() == 0 || job.GetObjective() != job.GetBound() {
		t.Fatalf("job = %v, want proposals and a proven optimum", job)
	}
	again, err := c.StartMatchingJob(ctx, &pb.StartMatchingJobRequest{RequestId: "job-1", OrganisationId: orgA, MunicipalityCodes: []string{"0180", "0380"}})
	if err != nil || again.GetJob().GetId() != job.GetId() {
		t.Fatalf("repeated start = %v, %v; want job %s", again.GetJob().GetId(), err, job.GetId())
	}
	ps := pairsOf(ctx, t, c, job.GetId())
	if len(ps) != int(job.GetCounts().GetProposals()) {
		t.Fatalf("pairs %d, job says %d", len(ps), job.GetCounts().GetProposals())
	}
	for _, p := range ps {
		sum := int32(0)
		for _, part := range p.GetScoreParts() {
			sum += part.GetPoints()
		}
		if sum != p.GetScore() || sum == 0 || p.GetStatus() != eventsv1.PairStatus_PAIR_STATUS_PROPOSED {
			t.Fatalf("pair %s: score %d, parts sum %d, status %s", p.GetId(), p.GetScore(), sum, p.GetStatus())
		}
	}
	un, err := c.ListUnmatched(ctx, &pb.ListUnmatchedRequest{JobId: job.GetId()})
	if err != nil || int(un.GetTotalSize()) != int(job.GetCounts().GetUnmatched()) {
		t.Fatalf("unmatched = %d, %v; want %d", un.GetTotalSize(), err, job.GetCounts().GetUnmatched())
	}

	p := ps[0]
	if _, err := c.AcceptOffer(ctx, &pb.AcceptOfferRequest{Id: p.GetId(), Party: eventsv1.Party_PARTY_NEWCOMER}); code(err) != 9 {
		t.Fatalf("accept before approval: %v, want FailedPrecondition", err)
	}
	if _, err := c.ApproveProposal(ctx, &pb.ApproveProposalRequest{Id: p.GetId()}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AcceptOffer(ctx, &pb.AcceptOfferRequest{Id: p.GetId(), Party: eventsv1.Party_PARTY_NEWCOMER}); err != nil {
		t.Fatal(err)
	}
	// The same acceptance again is a retry and stands (ADR 0273).
	if again, err := c.AcceptOffer(ctx, &pb.AcceptOfferRequest{Id: p.GetId(), Party: eventsv1.Party_PARTY_NEWCOMER}); err != nil ||
		again.GetPair().GetStatus() != eventsv1.PairStatus_PAIR_STATUS_OFFERED {
		t.Fatalf("accepting twice: %v, %v; want OK with the offered pair", again.GetPair().GetStatus(), err)
	}
	res, err := c.AcceptOffer(ctx, &pb.AcceptOfferRequest{Id: p.GetId(), Party: eventsv1.Party_PARTY_MENTOR})
	if err != nil || res.GetPair().GetStatus() != eventsv1.PairStatus_PAIR_STATUS_ACTIVE {
		t.Fatalf("second accept = %v, %v; want active", res.GetPair().GetStatus(), err)
	}
	if again, err := c.AcceptOffer(ctx, &pb.AcceptOfferRequest{Id: p.GetId(), Party: eventsv1.Party_PARTY_MENTOR}); err != nil ||
		again.GetPair().GetStatus() != eventsv1.PairStatus_PAIR_STATUS_ACTIVE {
		t.Fatalf("the mentor's acceptance again on the active pair: %v, %v; want OK (it stands)", again.GetPair().GetStatus(), err)
	}
	today := calendar.Today(e.clock.Now())
	// A retried check-in (same request id) is recorded once.
	for range 2 {
		res, err := c.RecordCheckIn(ctx, &pb.RecordCheckInRequest{Id: p.GetId(), CheckIn: &pb.CheckIn{Date: today, Met: true, RequestId: "ci-1",
			Rating: pb.CheckInRating_CHECK_IN_RATING_GOOD, Activities: []pb.CheckInActivity{pb.CheckInActivity_CHECK_IN_ACTIVITY_LANGUAGE}}})
		if err != nil || len(res.GetPair().GetCheckIns()) != 1 {
			t.Fatalf("check-in = %v, %v; want one check-in", res.GetPair().GetCheckIns(), err)
		}
	}
	e.clock.Add(5 * 7 * 24 * time.Hour)
	flagged, err := c.ListPairs(ctx, &pb.ListPairsRequest{OnlyNeedingFollowUp: true})
	if err != nil || flagged.GetTotalSize() != 1 || flagged.GetPairs()[0].GetLastCheckInDate() != today {
		t.Fatalf("flagged pairs = %v, %v; want the one pair with last check-in %s", flagged.GetPairs(), err, today)
	}
	ended, err := c.EndPair(ctx, &pb.EndPairRequest{Id: p.GetId(), Reason: eventsv1.EndReason_END_REASON_MOVED})
	if err != nil || ended.GetPair().GetStatus() != eventsv1.PairStatus_PAIR_STATUS_ENDED {
		t.Fatalf("end = %v, %v", ended.GetPair().GetStatus(), err)
	}

	// An offer expires; accepting it then fails.
	q := ps[1]
	if _, err := c.ApproveProposal(ctx, &pb.ApproveProposalRequest{Id: q.GetId()}); err != nil {
		t.Fatal(err)
	}
	e.clock.Add(15 * 24 * time.Hour)
	if _, err := c.AcceptOffer(ctx, &pb.AcceptOfferRequest{Id: q.GetId(), Party: eventsv1.Party_PARTY_MENTOR}); code(err) != 9 {
		t.Fatalf("accepting an expired offer: %v, want FailedPrecondition", err)
	}
	testutil.CheckFor(t, 5*time.Second, 20*time.Millisecond, func() error {
		got, err := c.GetPair(ctx, &pb.GetPairRequest{Id: q.GetId()})
		if err != nil {
			return err
		}
		if got.GetPair().GetStatus() != eventsv1.PairStatus_PAIR_STATUS_EXPIRED {
			return errorf("status %s, want expired", got.GetPair().GetStatus())
		}
		return nil
	})

	// A declined pair and a rejected pair are never proposed again, and
	// the replaced proposal's newcomer gets the chosen alternative.
	r := ps[2]
	if _, err := c.ApproveProposal(ctx, &pb.ApproveProposalRequest{Id: r.GetId()}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeclineOffer(ctx, &pb.DeclineOfferRequest{Id: r.GetId(), Party: eventsv1.Party_PARTY_NEWCOMER, Reason: eventsv1.DeclineReason_DECLINE_REASON_NO_TIME}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.RejectProposal(ctx, &pb.RejectProposalRequest{Id: ps[3].GetId(), Reason: eventsv1.RejectReason_REJECT_REASON_POOR_FIT}); err != nil {
		t.Fatal(err)
	}
	for _, s := range ps[4:] {
		if len(s.GetAlternatives()) == 0 {
			continue
		}
		alt := s.GetAlternatives()[0].GetVolunteerId()
		res, err := c.ReplaceCandidate(ctx, &pb.ReplaceCandidateRequest{Id: s.GetId(), VolunteerId: alt})
		if code(err) == 9 {
			continue // that mentor is full; try the next proposal
		}
		if err != nil || res.GetPair().GetVolunteerId() != alt || res.GetReplaced().GetStatus() != eventsv1.PairStatus_PAIR_STATUS_REPLACED {
			t.Fatalf("replace = %v, %v", res, err)
		}
		break
	}
	job2 := e.runJob(ctx, c, "job-2")
	seen := map[string]bool{}
	for _, p := range ps {
		seen[p.GetParticipantId()+"/"+p.GetVolunteerId()] = true
	}
	for _, p := range pairsOf(ctx, t, c, job2.GetId()) {
		if seen[p.GetParticipantId()+"/"+p.GetVolunteerId()] {
			t.Errorf("job 2 proposed %s/%s again", p.GetParticipantId(), p.GetVolunteerId())
		}
	}
	rep, err := c.GetReport(ctx, &pb.GetReportRequest{})
	if err != nil || rep.GetTotals().GetAccepted() != 1 || rep.GetTotals().GetEnded() != 1 || len(rep.GetDeclineReasons()) != 1 {
		t.Fatalf("report totals = %v, declines %v, err %v", rep.GetTotals(), rep.GetDeclineReasons(), err)
	}
}

// TestSecondJobCountsBusyNewcomers: a job after an earlier one leaves out
// the newcomers the first one proposed, and its counts say how many, so
// "0 proposals" can be explained (mp jobs start -follow, the web's job
// row) rather than shown bare.
func TestSecondJobCountsBusyNewcomers(t *testing.T) {
	t.Parallel()
	e := startEnv(t, 1, server.Options{})
	ctx := testutil.Context(t)
	e.seed(ctx, population(3, 12, 15))
	c := e.as(coordA)

	first := e.runJob(ctx, c, "busy-1")
	if first.GetCounts().GetProposals() == 0 || first.GetCounts().GetBusyNewcomers() != 0 {
		t.Fatalf("first job counts = %v, want proposals and no busy newcomers", first.GetCounts())
	}
	second := e.runJob(ctx, c, "busy-2")
	got, want := second.GetCounts(), first.GetCounts()
	if got.GetBusyNewcomers() != want.GetProposals() {
		t.Errorf("second job: busy newcomers %d, want %d (the first job's proposals)", got.GetBusyNewcomers(), want.GetProposals())
	}
	if got.GetNewcomers()+got.GetBusyNewcomers() != want.GetNewcomers() {
		t.Errorf("second job: %d newcomers + %d busy, want the first job's %d in all", got.GetNewcomers(), got.GetBusyNewcomers(), want.GetNewcomers())
	}
}
