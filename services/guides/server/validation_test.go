package server_test

import (
	"context"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	"github.com/motesplats/motesplats/pkg/testutil/servicetest"
	"github.com/motesplats/motesplats/services/guides/server"
)

func TestFieldViolations(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := startEnv(t, 1, server.Options{})
	c := e.as(admin)
	tests := []struct {
		name string
		call func() error
		want []string
	}{
		{"GetEligibility", func() error {
			_, err := c.GetEligibility(ctx, &pb.GetEligibilityRequest{ParticipantId: "bad id!"})
			return err
		},
			[]string{"participant_id"}},
		{"ListEligibility", func() error {
			_, err := c.ListEligibility(ctx, &pb.ListEligibilityRequest{MunicipalityCodes: []string{"18", "0180", "0180"},
				Entitlement: 9, PageSize: -1, PageToken: "%%"})
			return err
		}, []string{"municipality_codes[0]", "municipality_codes[2]", "entitlement", "page_size", "page_token"}},
		{"GetEligibilityRules", func() error {
			_, err := c.GetEligibilityRules(ctx, &pb.GetEligibilityRulesRequest{OrganisationId: "org-1"})
			return err
		}, []string{"organisation_id"}},
		{"UpdateEligibilityRules", func() error {
			_, err := c.UpdateEligibilityRules(ctx, &pb.UpdateEligibilityRulesRequest{Rules: &pb.EligibilityRules{EstablishmentMonths: 0}})
			return err
		}, []string{"rules.establishment_months", "etag"}},
		{"UpdateEligibilityRules no rules", func() error {
			_, err := c.UpdateEligibilityRules(ctx, &pb.UpdateEligibilityRulesRequest{Etag: "x"})
			return err
		}, []string{"rules"}},
		{"ListGuideOrganisations", func() error {
			_, err := c.ListGuideOrganisations(ctx, &pb.ListGuideOrganisationsRequest{PageSize: 100000})
			return err
		}, []string{"page_size"}},
		{"StartAssignmentJob", func() error {
			_, err := c.StartAssignmentJob(ctx, &pb.StartAssignmentJobRequest{MunicipalityCodes: []string{"x"}, Quotas: []pb.QuotaKind{7}})
			return err
		}, []string{"municipality_codes[0]", "quotas[0]"}},
		{"StartAssignmentJob overlapping quotas", func() error {
			_, err := c.StartAssignmentJob(ctx, &pb.StartAssignmentJobRequest{RequestId: "r", MunicipalityCodes: []string{"0180"},
				Quotas: []pb.QuotaKind{pb.QuotaKind_QUOTA_KIND_GENDER_PER_MUNICIPALITY, pb.QuotaKind_QUOTA_KIND_LANGUAGE}})
			return err
		}, []string{"quotas"}},
		{"StartAssignmentJob no request id", func() error {
			_, err := c.StartAssignmentJob(ctx, &pb.StartAssignmentJobRequest{MunicipalityCodes: []string{"0180"}})
			return err
		}, []string{"request_id"}},
		{"GetJob", func() error { _, err := c.GetJob(ctx, &pb.GetJobRequest{Id: ""}); return err }, nil},
		{"ListAssignments", func() error {
			_, err := c.ListAssignments(ctx, &pb.ListAssignmentsRequest{JobId: "no good", MunicipalityCode: "1",
				Statuses: []eventsv1.AssignmentStatus{0, 99}})
			return err
		}, []string{"job_id", "municipality_code", "statuses[0]", "statuses[1]"}},
		{"GetAssignment", func() error { _, err := c.GetAssignment(ctx, &pb.GetAssignmentRequest{Id: "x y"}); return err }, []string{"id"}},
		{"GetAssignment no id", func() error { _, err := c.GetAssignment(ctx, &pb.GetAssignmentRequest{}); return err }, []string{"id"}},
		{"ListUnassigned", func() error {
			_, err := c.ListUnassigned(ctx, &pb.ListUnassignedRequest{JobId: "no good", PageSize: 501, PageToken: "%%"})
			return err
		}, []string{"job_id", "page_size", "page_token"}},
		{"ListUnassigned no job", func() error { _, err := c.ListUnassigned(ctx, &pb.ListUnassignedRequest{}); return err }, []string{"job_id"}},
		{"ApproveAssignment", func() error { _, err := c.ApproveAssignment(ctx, &pb.ApproveAssignmentRequest{}); return err }, []string{"id"}},
		{"RejectAssignment", func() error {
			_, err := c.RejectAssignment(ctx, &pb.RejectAssignmentRequest{Id: "x y", Reason: 77})
			return err
		}, []string{"id", "reason"}},
		{"AcceptAssignment", func() error { _, err := c.AcceptAssignment(ctx, &pb.AcceptAssignmentRequest{}); return err }, []string{"id", "party"}},
		{"DeclineAssignment", func() error { _, err := c.DeclineAssignment(ctx, &pb.DeclineAssignmentRequest{Party: 9}); return err }, []string{"id", "party"}},
		{"ActivateAssignment", func() error {
			_, err := c.ActivateAssignment(ctx, &pb.ActivateAssignmentRequest{Id: "x y"})
			return err
		}, []string{"id"}},
		{"EndAssignment", func() error {
			_, err := c.EndAssignment(ctx, &pb.EndAssignmentRequest{Id: "a", Reason: 42})
			return err
		}, []string{"reason"}},
		{"GetEquity", func() error {
			_, err := c.GetEquity(ctx, &pb.GetEquityRequest{MunicipalityCodes: []string{"abcd"}, MinGroupSize: -1})
			return err
		}, []string{"municipality_codes[0]", "min_group_size"}},
	}
	for _, tt := range tests {
		err := tt.call()
		if code(err) != codes.InvalidArgument {
			t.Errorf("%s: %v, want InvalidArgument", tt.name, err)
			continue
		}
		got := servicetest.ViolatedFields(err)
		for _, f := range tt.want {
			found := false
			for _, g := range got {
				found = found || g == f
			}
			if !found {
				t.Errorf("%s: violations %v lack %q", tt.name, got, f)
			}
		}
		if strings.Contains(status.Convert(err).Message(), ".go:") {
			t.Errorf("%s: internal detail in %q", tt.name, status.Convert(err).Message())
		}
	}
}

