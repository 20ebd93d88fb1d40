package grpcapi

import (
	"context"

	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
)

// BatchGetVolunteerNames names the volunteers asked about whom the caller
// may see, in one call (ADR 0222).
func (s *Server) BatchGetVolunteerNames(ctx context.Context, req *pb.BatchGetVolunteerNamesRequest) (*pb.BatchGetVolunteerNamesResponse, error) {
	who, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	ns, err := s.vols.Names(ctx, who, req.GetIds())
	if err != nil {
		return nil, err
	}
	return &pb.BatchGetVolunteerNamesResponse{Names: ns}, nil
}
