// Package grpcapi serves motesplats.volunteers.v1.VolunteerService: it
// turns requests into calls on volunteer.Service and organisation.Service
// with the caller's verified identity, and lets pkg/grpcx map domain errors
// to status codes.
package grpcapi

import (
	"context"

	"github.com/motesplats/motesplats/pkg/auth"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/services/volunteers/internal/organisation"
	"github.com/motesplats/motesplats/services/volunteers/internal/volunteer"
)

// Server implements pb.VolunteerServiceServer.
type Server struct {
	pb.UnimplementedVolunteerServiceServer
	vols *volunteer.Service
	orgs *organisation.Service
}

var _ pb.VolunteerServiceServer = (*Server)(nil)

// New returns a Server over the two registers.
func New(vols *volunteer.Service, orgs *organisation.Service) *Server {
	return &Server{vols: vols, orgs: orgs}
}

// caller is the identity the auth interceptor verified.
var caller = auth.Require

// CreateVolunteer registers a volunteer.
func (s *Server) CreateVolunteer(ctx context.Context, req *pb.CreateVolunteerRequest) (*pb.CreateVolunteerResponse, error) {
	who, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if req.GetValidateOnly() {
		return &pb.CreateVolunteerResponse{}, s.vols.ValidateCreate(ctx, who, req.GetVolunteer(), req.GetRequestId())
	}
	v, err := s.vols.Create(ctx, who, req.GetVolunteer(), req.GetRequestId())
	if err != nil {
		return nil, err
	}
	return &pb.CreateVolunteerResponse{Volunteer: v}, nil
}

// GetVolunteer returns one volunteer.
func (s *Server) GetVolunteer(ctx context.Context, req *pb.GetVolunteerRequest) (*pb.GetVolunteerResponse, error) {
	who, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	v, err := s.vols.Get(ctx, who, req.GetId())
	if err != nil {
		return nil, err
	}
	return &pb.GetVolunteerResponse{Volunteer: v}, nil
}

// ListVolunteers pages through volunteers.
func (s *Server) ListVolunteers(ctx context.Context, req *pb.ListVolunteersRequest) (*pb.ListVolunteersResponse, error) {
	who, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	vs, next, total, err := s.vols.List(ctx, who, volunteer.ListFilter{
		MunicipalityCode: req.GetMunicipalityCode(),
		Role:             req.GetRole(),
		Language:         req.GetLanguage(),
		OrganisationID:   req.GetOrganisationId(),
		Name:             req.GetName(),
	}, req.GetPageSize(), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	// Only a page shown to a person asks for its namesakes (ADR 0196).
	var namesakes []*typev1.Namesake
	if req.GetWithNamesakes() {
		if namesakes, err = s.vols.Namesakes(who, vs); err != nil {
			return nil, err
		}
	}
	return &pb.ListVolunteersResponse{Volunteers: vs, NextPageToken: next, TotalSize: int32(total), Namesakes: namesakes}, nil
}

// ListNamesakes returns the namesakes of the volunteers named by id, over
// the caller's whole scope (ADR 0200).
func (s *Server) ListNamesakes(ctx context.Context, req *pb.ListNamesakesRequest) (*pb.ListNamesakesResponse, error) {
	who, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	ns, err := s.vols.NamesakesOf(ctx, who, req.GetIds())
	if err != nil {
		return nil, err
	}
	return &pb.ListNamesakesResponse{Namesakes: ns}, nil
}

// UpdateVolunteer changes the fields named in the update mask.
func (s *Server) UpdateVolunteer(ctx context.Context, req *pb.UpdateVolunteerRequest) (*pb.UpdateVolunteerResponse, error) {
	who, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if req.GetValidateOnly() {
		return &pb.UpdateVolunteerResponse{}, s.vols.ValidateUpdate(ctx, who, req.GetVolunteer(), req.GetUpdateMask().GetPaths())
	}
	v, err := s.vols.Update(ctx, who, req.GetVolunteer(), req.GetUpdateMask().GetPaths())
	if err != nil {
		return nil, err
	}
	return &pb.UpdateVolunteerResponse{Volunteer: v}, nil
}

// DeleteVolunteer removes a volunteer.
func (s *Server) DeleteVolunteer(ctx context.Context, req *pb.DeleteVolunteerRequest) (*pb.DeleteVolunteerResponse, error) {
	who, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.vols.Delete(ctx, who, req.GetId(), false); err != nil {
		return nil, err
	}
	return &pb.DeleteVolunteerResponse{}, nil
}

// EraseVolunteer erases a volunteer everywhere.
func (s *Server) EraseVolunteer(ctx context.Context, req *pb.EraseVolunteerRequest) (*pb.EraseVolunteerResponse, error) {
	who, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.vols.Delete(ctx, who, req.GetId(), true); err != nil {
		return nil, err
	}
	return &pb.EraseVolunteerResponse{}, nil
}

// CreateOrganisation registers an organisation.
func (s *Server) CreateOrganisation(ctx context.Context, req *pb.CreateOrganisationRequest) (*pb.CreateOrganisationResponse, error) {
	who, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	o, err := s.orgs.Create(ctx, who, req.GetOrganisation(), req.GetRequestId())
	if err != nil {
		return nil, err
	}
	return &pb.CreateOrganisationResponse{Organisation: o}, nil
}

// GetOrganisation returns one organisation.
func (s *Server) GetOrganisation(ctx context.Context, req *pb.GetOrganisationRequest) (*pb.GetOrganisationResponse, error) {
	who, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	o, err := s.orgs.Get(ctx, who, req.GetId())
	if err != nil {
		return nil, err
	}
	return &pb.GetOrganisationResponse{Organisation: o}, nil
}

// ListOrganisations pages through organisations.
func (s *Server) ListOrganisations(ctx context.Context, req *pb.ListOrganisationsRequest) (*pb.ListOrganisationsResponse, error) {
	who, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	os, next, total, err := s.orgs.List(ctx, who, req.GetMunicipalityCode(), req.GetPageSize(), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	return &pb.ListOrganisationsResponse{Organisations: os, NextPageToken: next, TotalSize: int32(total)}, nil
}

// UpdateOrganisation changes the fields named in the update mask.
func (s *Server) UpdateOrganisation(ctx context.Context, req *pb.UpdateOrganisationRequest) (*pb.UpdateOrganisationResponse, error) {
	who, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	o, err := s.orgs.Update(ctx, who, req.GetOrganisation(), req.GetUpdateMask().GetPaths())
	if err != nil {
		return nil, err
	}
	return &pb.UpdateOrganisationResponse{Organisation: o}, nil
}

// DeleteOrganisation removes an organisation.
func (s *Server) DeleteOrganisation(ctx context.Context, req *pb.DeleteOrganisationRequest) (*pb.DeleteOrganisationResponse, error) {
	who, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.orgs.Delete(ctx, who, req.GetId()); err != nil {
		return nil, err
	}
	return &pb.DeleteOrganisationResponse{}, nil
}
