package grpcapi

import (
	"context"

	"github.com/motesplats/motesplats/pkg/apperr"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	"github.com/motesplats/motesplats/pkg/grpcx"
	"github.com/motesplats/motesplats/pkg/jobs"
	"github.com/motesplats/motesplats/pkg/page"
)

// ListJobs pages through the jobs the caller may see, newest first (the
// kit's Page checks the page size and token).
func (s *Server) ListJobs(ctx context.Context, req *pb.ListJobsRequest) (*pb.ListJobsResponse, error) {
	who, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	js, next, err := s.svc.Jobs().Page(who, req.GetPageSize(), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	out := &pb.ListJobsResponse{NextPageToken: next}
	for _, j := range js {
		out.Jobs = append(out.Jobs, jobProto(j))
	}
	return out, nil
}

// WatchJob sends the job after every change, and every WatchHeartbeat
// while it does not change (declared to the caller, who bounds the
// stream by it), until it reaches a final state or the caller goes away.
func (s *Server) WatchJob(req *pb.WatchJobRequest, stream pb.GuideService_WatchJobServer) error {
	who, err := caller(stream.Context())
	if err != nil {
		return err
	}
	var v apperr.Validator
	jobs.CheckID(&v, "id", req.GetId())
	if err := v.Err(); err != nil {
		return err
	}
	ch, err := s.svc.Jobs().WatchAs(stream.Context(), who, req.GetId())
	if err != nil {
		return err
	}
	grpcx.DeclareHeartbeat(stream.Context(), jobs.WatchHeartbeat)
	for j := range ch {
		if err := stream.Send(&pb.WatchJobResponse{Job: jobProto(j)}); err != nil {
			return err
		}
	}
	return nil
}

// ListUnassigned pages through the entitled newcomers a finished job left
// without a proposal, with the reason (page size 1 to page.MaxSize, 0
// meaning page.DefaultSize, as every list).
func (s *Server) ListUnassigned(ctx context.Context, req *pb.ListUnassignedRequest) (*pb.ListUnassignedResponse, error) {
	who, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var v apperr.Validator
	jobs.CheckID(&v, "job_id", req.GetJobId())
	size, after := page.Check(&v, req.GetPageSize(), req.GetPageToken())
	if err := v.Err(); err != nil {
		return nil, err
	}
	us, next, total, err := s.svc.ListUnassigned(ctx, who, req.GetJobId(), size, after)
	if err != nil {
		return nil, err
	}
	return &pb.ListUnassignedResponse{Unassigned: us, NextPageToken: next, TotalSize: int32(total)}, nil
}
