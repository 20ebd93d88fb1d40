package api

import (
	"context"

	"connectrpc.com/connect"

	dinnersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/services/gateway/internal/core"
)

// CreateDinnerOffer implements DinnersService.
func (s *Server) CreateDinnerOffer(ctx context.Context, req *connect.Request[gatewayv1.CreateDinnerOfferRequest]) (*connect.Response[gatewayv1.CreateDinnerOfferResponse], error) {
	if req.Msg.GetValidateOnly() {
		// As CreateParticipant's: the create's checks, nothing written.
		err := s.g.ValidateDinnerOffer(ctx, caller(ctx), req.Msg.GetRequestId(), req.Msg.GetOffer())
		return reply(s, ctx, &gatewayv1.CreateDinnerOfferResponse{}, err)
	}
	v, err := s.g.CreateDinnerOffer(ctx, caller(ctx), req.Msg.GetRequestId(), req.Msg.GetOffer())
	return reply(s, ctx, &gatewayv1.CreateDinnerOfferResponse{Offer: v}, err)
}

// GetDinnerOffer implements DinnersService.
func (s *Server) GetDinnerOffer(ctx context.Context, req *connect.Request[gatewayv1.GetDinnerOfferRequest]) (*connect.Response[gatewayv1.GetDinnerOfferResponse], error) {
	v, err := s.g.GetDinnerOffer(ctx, caller(ctx), req.Msg.GetId())
	return reply(s, ctx, &gatewayv1.GetDinnerOfferResponse{Offer: v}, err)
}

// ListDinnerOffers implements DinnersService.
func (s *Server) ListDinnerOffers(ctx context.Context, req *connect.Request[gatewayv1.ListDinnerOffersRequest]) (*connect.Response[gatewayv1.ListDinnerOffersResponse], error) {
	res, err := s.g.ListDinnerOffers(ctx, caller(ctx), req.Msg)
	return reply(s, ctx, res, err)
}

// DeleteDinnerOffer implements DinnersService.
func (s *Server) DeleteDinnerOffer(ctx context.Context, req *connect.Request[gatewayv1.DeleteDinnerOfferRequest]) (*connect.Response[gatewayv1.DeleteDinnerOfferResponse], error) {
	err := s.g.DeleteDinnerOffer(ctx, caller(ctx), req.Msg.GetId())
	return reply(s, ctx, &gatewayv1.DeleteDinnerOfferResponse{}, err)
}

// CancelDinner implements DinnersService.
func (s *Server) CancelDinner(ctx context.Context, req *connect.Request[gatewayv1.CancelDinnerRequest]) (*connect.Response[gatewayv1.CancelDinnerResponse], error) {
	res, err := s.g.CancelDinner(ctx, caller(ctx), req.Msg.GetOfferId(), req.Msg.GetDate())
	return reply(s, ctx, res, err)
}

// CreateDinnerSignUp implements DinnersService.
func (s *Server) CreateDinnerSignUp(ctx context.Context, req *connect.Request[gatewayv1.CreateDinnerSignUpRequest]) (*connect.Response[gatewayv1.CreateDinnerSignUpResponse], error) {
	if req.Msg.GetValidateOnly() {
		err := s.g.ValidateDinnerSignUp(ctx, caller(ctx), req.Msg.GetRequestId(), req.Msg.GetSignUp())
		return reply(s, ctx, &gatewayv1.CreateDinnerSignUpResponse{}, err)
	}
	v, err := s.g.CreateDinnerSignUp(ctx, caller(ctx), req.Msg.GetRequestId(), req.Msg.GetSignUp())
	return reply(s, ctx, &gatewayv1.CreateDinnerSignUpResponse{SignUp: v}, err)
}

// GetDinnerSignUp implements DinnersService.
func (s *Server) GetDinnerSignUp(ctx context.Context, req *connect.Request[gatewayv1.GetDinnerSignUpRequest]) (*connect.Response[gatewayv1.GetDinnerSignUpResponse], error) {
	v, err := s.g.GetDinnerSignUp(ctx, caller(ctx), req.Msg.GetId())
	return reply(s, ctx, &gatewayv1.GetDinnerSignUpResponse{SignUp: v}, err)
}

// ListDinnerSignUps implements DinnersService.
func (s *Server) ListDinnerSignUps(ctx context.Context, req *connect.Request[gatewayv1.ListDinnerSignUpsRequest]) (*connect.Response[gatewayv1.ListDinnerSignUpsResponse], error) {
	res, err := s.g.ListDinnerSignUps(ctx, caller(ctx), req.Msg)
	return reply(s, ctx, res, err)
}

