package server_test

import (
	"context"
	"testing"

	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	"github.com/motesplats/motesplats/pkg/testutil/servicetest"
)

// TestJobIDRefusedInEveryProgrammesWords: an empty or malformed job id
// is refused by every job RPC in the words all three programmes use
// ("is required", "is not an id"; ADR 0180). Guides said "is required: a
// valid id" for both, mentoring and dinners "is not an id" for an empty
// one too (ADR 0175, Left).
func TestJobIDRefusedInEveryProgrammesWords(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := startEnv(t, 1, serverOptions())
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
		{Name: "ListUnseated", Field: "job_id", Call: func(id string) error {
			_, err := c.ListUnseated(ctx, &pb.ListUnseatedRequest{JobId: id})
			return err
		}},
		{Name: "ListSeatings", Field: "job_id", Filter: true, Call: func(id string) error {
			_, err := c.ListSeatings(ctx, &pb.ListSeatingsRequest{JobId: id})
			return err
		}},
	})
}