func TestScope(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := startEnv(t, 1, server.Options{})
	seedSmall(ctx, e)
	job := e.runJob(ctx, e.as(coord), &pb.StartAssignmentJobRequest{RequestId: "r1"})
	if job.GetState() != pb.JobState_JOB_STATE_SUCCEEDED {
		t.Fatalf("job: %s", job.GetErrorMessage())
	}
	as := assignments(ctx, t, e.as(coord), job.GetId())
	if len(as) == 0 {
		t.Fatal("no assignments")
	}
	id := as[0].GetId()

	op, far := e.as(operator), e.as(coordFar)
	denied := map[string]func(c pb.GuideServiceClient) error{
		"GetEligibility": func(c pb.GuideServiceClient) error {
			_, err := c.GetEligibility(ctx, &pb.GetEligibilityRequest{ParticipantId: "p-0001"})
			return err
		},
		"ListEligibility 0180": func(c pb.GuideServiceClient) error {
			_, err := c.ListEligibility(ctx, &pb.ListEligibilityRequest{MunicipalityCodes: []string{"0180"}})
			return err
		},
		"GetJob": func(c pb.GuideServiceClient) error {
			_, err := c.GetJob(ctx, &pb.GetJobRequest{Id: job.GetId()})
			return err
		},
		"ListUnassigned": func(c pb.GuideServiceClient) error {
			_, err := c.ListUnassigned(ctx, &pb.ListUnassignedRequest{JobId: job.GetId()})
			return err
		},
		"GetAssignment": func(c pb.GuideServiceClient) error {
			_, err := c.GetAssignment(ctx, &pb.GetAssignmentRequest{Id: id})
			return err
		},
		"ApproveAssignment": func(c pb.GuideServiceClient) error {
			_, err := c.ApproveAssignment(ctx, &pb.ApproveAssignmentRequest{Id: id})
			return err
		},
		"EndAssignment": func(c pb.GuideServiceClient) error {
			_, err := c.EndAssignment(ctx, &pb.EndAssignmentRequest{Id: id, Reason: 1})
			return err
		},
		"GetEquity 0180": func(c pb.GuideServiceClient) error {
			_, err := c.GetEquity(ctx, &pb.GetEquityRequest{MunicipalityCodes: []string{"0180"}})
			return err
		},
		"StartAssignmentJob 0180": func(c pb.GuideServiceClient) error {
			_, err := c.StartAssignmentJob(ctx, &pb.StartAssignmentJobRequest{RequestId: "x", MunicipalityCodes: []string{"0180"}})
			return err
		},
		"UpdateEligibilityRules": func(c pb.GuideServiceClient) error {
			_, err := c.UpdateEligibilityRules(ctx, &pb.UpdateEligibilityRulesRequest{Rules: &pb.EligibilityRules{EstablishmentMonths: 24}, Etag: "x"})
			return err
		},
	}
	for name, call := range denied {
		for who, c := range map[string]pb.GuideServiceClient{"operator": op, "coordinator elsewhere": far} {
			switch err := call(c); code(err) {
			case codes.PermissionDenied, codes.NotFound:
			default:
				t.Errorf("%s as %s: %v, want PermissionDenied or NotFound", name, who, err)
			}
		}
	}
	// Lists a far coordinator may call show nothing of 0180.
	res, err := far.ListAssignments(ctx, &pb.ListAssignmentsRequest{})
	if err != nil || len(res.GetAssignments()) != 0 {
		t.Errorf("far coordinator lists %d assignments (%v)", len(res.GetAssignments()), err)
	}
	orgs, err := far.ListGuideOrganisations(ctx, &pb.ListGuideOrganisationsRequest{})
	if err != nil || len(orgs.GetOrganisations()) != 0 {
		t.Errorf("far coordinator sees %d organisations' 0180 units (%v)", len(orgs.GetOrganisations()), err)
	}
}
