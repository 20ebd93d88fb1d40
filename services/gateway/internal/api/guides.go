package api

import (
	"context"

	"connectrpc.com/connect"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	guidesv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	"github.com/motesplats/motesplats/services/gateway/internal/core"
)

// guidesAPI implements GuidesService on its own type, so its method names
// can never collide with another service's on Server.
type guidesAPI struct{ *Server }

// ListGuideEligibility implements GuidesService.
func (s guidesAPI) ListGuideEligibility(ctx context.Context, req *connect.Request[gatewayv1.ListGuideEligibilityRequest]) (*connect.Response[gatewayv1.ListGuideEligibilityResponse], error) {
	res, err := s.g.ListGuideEligibility(ctx, caller(ctx), req.Msg)
	return reply(s.Server, ctx, res, err)
}

// GetGuideEligibilityRules implements GuidesService.
func (s guidesAPI) GetGuideEligibilityRules(ctx context.Context, _ *connect.Request[gatewayv1.GetGuideEligibilityRulesRequest]) (*connect.Response[gatewayv1.GetGuideEligibilityRulesResponse], error) {
	res, err := s.g.GetGuideEligibilityRules(ctx, caller(ctx))
	return reply(s.Server, ctx, &gatewayv1.GetGuideEligibilityRulesResponse{Rules: res.GetRules(), Version: res.GetVersion()}, err)
}

// UpdateGuideEligibilityRules implements GuidesService.
func (s guidesAPI) UpdateGuideEligibilityRules(ctx context.Context, req *connect.Request[gatewayv1.UpdateGuideEligibilityRulesRequest]) (*connect.Response[gatewayv1.UpdateGuideEligibilityRulesResponse], error) {
	res, err := s.g.UpdateGuideEligibilityRules(ctx, caller(ctx), req.Msg.GetRules(), req.Msg.GetEtag())
	return reply(s.Server, ctx, &gatewayv1.UpdateGuideEligibilityRulesResponse{Rules: res.GetRules(), Version: res.GetVersion()}, err)
}

// ListGuideOrganisations implements GuidesService.
func (s guidesAPI) ListGuideOrganisations(ctx context.Context, req *connect.Request[gatewayv1.ListGuideOrganisationsRequest]) (*connect.Response[gatewayv1.ListGuideOrganisationsResponse], error) {
	res, err := s.g.ListGuideOrganisations(ctx, caller(ctx), req.Msg)
	return reply(s.Server, ctx, res, err)
}

// StartGuideJob implements GuidesService.
func (s guidesAPI) StartGuideJob(ctx context.Context, req *connect.Request[gatewayv1.StartGuideJobRequest]) (*connect.Response[gatewayv1.StartGuideJobResponse], error) {
	j, err := s.g.StartGuideJob(ctx, caller(ctx), req.Msg)
	return reply(s.Server, ctx, &gatewayv1.StartGuideJobResponse{Job: j}, err)
}

// GetGuideJob implements GuidesService.
func (s guidesAPI) GetGuideJob(ctx context.Context, req *connect.Request[gatewayv1.GetGuideJobRequest]) (*connect.Response[gatewayv1.GetGuideJobResponse], error) {
	j, err := s.g.GetGuideJob(ctx, caller(ctx), req.Msg.GetId())
	return reply(s.Server, ctx, &gatewayv1.GetGuideJobResponse{Job: j}, err)
}

// ListGuideJobs implements GuidesService.
func (s guidesAPI) ListGuideJobs(ctx context.Context, req *connect.Request[gatewayv1.ListGuideJobsRequest]) (*connect.Response[gatewayv1.ListGuideJobsResponse], error) {
	js, next, err := s.g.ListGuideJobs(ctx, caller(ctx), req.Msg.GetPageSize(), req.Msg.GetPageToken())
	return reply(s.Server, ctx, &gatewayv1.ListGuideJobsResponse{Jobs: js, NextPageToken: next}, err)
}

// WatchGuideJob implements GuidesService: the job after every change.
func (s guidesAPI) WatchGuideJob(ctx context.Context, req *connect.Request[gatewayv1.WatchGuideJobRequest], stream *connect.ServerStream[gatewayv1.WatchGuideJobResponse]) error {
	err := s.g.WatchGuideJob(ctx, caller(ctx), req.Msg.GetId(), func(j *guidesv1.Job) error {
		return stream.Send(&gatewayv1.WatchGuideJobResponse{Job: j})
	})
	if err != nil {
		return s.toConnect(ctx, err)
	}
	return nil
}

// ListGuideAssignments implements GuidesService.
func (s guidesAPI) ListGuideAssignments(ctx context.Context, req *connect.Request[gatewayv1.ListGuideAssignmentsRequest]) (*connect.Response[gatewayv1.ListGuideAssignmentsResponse], error) {
	res, err := s.g.ListGuideAssignments(ctx, caller(ctx), req.Msg)
	return reply(s.Server, ctx, res, err)
}

