// Package grpcapi serves motesplats.dinners.v1.DinnerService: it turns
// requests into calls on dinners.Service with the caller's verified
// identity, and lets pkg/grpcx map domain errors to status codes.
package grpcapi

import (
	"context"

	"github.com/motesplats/motesplats/pkg/auth"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	"github.com/motesplats/motesplats/pkg/grpcx"
	"github.com/motesplats/motesplats/pkg/jobs"
	"github.com/motesplats/motesplats/services/dinners/internal/dinners"
)

// Server implements pb.DinnerServiceServer.
type Server struct {
	pb.UnimplementedDinnerServiceServer
	svc *dinners.Service
}

var _ pb.DinnerServiceServer = (*Server)(nil)

// New returns a Server over svc.
func New(svc *dinners.Service) *Server { return &Server{svc: svc} }

// call runs fn with the identity the auth interceptor verified
// (auth.Require: without it the server was wired wrong, and it refuses,
// never guesses).
func call[T any](ctx context.Context, fn func(auth.Claims) (T, error)) (T, error) {
	c, err := auth.Require(ctx)
	if err != nil {
		var zero T
		return zero, err
	}
	return fn(c)
}

// CreateOffer records an offer.
func (s *Server) CreateOffer(ctx context.Context, req *pb.CreateOfferRequest) (*pb.CreateOfferResponse, error) {
	return call(ctx, func(who auth.Claims) (*pb.CreateOfferResponse, error) {
		if req.GetValidateOnly() {
			return &pb.CreateOfferResponse{}, s.svc.ValidateOfferCreate(who, req.GetRequestId(), req.GetOffer())
		}
		o, err := s.svc.CreateOffer(ctx, who, req.GetRequestId(), req.GetOffer())
		return &pb.CreateOfferResponse{Offer: o}, err
	})
}

// GetOffer returns an offer.
func (s *Server) GetOffer(ctx context.Context, req *pb.GetOfferRequest) (*pb.GetOfferResponse, error) {
	return call(ctx, func(who auth.Claims) (*pb.GetOfferResponse, error) {
		o, err := s.svc.GetOffer(ctx, who, req.GetId())
		return &pb.GetOfferResponse{Offer: o}, err
	})
}

// ListOffers pages through offers.
func (s *Server) ListOffers(ctx context.Context, req *pb.ListOffersRequest) (*pb.ListOffersResponse, error) {
	return call(ctx, func(who auth.Claims) (*pb.ListOffersResponse, error) {
		os, next, total, err := s.svc.ListOffers(ctx, who, req.GetMunicipalityCode(), req.GetPageSize(), req.GetPageToken())
		return &pb.ListOffersResponse{Offers: os, NextPageToken: next, TotalSize: int32(total)}, err
	})
}

// DeleteOffer removes an offer.
func (s *Server) DeleteOffer(ctx context.Context, req *pb.DeleteOfferRequest) (*pb.DeleteOfferResponse, error) {
	return call(ctx, func(who auth.Claims) (*pb.DeleteOfferResponse, error) {
		return &pb.DeleteOfferResponse{}, s.svc.DeleteOffer(ctx, who, req.GetId())
	})
}

// CancelDinner cancels one dinner of an offer.
func (s *Server) CancelDinner(ctx context.Context, req *pb.CancelDinnerRequest) (*pb.CancelDinnerResponse, error) {
	return call(ctx, func(who auth.Claims) (*pb.CancelDinnerResponse, error) {
		o, ids, err := s.svc.CancelDinner(ctx, who, req.GetOfferId(), req.GetDate())
		return &pb.CancelDinnerResponse{Offer: o, CancelledSeatingIds: ids}, err
	})
}

