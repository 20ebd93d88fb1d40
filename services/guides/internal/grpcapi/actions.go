package grpcapi

import (
	"context"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/auth"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	proposalv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/proposal/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/services/guides/internal/guides"
)

// act is every action on one assignment: the caller's verified identity,
// the id and the request's other fields checked (check adds their
// violations; nil when the id is all), then do with the caller, and the
// assignment wrapped in the RPC's response. With scopeFirst, scope comes
// before the other fields: a valid id the caller may not see answers
// NotFound whatever the form held, as an unknown id does, so a violation
// never tells anyone that the id exists (a rejection's reason).
func act[R any](ctx context.Context, s *Server, id string, check func(*apperr.Validator), scopeFirst bool,
	do func(who auth.Claims) (*pb.Assignment, error), wrap func(*pb.Assignment) R) (R, error) {
	var zero R
	who, err := caller(ctx)
	if err != nil {
		return zero, err
	}
	var v apperr.Validator
	checkID(&v, "id", id)
	if check != nil {
		check(&v)
	}
	if err := v.Err(); err != nil {
		if scopeFirst && ids.Valid(id) {
			if _, gerr := s.svc.GetAssignment(ctx, who, id); gerr != nil {
				return zero, gerr
			}
		}
		return zero, err
	}
	a, err := do(who)
	if err != nil {
		return zero, err
	}
	return wrap(a), nil
}

// ApproveAssignment approves a proposal.
func (s *Server) ApproveAssignment(ctx context.Context, req *pb.ApproveAssignmentRequest) (*pb.ApproveAssignmentResponse, error) {
	return act(ctx, s, req.GetId(), nil, false,
		func(who auth.Claims) (*pb.Assignment, error) { return s.svc.Approve(ctx, who, req.GetId()) },
		func(a *pb.Assignment) *pb.ApproveAssignmentResponse {
			return &pb.ApproveAssignmentResponse{Assignment: a}
		})
}

// RejectAssignment turns a proposal down with a reason.
func (s *Server) RejectAssignment(ctx context.Context, req *pb.RejectAssignmentRequest) (*pb.RejectAssignmentResponse, error) {
	check := func(v *apperr.Validator) {
		_, ok := proposalv1.RejectReason_name[int32(req.GetReason())]
		v.Check(ok && req.GetReason() != 0, "reason", "is required: poor fit, conflict of interest, logistics, not available or other")
	}
	return act(ctx, s, req.GetId(), check, false,
		func(who auth.Claims) (*pb.Assignment, error) {
			return s.svc.Reject(ctx, who, req.GetId(), int32(req.GetReason()))
		},
		func(a *pb.Assignment) *pb.RejectAssignmentResponse {
			return &pb.RejectAssignmentResponse{Assignment: a}
		})
}

// AcceptAssignment records an acceptance.
func (s *Server) AcceptAssignment(ctx context.Context, req *pb.AcceptAssignmentRequest) (*pb.AcceptAssignmentResponse, error) {
	var party string
	return act(ctx, s, req.GetId(), func(v *apperr.Validator) { party = partyOf(v, req.GetParty()) }, false,
		func(who auth.Claims) (*pb.Assignment, error) { return s.svc.Accept(ctx, who, req.GetId(), party) },
		func(a *pb.Assignment) *pb.AcceptAssignmentResponse {
			return &pb.AcceptAssignmentResponse{Assignment: a}
		})
}

// DeclineAssignment records a refusal.
func (s *Server) DeclineAssignment(ctx context.Context, req *pb.DeclineAssignmentRequest) (*pb.DeclineAssignmentResponse, error) {
	var party string
	check := func(v *apperr.Validator) {
		party = partyOf(v, req.GetParty())
		_, ok := proposalv1.DeclineReason_name[int32(req.GetReason())]
		v.Check(ok, "reason", "is not a known decline reason")
	}
	return act(ctx, s, req.GetId(), check, false,
		func(who auth.Claims) (*pb.Assignment, error) {
			return s.svc.Decline(ctx, who, req.GetId(), party, int32(req.GetReason()))
		},
		func(a *pb.Assignment) *pb.DeclineAssignmentResponse {
			return &pb.DeclineAssignmentResponse{Assignment: a}
		})
}

// partyOf maps the API's party, recording a violation when it is missing.
func partyOf(v *apperr.Validator, p pb.AcceptingParty) string {
	switch p {
	case pb.AcceptingParty_ACCEPTING_PARTY_NEWCOMER:
		return guides.PartyNewcomer
	case pb.AcceptingParty_ACCEPTING_PARTY_ORGANISATION:
		return guides.PartyOrganisation
	}
	v.Add("party", "is required: the newcomer or the organisation")
	return ""
}

// ActivateAssignment records that the guidance started.
func (s *Server) ActivateAssignment(ctx context.Context, req *pb.ActivateAssignmentRequest) (*pb.ActivateAssignmentResponse, error) {
	return act(ctx, s, req.GetId(), nil, false,
		func(who auth.Claims) (*pb.Assignment, error) { return s.svc.Activate(ctx, who, req.GetId()) },
		func(a *pb.Assignment) *pb.ActivateAssignmentResponse {
			return &pb.ActivateAssignmentResponse{Assignment: a}
		})
}

// EndAssignment ends an assignment.
func (s *Server) EndAssignment(ctx context.Context, req *pb.EndAssignmentRequest) (*pb.EndAssignmentResponse, error) {
	check := func(v *apperr.Validator) {
		_, ok := eventsv1.AssignmentEndReason_name[int32(req.GetReason())]
		v.Check(ok && req.GetReason() != 0, "reason", "is required: period over, moved, found work, opted out or organisation left")
	}
	return act(ctx, s, req.GetId(), check, false,
		func(who auth.Claims) (*pb.Assignment, error) {
			return s.svc.End(ctx, who, req.GetId(), req.GetReason())
		},
		func(a *pb.Assignment) *pb.EndAssignmentResponse { return &pb.EndAssignmentResponse{Assignment: a} })
}
