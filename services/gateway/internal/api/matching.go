package api

import (
	"context"

	"connectrpc.com/connect"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/services/gateway/internal/core"
)

// StartMatchingJob implements MatchingService.
func (s *Server) StartMatchingJob(ctx context.Context, req *connect.Request[gatewayv1.StartMatchingJobRequest]) (*connect.Response[gatewayv1.StartMatchingJobResponse], error) {
	j, err := s.g.StartJob(ctx, caller(ctx), req.Msg.GetRequestId(), req.Msg.GetOrganisationId(), req.Msg.GetMunicipalityCodes())
	return reply(s, ctx, &gatewayv1.StartMatchingJobResponse{Job: j}, err)
}

// GetMatchingJob implements MatchingService.
func (s *Server) GetMatchingJob(ctx context.Context, req *connect.Request[gatewayv1.GetMatchingJobRequest]) (*connect.Response[gatewayv1.GetMatchingJobResponse], error) {
	j, err := s.g.GetJob(ctx, caller(ctx), req.Msg.GetId())
	return reply(s, ctx, &gatewayv1.GetMatchingJobResponse{Job: j}, err)
}

// ListMatchingJobs implements MatchingService.
func (s *Server) ListMatchingJobs(ctx context.Context, req *connect.Request[gatewayv1.ListMatchingJobsRequest]) (*connect.Response[gatewayv1.ListMatchingJobsResponse], error) {
	js, next, err := s.g.ListJobs(ctx, caller(ctx), req.Msg.GetPageSize(), req.Msg.GetPageToken())
	return reply(s, ctx, &gatewayv1.ListMatchingJobsResponse{Jobs: js, NextPageToken: next}, err)
}

// GetPair implements MatchingService.
func (s *Server) GetPair(ctx context.Context, req *connect.Request[gatewayv1.GetPairRequest]) (*connect.Response[gatewayv1.GetPairResponse], error) {
	p, err := s.g.GetPair(ctx, caller(ctx), req.Msg.GetId())
	return reply(s, ctx, &gatewayv1.GetPairResponse{Pair: p}, err)
}

// ListPairs implements MatchingService.
func (s *Server) ListPairs(ctx context.Context, req *connect.Request[gatewayv1.ListPairsRequest]) (*connect.Response[gatewayv1.ListPairsResponse], error) {
	res, err := s.g.ListPairs(ctx, caller(ctx), req.Msg)
	return reply(s, ctx, res, err)
}

// ListUnmatchedNewcomers implements MatchingService.
func (s *Server) ListUnmatchedNewcomers(ctx context.Context, req *connect.Request[gatewayv1.ListUnmatchedNewcomersRequest]) (*connect.Response[gatewayv1.ListUnmatchedNewcomersResponse], error) {
	res, err := s.g.ListUnmatchedNewcomers(ctx, caller(ctx), req.Msg)
	return reply(s, ctx, res, err)
}

// ListWaitingNewcomers implements MatchingService.
func (s *Server) ListWaitingNewcomers(ctx context.Context, req *connect.Request[gatewayv1.ListWaitingNewcomersRequest]) (*connect.Response[gatewayv1.ListWaitingNewcomersResponse], error) {
	res, err := s.g.ListWaitingNewcomers(ctx, caller(ctx), req.Msg)
	return reply(s, ctx, res, err)
}

func (s *Server) change(ctx context.Context, id string, a core.PairAction) (*gatewayv1.PairView, error) {
	return s.g.ChangePair(ctx, caller(ctx), id, a)
}

// ApprovePair implements MatchingService.
func (s *Server) ApprovePair(ctx context.Context, req *connect.Request[gatewayv1.ApprovePairRequest]) (*connect.Response[gatewayv1.ApprovePairResponse], error) {
	p, err := s.change(ctx, req.Msg.GetId(), core.PairAction{Action: "approve"})
	return reply(s, ctx, &gatewayv1.ApprovePairResponse{Pair: p}, err)
}

// RejectPair implements MatchingService.
func (s *Server) RejectPair(ctx context.Context, req *connect.Request[gatewayv1.RejectPairRequest]) (*connect.Response[gatewayv1.RejectPairResponse], error) {
	p, err := s.change(ctx, req.Msg.GetId(), core.PairAction{Action: "reject", RejectReason: req.Msg.GetReason()})
	return reply(s, ctx, &gatewayv1.RejectPairResponse{Pair: p}, err)
}

// ReplaceCandidate implements MatchingService.
func (s *Server) ReplaceCandidate(ctx context.Context, req *connect.Request[gatewayv1.ReplaceCandidateRequest]) (*connect.Response[gatewayv1.ReplaceCandidateResponse], error) {
	p, err := s.change(ctx, req.Msg.GetId(), core.PairAction{Action: "replace", VolunteerID: req.Msg.GetVolunteerId()})
	return reply(s, ctx, &gatewayv1.ReplaceCandidateResponse{Pair: p}, err)
}

// AcceptOffer implements MatchingService.
func (s *Server) AcceptOffer(ctx context.Context, req *connect.Request[gatewayv1.AcceptOfferRequest]) (*connect.Response[gatewayv1.AcceptOfferResponse], error) {
	p, err := s.change(ctx, req.Msg.GetId(), core.PairAction{Action: "accept", Party: req.Msg.GetParty()})
	return reply(s, ctx, &gatewayv1.AcceptOfferResponse{Pair: p}, err)
}

// DeclineOffer implements MatchingService.
func (s *Server) DeclineOffer(ctx context.Context, req *connect.Request[gatewayv1.DeclineOfferRequest]) (*connect.Response[gatewayv1.DeclineOfferResponse], error) {
	p, err := s.change(ctx, req.Msg.GetId(), core.PairAction{Action: "decline", Party: req.Msg.GetParty(), DeclineReason: req.Msg.GetReason()})
	return reply(s, ctx, &gatewayv1.DeclineOfferResponse{Pair: p}, err)
}

// RecordCheckIn implements MatchingService.
func (s *Server) RecordCheckIn(ctx context.Context, req *connect.Request[gatewayv1.RecordCheckInRequest]) (*connect.Response[gatewayv1.RecordCheckInResponse], error) {
	p, err := s.change(ctx, req.Msg.GetId(), core.PairAction{Action: "check_in", CheckIn: req.Msg.GetCheckIn()})
	return reply(s, ctx, &gatewayv1.RecordCheckInResponse{Pair: p}, err)
}

// EndPair implements MatchingService.
func (s *Server) EndPair(ctx context.Context, req *connect.Request[gatewayv1.EndPairRequest]) (*connect.Response[gatewayv1.EndPairResponse], error) {
	p, err := s.change(ctx, req.Msg.GetId(), core.PairAction{Action: "end", EndReason: req.Msg.GetReason()})
	return reply(s, ctx, &gatewayv1.EndPairResponse{Pair: p}, err)
}

// GetMentoringReport implements MatchingService.
func (s *Server) GetMentoringReport(ctx context.Context, req *connect.Request[gatewayv1.GetMentoringReportRequest]) (*connect.Response[gatewayv1.GetMentoringReportResponse], error) {
	r, err := s.g.MentoringReport(ctx, caller(ctx), req.Msg)
	return reply(s, ctx, &gatewayv1.GetMentoringReportResponse{Report: r}, err)
}
