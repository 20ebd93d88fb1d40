// Package grpcapi serves motesplats.participants.v1.ParticipantService: it
// turns requests into calls on participant.Service with the caller's
// verified identity, and lets pkg/grpcx map domain errors to status codes.
package grpcapi

import (
	"context"

	"github.com/motesplats/motesplats/pkg/auth"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/services/participants/internal/participant"
)

// Server implements pb.ParticipantServiceServer.
type Server struct {
	pb.UnimplementedParticipantServiceServer
	svc *participant.Service
}

var _ pb.ParticipantServiceServer = (*Server)(nil)

// New returns a Server over svc.
func New(svc *participant.Service) *Server { return &Server{svc: svc} }

// caller is the identity the auth interceptor verified.
var caller = auth.Require

// CreateParticipant registers a participant.
func (s *Server) CreateParticipant(ctx context.Context, req *pb.CreateParticipantRequest) (*pb.CreateParticipantResponse, error) {
	who, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if req.GetValidateOnly() {
		return &pb.CreateParticipantResponse{}, s.svc.ValidateCreate(ctx, who, req.GetParticipant(), req.GetRequestId())
	}
	p, err := s.svc.Create(ctx, who, req.GetParticipant(), req.GetRequestId())
	if err != nil {
		return nil, err
	}
	return &pb.CreateParticipantResponse{Participant: p}, nil
}

// GetParticipant returns one participant.
func (s *Server) GetParticipant(ctx context.Context, req *pb.GetParticipantRequest) (*pb.GetParticipantResponse, error) {
	who, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	p, err := s.svc.Get(ctx, who, req.GetId())
	if err != nil {
		return nil, err
	}
	return &pb.GetParticipantResponse{Participant: p}, nil
}

// ListParticipants pages through participants.
func (s *Server) ListParticipants(ctx context.Context, req *pb.ListParticipantsRequest) (*pb.ListParticipantsResponse, error) {
	who, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	ps, next, total, err := s.svc.List(ctx, who, participant.ListFilter{
		MunicipalityCode: req.GetMunicipalityCode(),
		Language:         req.GetLanguage(),
		SwedishLevel:     int32(req.GetSwedishLevel()),
		ConsentPurpose:   req.GetConsentPurpose(),
		OrganisationID:   req.GetOrganisationId(),
		Name:             req.GetName(),
	}, req.GetPageSize(), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	// Only a page shown to a person asks for its namesakes: the jobs'
	// and the seed's reads of every page have no use for them.
	var namesakes []*typev1.Namesake
	if req.GetWithNamesakes() {
		if namesakes, err = s.svc.Namesakes(who, ps); err != nil {
			return nil, err
		}
	}
	return &pb.ListParticipantsResponse{Participants: ps, NextPageToken: next, TotalSize: int32(total), Namesakes: namesakes}, nil
}

// ListNamesakes returns the namesakes of the newcomers named by id, over
// the caller's whole scope (ADR 0200).
func (s *Server) ListNamesakes(ctx context.Context, req *pb.ListNamesakesRequest) (*pb.ListNamesakesResponse, error) {
	who, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	ns, err := s.svc.NamesakesOf(ctx, who, req.GetIds())
	if err != nil {
		return nil, err
	}
	return &pb.ListNamesakesResponse{Namesakes: ns}, nil
}

// UpdateParticipant changes the fields named in the update mask.
func (s *Server) UpdateParticipant(ctx context.Context, req *pb.UpdateParticipantRequest) (*pb.UpdateParticipantResponse, error) {
	who, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if req.GetValidateOnly() {
		return &pb.UpdateParticipantResponse{}, s.svc.ValidateUpdate(ctx, who, req.GetParticipant(), req.GetUpdateMask().GetPaths())
	}
	p, err := s.svc.Update(ctx, who, req.GetParticipant(), req.GetUpdateMask().GetPaths())
	if err != nil {
		return nil, err
	}
	return &pb.UpdateParticipantResponse{Participant: p}, nil
}

// DeleteParticipant removes a participant.
func (s *Server) DeleteParticipant(ctx context.Context, req *pb.DeleteParticipantRequest) (*pb.DeleteParticipantResponse, error) {
	who, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.svc.Delete(ctx, who, req.GetId(), false); err != nil {
		return nil, err
	}
	return &pb.DeleteParticipantResponse{}, nil
}

// EraseParticipant erases a participant everywhere.
func (s *Server) EraseParticipant(ctx context.Context, req *pb.EraseParticipantRequest) (*pb.EraseParticipantResponse, error) {
	who, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.svc.Delete(ctx, who, req.GetId(), true); err != nil {
		return nil, err
	}
	return &pb.EraseParticipantResponse{}, nil
}

// RecordConsent records consent for a purpose.
func (s *Server) RecordConsent(ctx context.Context, req *pb.RecordConsentRequest) (*pb.RecordConsentResponse, error) {
	who, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if req.GetValidateOnly() {
		return &pb.RecordConsentResponse{}, s.svc.ValidateConsent(req.GetParticipantId(), req.GetConsent())
	}
	p, err := s.svc.RecordConsent(ctx, who, req.GetParticipantId(), req.GetConsent())
	if err != nil {
		return nil, err
	}
	return &pb.RecordConsentResponse{Participant: p}, nil
}

// WithdrawConsent withdraws consent for a purpose.
func (s *Server) WithdrawConsent(ctx context.Context, req *pb.WithdrawConsentRequest) (*pb.WithdrawConsentResponse, error) {
	who, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	p, err := s.svc.WithdrawConsent(ctx, who, req.GetParticipantId(), req.GetPurpose())
	if err != nil {
		return nil, err
	}
	return &pb.WithdrawConsentResponse{Participant: p}, nil
}
