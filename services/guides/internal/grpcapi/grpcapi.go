// Package grpcapi serves motesplats.guides.v1.GuideService: it validates
// every request (all field violations at once), calls guides.Service with
// the caller's verified identity, and lets pkg/grpcx map domain errors to
// status codes.
package grpcapi

import (
	"context"
	"fmt"
	"strings"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/auth"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/jobs"
	"github.com/motesplats/motesplats/pkg/municipality"
	"github.com/motesplats/motesplats/pkg/page"
	"github.com/motesplats/motesplats/services/guides/internal/assign"
	"github.com/motesplats/motesplats/services/guides/internal/eligibility"
	"github.com/motesplats/motesplats/services/guides/internal/guides"
)

// Server implements pb.GuideServiceServer.
type Server struct {
	pb.UnimplementedGuideServiceServer
	svc *guides.Service
}

var _ pb.GuideServiceServer = (*Server)(nil)

// New returns a Server over svc.
func New(svc *guides.Service) *Server { return &Server{svc: svc} }

// caller is the identity the auth interceptor verified (auth.Require:
// without it the server was wired wrong, and it refuses, never guesses).
var caller = auth.Require

// checkID records a violation unless id is a valid id.
func checkID(v *apperr.Validator, field, id string) {
	v.Check(ids.Valid(id), field, "is required: a valid id")
}

// checkMunis validates a municipality list (at most
// guides.MaxMunicipalities: the nation; each an SCB code, once).
func checkMunis(v *apperr.Validator, munis []string) {
	if len(munis) > guides.MaxMunicipalities {
		v.Add("municipality_codes", fmt.Sprintf("at most %d", guides.MaxMunicipalities))
		return
	}
	seen := map[string]bool{}
	for k, m := range munis {
		f := fmt.Sprintf("municipality_codes[%d]", k)
		switch {
		case !municipality.Valid(m):
			v.Add(f, "is not an SCB municipality code")
		case seen[m]:
			v.Add(f, "is listed twice")
		}
		seen[m] = true
	}
}

func eligibilityProto(e guides.Eligibility) *pb.Eligibility {
	out := &pb.Eligibility{ParticipantId: e.ParticipantID, MunicipalityCode: e.Municipality,
		Entitlement: pb.Entitlement_ENTITLEMENT_NOT_ENTITLED, Reasons: e.Reasons, RulesVersion: e.Version}
	if e.Entitled {
		out.Entitlement = pb.Entitlement_ENTITLEMENT_ENTITLED
	}
	if !e.PeriodEnd.IsZero() {
		out.PeriodEndDate = e.PeriodEnd.Format("2006-01-02")
	}
	return out
}

// GetEligibility returns one newcomer's eligibility.
func (s *Server) GetEligibility(ctx context.Context, req *pb.GetEligibilityRequest) (*pb.GetEligibilityResponse, error) {
	who, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var v apperr.Validator
	checkID(&v, "participant_id", req.GetParticipantId())
	if err := v.Err(); err != nil {
		return nil, err
	}
	e, err := s.svc.GetEligibility(who, req.GetParticipantId())
	if err != nil {
		return nil, err
	}
	return &pb.GetEligibilityResponse{Eligibility: eligibilityProto(e)}, nil
}

// ListEligibility pages through eligibility.
func (s *Server) ListEligibility(ctx context.Context, req *pb.ListEligibilityRequest) (*pb.ListEligibilityResponse, error) {
	who, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var v apperr.Validator
	checkMunis(&v, req.GetMunicipalityCodes())
	if _, ok := pb.Entitlement_name[int32(req.GetEntitlement())]; !ok {
		v.Add("entitlement", "is not a known value")
	}
	size, after := page.Check(&v, req.GetPageSize(), req.GetPageToken())
	if err := v.Err(); err != nil {
		return nil, err
	}
	var want *bool
	if e := req.GetEntitlement(); e != pb.Entitlement_ENTITLEMENT_UNSPECIFIED {
		b := e == pb.Entitlement_ENTITLEMENT_ENTITLED
		want = &b
	}
	es, next, total, err := s.svc.ListEligibility(who, req.GetMunicipalityCodes(), want, size, after)
	if err != nil {
		return nil, err
	}
	out := &pb.ListEligibilityResponse{TotalSize: int32(total)}
	for _, e := range es {
		out.Eligibility = append(out.Eligibility, eligibilityProto(e))
	}
	if next != "" {
		out.NextPageToken = page.Encode(next)
	}
	return out, nil
}

// checkRulesOrg refuses per-organisation eligibility rules: the right to a
// guide is national (README).
func checkRulesOrg(v *apperr.Validator, org string) {
	v.Check(org == "", "organisation_id", "must be empty: eligibility rules are national, one set for everyone")
}

// GetEligibilityRules returns the rules in force.
func (s *Server) GetEligibilityRules(ctx context.Context, req *pb.GetEligibilityRulesRequest) (*pb.GetEligibilityRulesResponse, error) {
	who, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var v apperr.Validator
	checkRulesOrg(&v, req.GetOrganisationId())
	if err := v.Err(); err != nil {
		return nil, err
	}
	c, version, err := s.svc.GetRules(who)
	if err != nil {
		return nil, err
	}
	return &pb.GetEligibilityRulesResponse{Rules: guides.CriteriaProto(c), Version: version}, nil
}