// CreateSignUp records a sign-up.
func (s *Server) CreateSignUp(ctx context.Context, req *pb.CreateSignUpRequest) (*pb.CreateSignUpResponse, error) {
	return call(ctx, func(who auth.Claims) (*pb.CreateSignUpResponse, error) {
		if req.GetValidateOnly() {
			return &pb.CreateSignUpResponse{}, s.svc.ValidateSignUpCreate(who, req.GetRequestId(), req.GetSignUp())
		}
		su, err := s.svc.CreateSignUp(ctx, who, req.GetRequestId(), req.GetSignUp())
		return &pb.CreateSignUpResponse{SignUp: su}, err
	})
}

// GetSignUp returns a sign-up.
func (s *Server) GetSignUp(ctx context.Context, req *pb.GetSignUpRequest) (*pb.GetSignUpResponse, error) {
	return call(ctx, func(who auth.Claims) (*pb.GetSignUpResponse, error) {
		su, err := s.svc.GetSignUp(ctx, who, req.GetId())
		return &pb.GetSignUpResponse{SignUp: su}, err
	})
}

// ListSignUps pages through sign-ups.
func (s *Server) ListSignUps(ctx context.Context, req *pb.ListSignUpsRequest) (*pb.ListSignUpsResponse, error) {
	return call(ctx, func(who auth.Claims) (*pb.ListSignUpsResponse, error) {
		sus, next, total, err := s.svc.ListSignUps(ctx, who, req.GetMunicipalityCode(), req.GetParticipantId(), req.GetPageSize(), req.GetPageToken())
		return &pb.ListSignUpsResponse{SignUps: sus, NextPageToken: next, TotalSize: int32(total)}, err
	})
}

// UpdateOffer changes an offer.
func (s *Server) UpdateOffer(ctx context.Context, req *pb.UpdateOfferRequest) (*pb.UpdateOfferResponse, error) {
	return call(ctx, func(who auth.Claims) (*pb.UpdateOfferResponse, error) {
		if req.GetValidateOnly() {
			return &pb.UpdateOfferResponse{}, s.svc.ValidateOfferUpdate(ctx, who, req.GetOffer(), req.GetUpdateMask().GetPaths(), req.GetEtag())
		}
		o, err := s.svc.UpdateOffer(ctx, who, req.GetOffer(), req.GetUpdateMask().GetPaths(), req.GetEtag())
		return &pb.UpdateOfferResponse{Offer: o}, err
	})
}

// UpdateSignUp changes a sign-up.
func (s *Server) UpdateSignUp(ctx context.Context, req *pb.UpdateSignUpRequest) (*pb.UpdateSignUpResponse, error) {
	return call(ctx, func(who auth.Claims) (*pb.UpdateSignUpResponse, error) {
		if req.GetValidateOnly() {
			return &pb.UpdateSignUpResponse{}, s.svc.ValidateSignUpUpdate(ctx, who, req.GetSignUp(), req.GetUpdateMask().GetPaths(), req.GetEtag())
		}
		su, err := s.svc.UpdateSignUp(ctx, who, req.GetSignUp(), req.GetUpdateMask().GetPaths(), req.GetEtag())
		return &pb.UpdateSignUpResponse{SignUp: su}, err
	})
}

// DeleteSignUp removes a sign-up.
func (s *Server) DeleteSignUp(ctx context.Context, req *pb.DeleteSignUpRequest) (*pb.DeleteSignUpResponse, error) {
	return call(ctx, func(who auth.Claims) (*pb.DeleteSignUpResponse, error) {
		return &pb.DeleteSignUpResponse{}, s.svc.DeleteSignUp(ctx, who, req.GetId())
	})
}

// StartMatchingJob queues a job.
func (s *Server) StartMatchingJob(ctx context.Context, req *pb.StartMatchingJobRequest) (*pb.StartMatchingJobResponse, error) {
	return call(ctx, func(who auth.Claims) (*pb.StartMatchingJobResponse, error) {
		j, err := s.svc.StartJob(ctx, who, req.GetRequestId(), req.GetOrganisationId(), req.GetMunicipalityCodes())
		return &pb.StartMatchingJobResponse{Job: j}, err
	})
}