// UpdateDinnerSignUp implements DinnersService.
func (s *Server) UpdateDinnerSignUp(ctx context.Context, req *connect.Request[gatewayv1.UpdateDinnerSignUpRequest]) (*connect.Response[gatewayv1.UpdateDinnerSignUpResponse], error) {
	v, err := s.g.UpdateDinnerSignUp(ctx, caller(ctx), req.Msg)
	return reply(s, ctx, &gatewayv1.UpdateDinnerSignUpResponse{SignUp: v}, err)
}

// UpdateDinnerOffer implements DinnersService.
func (s *Server) UpdateDinnerOffer(ctx context.Context, req *connect.Request[gatewayv1.UpdateDinnerOfferRequest]) (*connect.Response[gatewayv1.UpdateDinnerOfferResponse], error) {
	v, err := s.g.UpdateDinnerOffer(ctx, caller(ctx), req.Msg)
	return reply(s, ctx, &gatewayv1.UpdateDinnerOfferResponse{Offer: v}, err)
}

// DeleteDinnerSignUp implements DinnersService.
func (s *Server) DeleteDinnerSignUp(ctx context.Context, req *connect.Request[gatewayv1.DeleteDinnerSignUpRequest]) (*connect.Response[gatewayv1.DeleteDinnerSignUpResponse], error) {
	err := s.g.DeleteDinnerSignUp(ctx, caller(ctx), req.Msg.GetId())
	return reply(s, ctx, &gatewayv1.DeleteDinnerSignUpResponse{}, err)
}

// StartDinnerJob implements DinnersService.
func (s *Server) StartDinnerJob(ctx context.Context, req *connect.Request[gatewayv1.StartDinnerJobRequest]) (*connect.Response[gatewayv1.StartDinnerJobResponse], error) {
	j, err := s.g.StartDinnerJob(ctx, caller(ctx), req.Msg.GetRequestId(), req.Msg.GetOrganisationId(), req.Msg.GetMunicipalityCodes())
	return reply(s, ctx, &gatewayv1.StartDinnerJobResponse{Job: j}, err)
}

// GetDinnerJob implements DinnersService.
func (s *Server) GetDinnerJob(ctx context.Context, req *connect.Request[gatewayv1.GetDinnerJobRequest]) (*connect.Response[gatewayv1.GetDinnerJobResponse], error) {
	j, err := s.g.GetDinnerJob(ctx, caller(ctx), req.Msg.GetId())
	return reply(s, ctx, &gatewayv1.GetDinnerJobResponse{Job: j}, err)
}

// ListDinnerJobs implements DinnersService.
func (s *Server) ListDinnerJobs(ctx context.Context, req *connect.Request[gatewayv1.ListDinnerJobsRequest]) (*connect.Response[gatewayv1.ListDinnerJobsResponse], error) {
	js, next, err := s.g.ListDinnerJobs(ctx, caller(ctx), req.Msg.GetPageSize(), req.Msg.GetPageToken())
	return reply(s, ctx, &gatewayv1.ListDinnerJobsResponse{Jobs: js, NextPageToken: next}, err)
}

// WatchDinnerJob implements DinnersService: the dinners service's stream,
// passed on message by message.
func (s *Server) WatchDinnerJob(ctx context.Context, req *connect.Request[gatewayv1.WatchDinnerJobRequest], st *connect.ServerStream[gatewayv1.WatchDinnerJobResponse]) error {
	err := s.g.WatchDinnerJob(ctx, caller(ctx), req.Msg.GetId(), func(j *dinnersv1.Job) error {
		return st.Send(&gatewayv1.WatchDinnerJobResponse{Job: j})
	})
	if err != nil {
		return s.toConnect(ctx, err)
	}
	return nil
}

// ListUnseatedParties implements DinnersService.
func (s *Server) ListUnseatedParties(ctx context.Context, req *connect.Request[gatewayv1.ListUnseatedPartiesRequest]) (*connect.Response[gatewayv1.ListUnseatedPartiesResponse], error) {
	res, err := s.g.ListUnseatedParties(ctx, caller(ctx), req.Msg)
	return reply(s, ctx, res, err)
}

// GetSeating implements DinnersService.
func (s *Server) GetSeating(ctx context.Context, req *connect.Request[gatewayv1.GetSeatingRequest]) (*connect.Response[gatewayv1.GetSeatingResponse], error) {
	v, err := s.g.GetSeating(ctx, caller(ctx), req.Msg.GetId())
	return reply(s, ctx, &gatewayv1.GetSeatingResponse{Seating: v}, err)
}

// ListSeatings implements DinnersService.
func (s *Server) ListSeatings(ctx context.Context, req *connect.Request[gatewayv1.ListSeatingsRequest]) (*connect.Response[gatewayv1.ListSeatingsResponse], error) {
	res, err := s.g.ListSeatings(ctx, caller(ctx), req.Msg)
	return reply(s, ctx, res, err)
}