// UpdateEligibilityRules changes the rules (administrators only).
func (s *Server) UpdateEligibilityRules(ctx context.Context, req *pb.UpdateEligibilityRulesRequest) (*pb.UpdateEligibilityRulesResponse, error) {
	who, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var v apperr.Validator
	checkRulesOrg(&v, req.GetOrganisationId())
	r := req.GetRules()
	v.Check(r != nil, "rules", "is required")
	if r != nil {
		v.Check(r.GetEstablishmentMonths() >= 1 && r.GetEstablishmentMonths() <= 60, "rules.establishment_months", "must be from 1 to 60")
	}
	v.Check(req.GetEtag() != "" && len(req.GetEtag()) <= 64, "etag", "is required: the version you read")
	if err := v.Err(); err != nil {
		return nil, err
	}
	c := eligibility.Criteria{RequirePermit: r.GetRequirePermit(), EstablishmentMonths: int(r.GetEstablishmentMonths()),
		RequireEnrolled: r.GetRequireEnrolled(), FullTimeLeaveExcludes: r.GetFullTimeParentalLeaveExcludes(),
		PartTimeLeaveExcludes: r.GetPartTimeParentalLeaveExcludes()}
	got, version, err := s.svc.UpdateRules(ctx, who, c, req.GetEtag())
	if err != nil {
		return nil, err
	}
	return &pb.UpdateEligibilityRulesResponse{Rules: guides.CriteriaProto(got), Version: version}, nil
}

// ListGuideOrganisations pages through guide organisations with caseloads.
func (s *Server) ListGuideOrganisations(ctx context.Context, req *pb.ListGuideOrganisationsRequest) (*pb.ListGuideOrganisationsResponse, error) {
	who, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var v apperr.Validator
	size, after := page.Check(&v, req.GetPageSize(), req.GetPageToken())
	if err := v.Err(); err != nil {
		return nil, err
	}
	os, next, err := s.svc.ListOrganisations(who, size, after)
	if err != nil {
		return nil, err
	}
	out := &pb.ListGuideOrganisationsResponse{Organisations: os}
	if next != "" {
		out.NextPageToken = page.Encode(next)
	}
	return out, nil
}

var quotaFamilies = map[pb.QuotaKind]assign.Family{
	pb.QuotaKind_QUOTA_KIND_GENDER_PER_MUNICIPALITY: assign.GenderPerMunicipality,
	pb.QuotaKind_QUOTA_KIND_MUNICIPALITY_TOTAL:      assign.MunicipalityTotal,
	pb.QuotaKind_QUOTA_KIND_LANGUAGE:                assign.Language,
}

