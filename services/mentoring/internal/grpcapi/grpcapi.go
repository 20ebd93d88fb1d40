// Package grpcapi serves motesplats.mentoring.v1.MentoringService: it turns
// requests into calls on pairs.Service with the caller's verified identity,
// and lets pkg/grpcx map domain errors to status codes.
package grpcapi

import (
	"context"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/auth"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	"github.com/motesplats/motesplats/pkg/grpcx"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/jobs"
	"github.com/motesplats/motesplats/pkg/municipality"
	"github.com/motesplats/motesplats/pkg/page"
	"github.com/motesplats/motesplats/services/mentoring/internal/pairs"
)

// Server implements pb.MentoringServiceServer.
type Server struct {
	pb.UnimplementedMentoringServiceServer
	svc *pairs.Service
}

var _ pb.MentoringServiceServer = (*Server)(nil)

// New returns a Server over svc.
func New(svc *pairs.Service) *Server { return &Server{svc: svc} }

// caller is the identity the auth interceptor verified (auth.Require:
// without it the server was wired wrong, and it refuses, never guesses).
var caller = auth.Require

// StartMatchingJob queues a job.
func (s *Server) StartMatchingJob(ctx context.Context, req *pb.StartMatchingJobRequest) (*pb.StartMatchingJobResponse, error) {
	who, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	j, err := s.svc.StartJob(ctx, who, req.GetRequestId(), req.GetOrganisationId(), req.GetMunicipalityCodes())
	if err != nil {
		return nil, err
	}
	return &pb.StartMatchingJobResponse{Job: j}, nil
}

// GetJob returns a job.
func (s *Server) GetJob(ctx context.Context, req *pb.GetJobRequest) (*pb.GetJobResponse, error) {
	who, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	j, err := s.svc.GetJob(ctx, who, req.GetId())
	if err != nil {
		return nil, err
	}
	return &pb.GetJobResponse{Job: j}, nil
}

