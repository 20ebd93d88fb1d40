package server_test

import (
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
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
	p := pairsOf(ctx, t, e.as(coordA), job.GetId())[0]
	id := p.GetId()

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
	list, err := e.as(coordB).ListPairs(ctx, &pb.ListPairsRequest{})
	if err != nil || list.GetTotalSize() != 0 {
		t.Errorf("other org lists %d pairs (%v), want 0", list.GetTotalSize(), err)
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
		"report month": {func() error {
			_, err := c.GetReport(ctx, &pb.GetReportRequest{FromMonth: "2026-13"})
			return err
		}, "from_month"},
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

func hasField(err error, field string) bool {
	for _, d := range status.Convert(err).Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range br.GetFieldViolations() {
				if v.GetField() == field {
					return true
				}
			}
		}
	}
	return false
}
