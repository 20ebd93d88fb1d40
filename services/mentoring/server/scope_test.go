package server_test

import (
	"slices"
	"testing"

	"google.golang.org/grpc/codes"

	"github.com/motesplats/motesplats/pkg/auth"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/servicetest"
	"github.com/motesplats/motesplats/services/mentoring/server"
)

// TestScopeAndValidation sweeps every RPC with callers outside the pair's
// organisation or municipalities (NotFound, never the data), an operator
// and bad input (InvalidArgument with the field named).
func TestScopeAndValidation(t *testing.T) {
	t.Parallel()
	e := startEnv(t, 1, server.Options{})
	ctx := testutil.Context(t)
	e.seed(ctx, population(4, 20, 8))
	job := e.runJob(ctx, e.as(coordA), "scope")
	var p *pb.Pair
	for _, q := range pairsOf(ctx, t, e.as(coordA), job.GetId()) {
		if len(q.GetAlternatives()) > 0 {
			p = q
			break
		}
	}
	if p == nil {
		t.Fatal("no proposal with alternatives")
	}
	id, alt := p.GetId(), p.GetAlternatives()[0].GetVolunteerId()

	calls := map[string]func(c pb.MentoringServiceClient) error{
		"GetJob": func(c pb.MentoringServiceClient) error {
			_, err := c.GetJob(ctx, &pb.GetJobRequest{Id: job.GetId()})
			return err
		},
		"ListUnmatched": func(c pb.MentoringServiceClient) error {
			_, err := c.ListUnmatched(ctx, &pb.ListUnmatchedRequest{JobId: job.GetId()})
			return err
		},
		"GetPair": func(c pb.MentoringServiceClient) error {
			_, err := c.GetPair(ctx, &pb.GetPairRequest{Id: id})
			return err
		},
		"ApproveProposal": func(c pb.MentoringServiceClient) error {
			_, err := c.ApproveProposal(ctx, &pb.ApproveProposalRequest{Id: id})
			return err
		},
		"RejectProposal": func(c pb.MentoringServiceClient) error {
			_, err := c.RejectProposal(ctx, &pb.RejectProposalRequest{Id: id, Reason: eventsv1.RejectReason_REJECT_REASON_OTHER})
			return err
		},
		"AcceptOffer": func(c pb.MentoringServiceClient) error {
			_, err := c.AcceptOffer(ctx, &pb.AcceptOfferRequest{Id: id, Party: eventsv1.Party_PARTY_MENTOR})
			return err
		},
		"DeclineOffer": func(c pb.MentoringServiceClient) error {
			_, err := c.DeclineOffer(ctx, &pb.DeclineOfferRequest{Id: id, Party: eventsv1.Party_PARTY_MENTOR, Reason: eventsv1.DeclineReason_DECLINE_REASON_OTHER})
			return err
		},
		"EndPair": func(c pb.MentoringServiceClient) error {
			_, err := c.EndPair(ctx, &pb.EndPairRequest{Id: id, Reason: eventsv1.EndReason_END_REASON_OTHER})
			return err
		},
		"RecordCheckIn": func(c pb.MentoringServiceClient) error {
			_, err := c.RecordCheckIn(ctx, &pb.RecordCheckInRequest{Id: id, CheckIn: &pb.CheckIn{Date: "2026-01-01"}})
			return err
		},
		"ReplaceCandidate": func(c pb.MentoringServiceClient) error {
			_, err := c.ReplaceCandidate(ctx, &pb.ReplaceCandidateRequest{Id: id, VolunteerId: alt})
			return err
		},
		"WatchJob": func(c pb.MentoringServiceClient) error {
			st, err := c.WatchJob(ctx, &pb.WatchJobRequest{Id: job.GetId()})
			if err != nil {
				return err
			}
			_, err = st.Recv()
			return err
		},
	}
	for name, call := range calls {
		for _, who := range []struct {
			name string
			c    pb.MentoringServiceClient
			want []codes.Code
		}{
			{"other org", e.as(coordB), []codes.Code{codes.NotFound}},
			{"other municipality", e.as(coordA2), []codes.Code{codes.NotFound}},
			{"operator", e.as(operator), []codes.Code{codes.NotFound, codes.PermissionDenied}},
		} {
			if err := call(who.c); !containsCode(who.want, code(err)) {
				t.Errorf("%s as %s: %v, want %v", name, who.name, err, who.want)
			}
		}
	}
	// Lists and reports show outsiders nothing of the pair or the job.
	for _, who := range []auth.Claims{coordB, coordA2} {
		c := e.as(who)
		list, err := c.ListPairs(ctx, &pb.ListPairsRequest{})
		if err != nil || list.GetTotalSize() != 0 {
			t.Errorf("%s lists %d pairs (%v), want 0", who.Subject, list.GetTotalSize(), err)
		}
		jobs, err := c.ListJobs(ctx, &pb.ListJobsRequest{})
		if err != nil || len(jobs.GetJobs()) != 0 {
			t.Errorf("%s lists jobs %v (%v), want none", who.Subject, jobs.GetJobs(), err)
		}
		rep, err := c.GetReport(ctx, &pb.GetReportRequest{})
		if err != nil || rep.GetTotals().GetProposed() != 0 || len(rep.GetRows()) != 0 {
			t.Errorf("%s report: %v (%v), want empty", who.Subject, rep, err)
		}
	}
	if jobs, err := e.as(coordA).ListJobs(ctx, &pb.ListJobsRequest{}); err != nil || len(jobs.GetJobs()) != 1 {
		t.Errorf("the job's coordinator lists %v (%v), want the job", jobs.GetJobs(), err)
	}
	if rep, err := e.as(coordA).GetReport(ctx, &pb.GetReportRequest{}); err != nil || rep.GetTotals().GetProposed() == 0 {
		t.Errorf("the job's coordinator report: %v (%v), want proposals", rep.GetTotals(), err)
	}
	if _, err := e.as(coordB).StartMatchingJob(ctx, &pb.StartMatchingJobRequest{RequestId: "x", OrganisationId: orgA, MunicipalityCodes: []string{"0180"}}); code(err) != codes.PermissionDenied {
		t.Errorf("start for another org: %v, want PermissionDenied", err)
	}

	c := e.as(coordA)
	for name, tc := range map[string]struct {
		call  func() error
		field string
	}{
		"start without request id": {func() error {
			_, err := c.StartMatchingJob(ctx, &pb.StartMatchingJobRequest{})
			return err
		}, "request_id"},
		"start with a bad municipality": {func() error {
			_, err := c.StartMatchingJob(ctx, &pb.StartMatchingJobRequest{RequestId: "r", MunicipalityCodes: []string{"9999"}})
			return err
		}, "municipality_codes[0]"},
		"bad pair id": {func() error {
			_, err := c.GetPair(ctx, &pb.GetPairRequest{Id: "a.b"})
			return err
		}, "id"},
		"reject without reason": {func() error {
			_, err := c.RejectProposal(ctx, &pb.RejectProposalRequest{Id: id})
			return err
		}, "reason"},
		"accept without party": {func() error {
			_, err := c.AcceptOffer(ctx, &pb.AcceptOfferRequest{Id: id})
			return err
		}, "party"},
		"check-in in the future": {func() error {
			_, err := c.RecordCheckIn(ctx, &pb.RecordCheckInRequest{Id: id, CheckIn: &pb.CheckIn{Date: "2999-01-01"}})
			return err
		}, "check_in.date"},
		"page size": {func() error {
			_, err := c.ListPairs(ctx, &pb.ListPairsRequest{PageSize: 100000})
			return err
		}, "page_size"},
		"watch a bad job id": {func() error {
			st, err := c.WatchJob(ctx, &pb.WatchJobRequest{Id: "a.b"})
			if err != nil {
				return err
			}
			_, err = st.Recv()
			return err
		}, "id"},
		"unmatched without a job": {func() error {
			_, err := c.ListUnmatched(ctx, &pb.ListUnmatchedRequest{})
			return err
		}, "job_id"},
		"unmatched of a job id with a wildcard, beside a page of 501": {func() error {
			_, err := c.ListUnmatched(ctx, &pb.ListUnmatchedRequest{JobId: "nope.*", PageSize: 501})
			return err
		}, "job_id"},
		"job list token": {func() error {
			_, err := c.ListJobs(ctx, &pb.ListJobsRequest{PageToken: "garbage"})
			return err
		}, "page_token"},
		"replace without a mentor": {func() error {
			_, err := c.ReplaceCandidate(ctx, &pb.ReplaceCandidateRequest{Id: id})
			return err
		}, "volunteer_id"},
		"replace by a non-alternative": {func() error {
			_, err := c.ReplaceCandidate(ctx, &pb.ReplaceCandidateRequest{Id: id, VolunteerId: "v-9999"})
			return err
		}, "volunteer_id"},
		"report month": {func() error {
			_, err := c.GetReport(ctx, &pb.GetReportRequest{FromMonth: "2026-13"})
			return err
		}, "from_month"},
		"pair status 999": {func() error {
			_, err := c.ListPairs(ctx, &pb.ListPairsRequest{Statuses: []eventsv1.PairStatus{999}})
			return err
		}, "statuses[0]"},
		"pair status -5": {func() error {
			_, err := c.ListPairs(ctx, &pb.ListPairsRequest{Statuses: []eventsv1.PairStatus{eventsv1.PairStatus_PAIR_STATUS_ACTIVE, -5}})
			return err
		}, "statuses[1]"},
		"more statuses than there are": {func() error {
			many := make([]eventsv1.PairStatus, len(eventsv1.PairStatus_name)+1)
			for i := range many {
				many[i] = eventsv1.PairStatus_PAIR_STATUS_ACTIVE
			}
			_, err := c.ListPairs(ctx, &pb.ListPairsRequest{Statuses: many})
			return err
		}, "statuses"},
		"report for more municipalities than there are": {func() error {
			_, err := c.GetReport(ctx, &pb.GetReportRequest{MunicipalityCodes: make([]string, 291)})
			return err
		}, "municipality_codes"},
	} {
		err := tc.call()
		if code(err) != codes.InvalidArgument || !hasField(err, tc.field) {
			t.Errorf("%s: %v, want InvalidArgument on %s", name, err, tc.field)
		}
	}
}

func containsCode(cs []codes.Code, c codes.Code) bool {
	for _, x := range cs {
		if x == c {
			return true
		}
	}
	return false
}

// hasField reports whether err names field among its field violations.
func hasField(err error, field string) bool {
	return slices.Contains(servicetest.ViolatedFields(err), field)
}