// ListJobs pages through jobs.
func (s *Server) ListJobs(ctx context.Context, req *pb.ListJobsRequest) (*pb.ListJobsResponse, error) {
	who, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	js, next, err := s.svc.ListJobs(ctx, who, req.GetPageSize(), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	return &pb.ListJobsResponse{Jobs: js, NextPageToken: next}, nil
}

// WatchJob streams a job's changes.
func (s *Server) WatchJob(req *pb.WatchJobRequest, stream pb.MentoringService_WatchJobServer) error {
	who, err := caller(stream.Context())
	if err != nil {
		return err
	}
	grpcx.DeclareHeartbeat(stream.Context(), jobs.WatchHeartbeat)
	return s.svc.WatchJob(stream.Context(), who, req.GetId(), func(j *pb.Job) error {
		return stream.Send(&pb.WatchJobResponse{Job: j})
	})
}

// ListUnmatched pages through a job's unmatched newcomers.
func (s *Server) ListUnmatched(ctx context.Context, req *pb.ListUnmatchedRequest) (*pb.ListUnmatchedResponse, error) {
	who, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	us, next, total, err := s.svc.ListUnmatched(ctx, who, req.GetJobId(), req.GetPageSize(), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	return &pb.ListUnmatchedResponse{Unmatched: us, NextPageToken: next, TotalSize: int32(total)}, nil
}

// ListWaitingNewcomers pages through the newcomers waiting for a mentor.
func (s *Server) ListWaitingNewcomers(ctx context.Context, req *pb.ListWaitingNewcomersRequest) (*pb.ListWaitingNewcomersResponse, error) {
	who, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if id := req.GetParticipantId(); id != "" {
		// One newcomer (the newcomer's page, ADR 0279): their row or none.
		var v apperr.Validator
		page.Check(&v, req.GetPageSize(), "")
		v.Check(req.GetPageToken() == "", "page_token", "must be empty with participant_id: one newcomer is one page")
		v.Check(ids.Valid(id), "participant_id", "is not an id")
		if err := v.Err(); err != nil {
			return nil, err
		}
		w, err := s.svc.WaitingNewcomer(who, id)
		if err != nil {
			return nil, err
		}
		out := &pb.ListWaitingNewcomersResponse{}
		if w != nil {
			out.Newcomers, out.TotalSize = []*pb.WaitingNewcomer{w}, 1
		}
		return out, nil
	}
	ns, next, total, err := s.svc.ListWaiting(ctx, who, req.GetPageSize(), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	return &pb.ListWaitingNewcomersResponse{Newcomers: ns, NextPageToken: next, TotalSize: int32(total)}, nil
}

// GetPair returns a pair.
func (s *Server) GetPair(ctx context.Context, req *pb.GetPairRequest) (*pb.GetPairResponse, error) {
	who, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	p, err := s.svc.Get(ctx, who, req.GetId())
	if err != nil {
		return nil, err
	}
	return &pb.GetPairResponse{Pair: p}, nil
}

// ListPairs pages through pairs.
func (s *Server) ListPairs(ctx context.Context, req *pb.ListPairsRequest) (*pb.ListPairsResponse, error) {
	who, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if len(req.GetStatuses()) > len(eventsv1.PairStatus_name) {
		return nil, apperr.FieldError("statuses", "must list each pair status at most once")
	}
	ps, next, total, err := s.svc.List(ctx, who, pairs.ListFilter{
		JobID: req.GetJobId(), MunicipalityCode: req.GetMunicipalityCode(), ParticipantID: req.GetParticipantId(),
		VolunteerID: req.GetVolunteerId(), Statuses: req.GetStatuses(), FlagAfterWeeks: req.GetFlagAfterWeeks(),
		OnlyNeedingFollowUp: req.GetOnlyNeedingFollowUp(), Order: req.GetOrder(), EndedAfter: req.GetEndedAfter(),
	}, req.GetPageSize(), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	return &pb.ListPairsResponse{Pairs: ps, NextPageToken: next, TotalSize: int32(total)}, nil
}

// ApproveProposal approves and offers a proposal.
func (s *Server) ApproveProposal(ctx context.Context, req *pb.ApproveProposalRequest) (*pb.ApproveProposalResponse, error) {
	who, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	p, err := s.svc.Approve(ctx, who, req.GetId())
	if err != nil {
		return nil, err
	}
	return &pb.ApproveProposalResponse{Pair: p}, nil
}

// RejectProposal rejects a proposal.
func (s *Server) RejectProposal(ctx context.Context, req *pb.RejectProposalRequest) (*pb.RejectProposalResponse, error) {
	who, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	p, err := s.svc.Reject(ctx, who, req.GetId(), req.GetReason())
	if err != nil {
		return nil, err
	}
	return &pb.RejectProposalResponse{Pair: p}, nil
}

// ReplaceCandidate replaces a proposal's mentor.
func (s *Server) ReplaceCandidate(ctx context.Context, req *pb.ReplaceCandidateRequest) (*pb.ReplaceCandidateResponse, error) {
	who, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	p, old, err := s.svc.Replace(ctx, who, req.GetId(), req.GetVolunteerId())
	if err != nil {
		return nil, err
	}
	return &pb.ReplaceCandidateResponse{Pair: p, Replaced: old}, nil
}

// AcceptOffer records an acceptance.
func (s *Server) AcceptOffer(ctx context.Context, req *pb.AcceptOfferRequest) (*pb.AcceptOfferResponse, error) {
	who, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	p, err := s.svc.Accept(ctx, who, req.GetId(), req.GetParty())
	if err != nil {
		return nil, err
	}
	return &pb.AcceptOfferResponse{Pair: p}, nil
}

// DeclineOffer records a decline.
func (s *Server) DeclineOffer(ctx context.Context, req *pb.DeclineOfferRequest) (*pb.DeclineOfferResponse, error) {
	who, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	p, err := s.svc.Decline(ctx, who, req.GetId(), req.GetParty(), req.GetReason())
	if err != nil {
		return nil, err
	}
	return &pb.DeclineOfferResponse{Pair: p}, nil
}

// RecordCheckIn records a check-in.
func (s *Server) RecordCheckIn(ctx context.Context, req *pb.RecordCheckInRequest) (*pb.RecordCheckInResponse, error) {
	who, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	p, err := s.svc.CheckIn(ctx, who, req.GetId(), req.GetCheckIn())
	if err != nil {
		return nil, err
	}
	return &pb.RecordCheckInResponse{Pair: p}, nil
}

// EndPair ends a pair.
func (s *Server) EndPair(ctx context.Context, req *pb.EndPairRequest) (*pb.EndPairResponse, error) {
	who, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	p, err := s.svc.End(ctx, who, req.GetId(), req.GetReason())
	if err != nil {
		return nil, err
	}
	return &pb.EndPairResponse{Pair: p}, nil
}

// GetReport returns the programme report.
func (s *Server) GetReport(ctx context.Context, req *pb.GetReportRequest) (*pb.GetReportResponse, error) {
	who, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if len(req.GetMunicipalityCodes()) > len(municipality.All()) {
		return nil, apperr.FieldError("municipality_codes", "must list each municipality at most once")
	}
	return s.svc.Report(ctx, who, pairs.ReportFilter{
		Organisation: req.GetOrganisationId(), Municipalities: req.GetMunicipalityCodes(),
		From: req.GetFromMonth(), To: req.GetToMonth(),
	})
}
