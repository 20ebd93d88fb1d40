package api

import (
	"context"

	"connectrpc.com/connect"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
)

// ListDeadLetters implements OpsService.
func (s *Server) ListDeadLetters(ctx context.Context, req *connect.Request[gatewayv1.ListDeadLettersRequest]) (*connect.Response[gatewayv1.ListDeadLettersResponse], error) {
	res, err := s.g.ListDeadLetters(ctx, caller(ctx), req.Msg)
	return reply(s, ctx, res, err)
}

// GetDeadLetter implements OpsService.
func (s *Server) GetDeadLetter(ctx context.Context, req *connect.Request[gatewayv1.GetDeadLetterRequest]) (*connect.Response[gatewayv1.GetDeadLetterResponse], error) {
	dl, err := s.g.GetDeadLetter(ctx, caller(ctx), req.Msg.GetId())
	return reply(s, ctx, &gatewayv1.GetDeadLetterResponse{DeadLetter: dl}, err)
}

// ReplayDeadLetter implements OpsService.
func (s *Server) ReplayDeadLetter(ctx context.Context, req *connect.Request[gatewayv1.ReplayDeadLetterRequest]) (*connect.Response[gatewayv1.ReplayDeadLetterResponse], error) {
	err := s.g.ReplayDeadLetter(ctx, caller(ctx), req.Msg.GetId())
	return reply(s, ctx, &gatewayv1.ReplayDeadLetterResponse{}, err)
}

// DiscardDeadLetter implements OpsService.
func (s *Server) DiscardDeadLetter(ctx context.Context, req *connect.Request[gatewayv1.DiscardDeadLetterRequest]) (*connect.Response[gatewayv1.DiscardDeadLetterResponse], error) {
	err := s.g.DiscardDeadLetter(ctx, caller(ctx), req.Msg.GetId())
	return reply(s, ctx, &gatewayv1.DiscardDeadLetterResponse{}, err)
}