func (s guidesAPI) change(ctx context.Context, id string, a core.GuideAction) (*gatewayv1.GuideAssignmentView, error) {
	return s.g.ChangeGuideAssignment(ctx, caller(ctx), id, a)
}

// ApproveGuideAssignment implements GuidesService.
func (s guidesAPI) ApproveGuideAssignment(ctx context.Context, req *connect.Request[gatewayv1.ApproveGuideAssignmentRequest]) (*connect.Response[gatewayv1.ApproveGuideAssignmentResponse], error) {
	v, err := s.change(ctx, req.Msg.GetId(), core.GuideAction{Action: "approve"})
	return reply(s.Server, ctx, &gatewayv1.ApproveGuideAssignmentResponse{Assignment: v}, err)
}

// RejectGuideAssignment implements GuidesService.
func (s guidesAPI) RejectGuideAssignment(ctx context.Context, req *connect.Request[gatewayv1.RejectGuideAssignmentRequest]) (*connect.Response[gatewayv1.RejectGuideAssignmentResponse], error) {
	v, err := s.change(ctx, req.Msg.GetId(), core.GuideAction{Action: "reject", RejectReason: req.Msg.GetReason()})
	return reply(s.Server, ctx, &gatewayv1.RejectGuideAssignmentResponse{Assignment: v}, err)
}

// AcceptGuideAssignment implements GuidesService.
func (s guidesAPI) AcceptGuideAssignment(ctx context.Context, req *connect.Request[gatewayv1.AcceptGuideAssignmentRequest]) (*connect.Response[gatewayv1.AcceptGuideAssignmentResponse], error) {
	v, err := s.change(ctx, req.Msg.GetId(), core.GuideAction{Action: "accept", Party: req.Msg.GetParty()})
	return reply(s.Server, ctx, &gatewayv1.AcceptGuideAssignmentResponse{Assignment: v}, err)
}

// DeclineGuideAssignment implements GuidesService.
func (s guidesAPI) DeclineGuideAssignment(ctx context.Context, req *connect.Request[gatewayv1.DeclineGuideAssignmentRequest]) (*connect.Response[gatewayv1.DeclineGuideAssignmentResponse], error) {
	v, err := s.change(ctx, req.Msg.GetId(), core.GuideAction{Action: "decline", Party: req.Msg.GetParty(), DeclineReason: req.Msg.GetReason()})
	return reply(s.Server, ctx, &gatewayv1.DeclineGuideAssignmentResponse{Assignment: v}, err)
}

// ActivateGuideAssignment implements GuidesService.
func (s guidesAPI) ActivateGuideAssignment(ctx context.Context, req *connect.Request[gatewayv1.ActivateGuideAssignmentRequest]) (*connect.Response[gatewayv1.ActivateGuideAssignmentResponse], error) {
	v, err := s.change(ctx, req.Msg.GetId(), core.GuideAction{Action: "activate"})
	return reply(s.Server, ctx, &gatewayv1.ActivateGuideAssignmentResponse{Assignment: v}, err)
}

// EndGuideAssignment implements GuidesService.
func (s guidesAPI) EndGuideAssignment(ctx context.Context, req *connect.Request[gatewayv1.EndGuideAssignmentRequest]) (*connect.Response[gatewayv1.EndGuideAssignmentResponse], error) {
	v, err := s.change(ctx, req.Msg.GetId(), core.GuideAction{Action: "end", EndReason: req.Msg.GetReason()})
	return reply(s.Server, ctx, &gatewayv1.EndGuideAssignmentResponse{Assignment: v}, err)
}

// GetGuideEquity implements GuidesService.
func (s guidesAPI) GetGuideEquity(ctx context.Context, req *connect.Request[gatewayv1.GetGuideEquityRequest]) (*connect.Response[gatewayv1.GetGuideEquityResponse], error) {
	res, err := s.g.GuideEquity(ctx, caller(ctx), req.Msg)
	return reply(s.Server, ctx, &gatewayv1.GetGuideEquityResponse{Rows: res.GetRows(), Csv: res.GetCsv(), Reasons: res.GetReasons()}, err)
}

// ListGuideUnassigned implements GuidesService.
func (s guidesAPI) ListGuideUnassigned(ctx context.Context, req *connect.Request[gatewayv1.ListGuideUnassignedRequest]) (*connect.Response[gatewayv1.ListGuideUnassignedResponse], error) {
	res, err := s.g.ListGuideUnassigned(ctx, caller(ctx), req.Msg)
	return reply(s.Server, ctx, res, err)
}
