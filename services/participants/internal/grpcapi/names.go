package grpcapi

import (
	"context"

	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
)

// BatchGetParticipantNames names the newcomers asked about whom the
// caller may see, in one call (ADR 0222).
func (s *Server) BatchGetParticipantNames(ctx context.Context, req *pb.BatchGetParticipantNamesRequest) (*pb.BatchGetParticipantNamesResponse, error) {
	who, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	ns, err := s.svc.Names(ctx, who, req.GetIds())
	if err != nil {
		return nil, err
	}
	return &pb.BatchGetParticipantNamesResponse{Names: ns}, nil
}