// StartAssignmentJob queues a job.
func (s *Server) StartAssignmentJob(ctx context.Context, req *pb.StartAssignmentJobRequest) (*pb.StartAssignmentJobResponse, error) {
	who, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var v apperr.Validator
	checkMunis(&v, req.GetMunicipalityCodes())
	var p guides.Params
	if len(req.GetQuotas()) > len(quotaFamilies) {
		v.Add("quotas", fmt.Sprintf("at most %d", len(quotaFamilies)))
	} else {
		for k, q := range req.GetQuotas() {
			f, ok := quotaFamilies[q]
			if !ok {
				v.Add(fmt.Sprintf("quotas[%d]", k), "is not a known quota kind")
				continue
			}
			p.Quotas = append(p.Quotas, f)
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	j, err := s.svc.StartJob(ctx, who, req.GetRequestId(), req.GetMunicipalityCodes(), p)
	if err != nil {
		return nil, err
	}
	return &pb.StartAssignmentJobResponse{Job: jobProto(j)}, nil
}

// GetJob returns a job.
func (s *Server) GetJob(ctx context.Context, req *pb.GetJobRequest) (*pb.GetJobResponse, error) {
	who, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	j, err := s.svc.Jobs().GetAs(ctx, who, req.GetId())
	if err != nil {
		return nil, err
	}
	return &pb.GetJobResponse{Job: jobProto(j)}, nil
}

// jobProto is guides' job message. It carries the attempts as the
// mentoring and dinners jobs do: a job taken over by another replica
// says so on its page (ADR 0199).
func jobProto(j jobs.Job) *pb.Job {
	out := &pb.Job{Id: j.ID, MunicipalityCodes: j.Municipalities, Phase: j.Phase, ProgressPercent: int32(j.Progress),
		Counts: j.Counts, RulesVersion: j.Version, ErrorMessage: j.Error,
		Objective: j.Counts["objective"], Bound: j.Counts["bound"], CreateTime: timestamppb.New(j.Created),
		OrganisationId: j.Organisation, Attempts: int32(j.Attempts)}
	if !j.Started.IsZero() {
		out.StartTime = timestamppb.New(j.Started)
	}
	switch j.State {
	case jobs.Queued:
		out.State = pb.JobState_JOB_STATE_QUEUED
	case jobs.Running:
		out.State = pb.JobState_JOB_STATE_RUNNING
	case jobs.Succeeded:
		out.State = pb.JobState_JOB_STATE_SUCCEEDED
	case jobs.Failed:
		out.State = pb.JobState_JOB_STATE_FAILED
	}
	if !j.Finished.IsZero() {
		out.FinishTime = timestamppb.New(j.Finished)
	}
	return out
}

// ListAssignments pages through assignments.
func (s *Server) ListAssignments(ctx context.Context, req *pb.ListAssignmentsRequest) (*pb.ListAssignmentsResponse, error) {
	who, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var v apperr.Validator
	if req.GetJobId() != "" {
		// In every programme's words for a job id (ADR 0180).
		jobs.CheckID(&v, "job_id", req.GetJobId())
	}
	if m := req.GetMunicipalityCode(); m != "" {
		v.Check(municipality.Valid(m), "municipality_code", "is not an SCB municipality code")
	}
	if id := req.GetParticipantId(); id != "" {
		v.Check(ids.Valid(id), "participant_id", "is not an id")
	}
	if len(req.GetStatuses()) > 8 {
		v.Add("statuses", "at most 8")
	} else {
		seen := map[eventsv1.AssignmentStatus]bool{}
		for k, st := range req.GetStatuses() {
			_, ok := eventsv1.AssignmentStatus_name[int32(st)]
			v.Check(ok && st != 0 && !seen[st], fmt.Sprintf("statuses[%d]", k), "is not a known status, or is listed twice")
			seen[st] = true
		}
	}
	size, after := page.Check(&v, req.GetPageSize(), req.GetPageToken())
	if err := v.Err(); err != nil {
		return nil, err
	}
	as, next, total, err := s.svc.ListAssignments(ctx, who, guides.AssignmentFilter{Job: req.GetJobId(), Municipality: req.GetMunicipalityCode(),
		Participant: req.GetParticipantId(), Statuses: req.GetStatuses()}, size, after)
	if err != nil {
		return nil, err
	}
	out := &pb.ListAssignmentsResponse{Assignments: as, TotalSize: int32(total)}
	if next != "" {
		out.NextPageToken = page.Encode(next)
	}
	return out, nil
}

// GetAssignment returns one assignment the caller may see.
func (s *Server) GetAssignment(ctx context.Context, req *pb.GetAssignmentRequest) (*pb.GetAssignmentResponse, error) {
	who, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var v apperr.Validator
	checkID(&v, "id", req.GetId())
	if err := v.Err(); err != nil {
		return nil, err
	}
	a, err := s.svc.ReadAssignment(ctx, who, req.GetId())
	if err != nil {
		return nil, err
	}
	return &pb.GetAssignmentResponse{Assignment: a}, nil
}

var dimensions = map[string]pb.EquityDimension{
	guides.DimGender: pb.EquityDimension_EQUITY_DIMENSION_GENDER, guides.DimLanguage: pb.EquityDimension_EQUITY_DIMENSION_LANGUAGE,
	guides.DimMunicipality: pb.EquityDimension_EQUITY_DIMENSION_MUNICIPALITY, guides.DimAgeBand: pb.EquityDimension_EQUITY_DIMENSION_AGE_BAND,
	guides.DimParentalLeave: pb.EquityDimension_EQUITY_DIMENSION_PARENTAL_LEAVE, guides.DimHousehold: pb.EquityDimension_EQUITY_DIMENSION_HOUSEHOLD_TYPE,
}

// GetEquity returns the equity figures.
func (s *Server) GetEquity(ctx context.Context, req *pb.GetEquityRequest) (*pb.GetEquityResponse, error) {
	who, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var v apperr.Validator
	checkMunis(&v, req.GetMunicipalityCodes())
	v.Check(req.GetMinGroupSize() >= 0 && req.GetMinGroupSize() <= 1000, "min_group_size", "must be from 0 to 1,000")
	if err := v.Err(); err != nil {
		return nil, err
	}
	ts, err := s.svc.Equity(who, req.GetMunicipalityCodes(), int(req.GetMinGroupSize()))
	if err != nil {
		return nil, err
	}
	rs, err := s.svc.Reasons(who, req.GetMunicipalityCodes())
	if err != nil {
		return nil, err
	}
	out := &pb.GetEquityResponse{Csv: guides.EquityCSV(ts)}
	for _, r := range rs {
		out.Reasons = append(out.Reasons, &pb.ReasonCount{Status: r.Status, Reason: r.Reason, Party: r.Party,
			Words: r.Words, Count: int32(r.Count)})
	}
	for _, t := range ts {
		for _, r := range t.Rows {
			row := &pb.EquityRow{Dimension: dimensions[t.Dim], Group: strings.Clone(r.Value), Entitled: int32(r.Size),
				WithGuide: int32(r.Matched), Share: r.Share, MedianDays: -1, Flagged: r.Flagged}
			if r.Wait.N > 0 {
				row.MedianDays = r.Wait.Median.Hours() / 24
			}
			out.Rows = append(out.Rows, row)
		}
	}
	return out, nil
}