func (s *Server) seat(ctx context.Context, id string, a core.SeatingAction) (*gatewayv1.SeatingView, error) {
	return s.g.ChangeSeating(ctx, caller(ctx), id, a)
}

// ApproveSeating implements DinnersService.
func (s *Server) ApproveSeating(ctx context.Context, req *connect.Request[gatewayv1.ApproveSeatingRequest]) (*connect.Response[gatewayv1.ApproveSeatingResponse], error) {
	v, err := s.seat(ctx, req.Msg.GetId(), core.SeatingAction{Action: "approve"})
	return reply(s, ctx, &gatewayv1.ApproveSeatingResponse{Seating: v}, err)
}

// RejectSeating implements DinnersService.
func (s *Server) RejectSeating(ctx context.Context, req *connect.Request[gatewayv1.RejectSeatingRequest]) (*connect.Response[gatewayv1.RejectSeatingResponse], error) {
	v, err := s.seat(ctx, req.Msg.GetId(), core.SeatingAction{Action: "reject", RejectReason: req.Msg.GetReason()})
	return reply(s, ctx, &gatewayv1.RejectSeatingResponse{Seating: v}, err)
}

// RecordRsvp implements DinnersService.
func (s *Server) RecordRsvp(ctx context.Context, req *connect.Request[gatewayv1.RecordRsvpRequest]) (*connect.Response[gatewayv1.RecordRsvpResponse], error) {
	v, err := s.seat(ctx, req.Msg.GetId(), core.SeatingAction{Action: "rsvp", Party: req.Msg.GetParty(), Accept: req.Msg.GetAccept(), DeclineReason: req.Msg.GetDeclineReason()})
	return reply(s, ctx, &gatewayv1.RecordRsvpResponse{Seating: v}, err)
}

// CancelSeating implements DinnersService.
func (s *Server) CancelSeating(ctx context.Context, req *connect.Request[gatewayv1.CancelSeatingRequest]) (*connect.Response[gatewayv1.CancelSeatingResponse], error) {
	v, err := s.seat(ctx, req.Msg.GetId(), core.SeatingAction{Action: "cancel"})
	return reply(s, ctx, &gatewayv1.CancelSeatingResponse{Seating: v}, err)
}

// RecordAttendance implements DinnersService.
func (s *Server) RecordAttendance(ctx context.Context, req *connect.Request[gatewayv1.RecordAttendanceRequest]) (*connect.Response[gatewayv1.RecordAttendanceResponse], error) {
	v, err := s.seat(ctx, req.Msg.GetId(), core.SeatingAction{Action: "attendance", Attendance: req.Msg.GetAttendance()})
	return reply(s, ctx, &gatewayv1.RecordAttendanceResponse{Seating: v}, err)
}

// RecordFeedback implements DinnersService.
func (s *Server) RecordFeedback(ctx context.Context, req *connect.Request[gatewayv1.RecordFeedbackRequest]) (*connect.Response[gatewayv1.RecordFeedbackResponse], error) {
	v, err := s.seat(ctx, req.Msg.GetId(), core.SeatingAction{Action: "feedback", Party: req.Msg.GetParty(), Feedback: req.Msg.GetFeedback()})
	return reply(s, ctx, &gatewayv1.RecordFeedbackResponse{Seating: v}, err)
}

// RecordPastSeating implements DinnersService: an admin's record of a
// dinner held before today (ADR 0269, 0275); anyone else is refused by
// the gateway before the dinners service is asked.
func (s *Server) RecordPastSeating(ctx context.Context, req *connect.Request[gatewayv1.RecordPastSeatingRequest]) (*connect.Response[gatewayv1.RecordPastSeatingResponse], error) {
	v, err := s.g.RecordPastSeating(ctx, caller(ctx), req.Msg)
	return reply(s, ctx, &gatewayv1.RecordPastSeatingResponse{Seating: v}, err)
}

// GetDinnerWaitlist implements DinnersService.
func (s *Server) GetDinnerWaitlist(ctx context.Context, req *connect.Request[gatewayv1.GetDinnerWaitlistRequest]) (*connect.Response[gatewayv1.GetDinnerWaitlistResponse], error) {
	w, err := s.g.DinnerWaitlist(ctx, caller(ctx), req.Msg.GetOrganisationId(), req.Msg.GetMunicipalityCodes())
	return reply(s, ctx, &gatewayv1.GetDinnerWaitlistResponse{Waitlist: w}, err)
}

// GetDinnerReport implements DinnersService.
func (s *Server) GetDinnerReport(ctx context.Context, req *connect.Request[gatewayv1.GetDinnerReportRequest]) (*connect.Response[gatewayv1.GetDinnerReportResponse], error) {
	r, err := s.g.DinnerReport(ctx, caller(ctx), req.Msg)
	return reply(s, ctx, &gatewayv1.GetDinnerReportResponse{Report: r}, err)
}