// GetJob returns a job.
func (s *Server) GetJob(ctx context.Context, req *pb.GetJobRequest) (*pb.GetJobResponse, error) {
	return call(ctx, func(who auth.Claims) (*pb.GetJobResponse, error) {
		j, err := s.svc.GetJob(ctx, who, req.GetId())
		return &pb.GetJobResponse{Job: j}, err
	})
}

// ListJobs pages through jobs.
func (s *Server) ListJobs(ctx context.Context, req *pb.ListJobsRequest) (*pb.ListJobsResponse, error) {
	return call(ctx, func(who auth.Claims) (*pb.ListJobsResponse, error) {
		js, next, err := s.svc.ListJobs(ctx, who, req.GetPageSize(), req.GetPageToken())
		return &pb.ListJobsResponse{Jobs: js, NextPageToken: next}, err
	})
}

// WatchJob streams a job's changes.
func (s *Server) WatchJob(req *pb.WatchJobRequest, stream pb.DinnerService_WatchJobServer) error {
	_, err := call(stream.Context(), func(who auth.Claims) (struct{}, error) {
		grpcx.DeclareHeartbeat(stream.Context(), jobs.WatchHeartbeat)
		return struct{}{}, s.svc.WatchJob(stream.Context(), who, req.GetId(), func(j *pb.Job) error {
			return stream.Send(&pb.WatchJobResponse{Job: j})
		})
	})
	return err
}

// ListUnseated pages through a job's unseated parties.
func (s *Server) ListUnseated(ctx context.Context, req *pb.ListUnseatedRequest) (*pb.ListUnseatedResponse, error) {
	return call(ctx, func(who auth.Claims) (*pb.ListUnseatedResponse, error) {
		us, next, total, full, err := s.svc.ListUnseated(ctx, who, req.GetJobId(), req.GetPageSize(), req.GetPageToken())
		return &pb.ListUnseatedResponse{Unseated: us, NextPageToken: next, TotalSize: int32(total), FullDinners: full}, err
	})
}

// GetSeating returns a seating.
func (s *Server) GetSeating(ctx context.Context, req *pb.GetSeatingRequest) (*pb.GetSeatingResponse, error) {
	return call(ctx, func(who auth.Claims) (*pb.GetSeatingResponse, error) {
		p, err := s.svc.GetSeating(ctx, who, req.GetId())
		return &pb.GetSeatingResponse{Seating: p}, err
	})
}

// ListSeatings pages through seatings.
func (s *Server) ListSeatings(ctx context.Context, req *pb.ListSeatingsRequest) (*pb.ListSeatingsResponse, error) {
	return call(ctx, func(who auth.Claims) (*pb.ListSeatingsResponse, error) {
		ps, next, total, err := s.svc.ListSeatings(ctx, who, dinners.SeatingFilter{JobID: req.GetJobId(), OfferID: req.GetOfferId(),
			SignUpID: req.GetSignUpId(), Statuses: req.GetStatuses()}, req.GetPageSize(), req.GetPageToken())
		return &pb.ListSeatingsResponse{Seatings: ps, NextPageToken: next, TotalSize: int32(total)}, err
	})
}

// ApproveSeating invites both sides.
func (s *Server) ApproveSeating(ctx context.Context, req *pb.ApproveSeatingRequest) (*pb.ApproveSeatingResponse, error) {
	return call(ctx, func(who auth.Claims) (*pb.ApproveSeatingResponse, error) {
		p, err := s.svc.Approve(ctx, who, req.GetId())
		return &pb.ApproveSeatingResponse{Seating: p}, err
	})
}

// RejectSeating rejects a proposal.
func (s *Server) RejectSeating(ctx context.Context, req *pb.RejectSeatingRequest) (*pb.RejectSeatingResponse, error) {
	return call(ctx, func(who auth.Claims) (*pb.RejectSeatingResponse, error) {
		p, err := s.svc.Reject(ctx, who, req.GetId(), req.GetReason())
		return &pb.RejectSeatingResponse{Seating: p}, err
	})
}

