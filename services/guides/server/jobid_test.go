package server_test

import (
	"context"
	"testing"

	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	"github.com/motesplats/motesplats/pkg/testutil/servicetest"
	"github.com/motesplats/motesplats/services/guides/server"
)

// TestJobIDRefusedInEveryProgrammesWords: an empty or malformed job id
// is refused by every job RPC in the words all three programmes use
// ("is required", "is not an id"; ADR 0180). Guides said "is required: a
// valid id" for both, mentoring and dinners "is not an id" for an empty
// one too (ADR 0175, Left).
func TestJobIDRefusedInEveryProgrammesWords(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := startEnv(t, 1, server.Options{})
	c := e.as(admin)
	servicetest.CheckJobIDRefusals(t, []servicetest.JobIDCall{
		{Name: "GetJob", Field: "id", Call: func(id string) error { _, err := c.GetJob(ctx, &pb.GetJobRequest{Id: id}); return err }},
		{Name: "WatchJob", Field: "id", Call: func(id string) error {
			st, err := c.WatchJob(ctx, &pb.WatchJobRequest{Id: id})
			if err != nil {
				return err
			}
			_, err = st.Recv()
			return err
		}},
		{Name: "ListUnassigned", Field: "job_id", Call: func(id string) error {
			_, err := c.ListUnassigned(ctx, &pb.ListUnassignedRequest{JobId: id})
			return err
		}},
		{Name: "ListAssignments", Field: "job_id", Filter: true, Call: func(id string) error {
			_, err := c.ListAssignments(ctx, &pb.ListAssignmentsRequest{JobId: id})
			return err
		}},
	})
}