// RecordRsvp records one side's answer.
func (s *Server) RecordRsvp(ctx context.Context, req *pb.RecordRsvpRequest) (*pb.RecordRsvpResponse, error) {
	return call(ctx, func(who auth.Claims) (*pb.RecordRsvpResponse, error) {
		p, err := s.svc.RSVP(ctx, who, req.GetId(), req.GetParty(), req.GetAccept(), req.GetDeclineReason())
		return &pb.RecordRsvpResponse{Seating: p}, err
	})
}

// CancelSeating cancels a confirmed seating for the guest.
func (s *Server) CancelSeating(ctx context.Context, req *pb.CancelSeatingRequest) (*pb.CancelSeatingResponse, error) {
	return call(ctx, func(who auth.Claims) (*pb.CancelSeatingResponse, error) {
		p, err := s.svc.CancelSeating(ctx, who, req.GetId(), req.GetRequestId())
		return &pb.CancelSeatingResponse{Seating: p}, err
	})
}

// RecordAttendance records attendance.
func (s *Server) RecordAttendance(ctx context.Context, req *pb.RecordAttendanceRequest) (*pb.RecordAttendanceResponse, error) {
	return call(ctx, func(who auth.Claims) (*pb.RecordAttendanceResponse, error) {
		p, err := s.svc.RecordAttendance(ctx, who, req.GetId(), req.GetAttendance())
		return &pb.RecordAttendanceResponse{Seating: p}, err
	})
}

// RecordPastSeating records a confirmed seating at a dinner held before
// today (admin only).
func (s *Server) RecordPastSeating(ctx context.Context, req *pb.RecordPastSeatingRequest) (*pb.RecordPastSeatingResponse, error) {
	return call(ctx, func(who auth.Claims) (*pb.RecordPastSeatingResponse, error) {
		p, err := s.svc.RecordPastSeating(ctx, who, req.GetSignUpId(), req.GetOfferId(), req.GetDate(), req.GetStartTime())
		return &pb.RecordPastSeatingResponse{Seating: p}, err
	})
}

// RecordFeedback records one side's feedback.
func (s *Server) RecordFeedback(ctx context.Context, req *pb.RecordFeedbackRequest) (*pb.RecordFeedbackResponse, error) {
	return call(ctx, func(who auth.Claims) (*pb.RecordFeedbackResponse, error) {
		p, err := s.svc.RecordFeedback(ctx, who, req.GetId(), req.GetParty(), req.GetFeedback())
		return &pb.RecordFeedbackResponse{Seating: p}, err
	})
}

// GetWaitlist returns the waitlist and host need.
func (s *Server) GetWaitlist(ctx context.Context, req *pb.GetWaitlistRequest) (*pb.GetWaitlistResponse, error) {
	return call(ctx, func(who auth.Claims) (*pb.GetWaitlistResponse, error) {
		rows, err := s.svc.Waitlist(ctx, who, req.GetOrganisationId(), req.GetMunicipalityCodes())
		return &pb.GetWaitlistResponse{Rows: rows}, err
	})
}

// GetReport returns the report.
func (s *Server) GetReport(ctx context.Context, req *pb.GetReportRequest) (*pb.GetReportResponse, error) {
	return call(ctx, func(who auth.Claims) (*pb.GetReportResponse, error) {
		rows, err := s.svc.Report(ctx, who, req.GetOrganisationId(), req.GetMunicipalityCodes(), req.GetFromMonth(), req.GetToMonth())
		if err != nil {
			return nil, err
		}
		eq, err := s.svc.Equity(ctx, who, req.GetOrganisationId(), req.GetMunicipalityCodes(), req.GetFromMonth(), req.GetToMonth())
		return &pb.GetReportResponse{Rows: rows, Equity: eq}, err
	})
}
