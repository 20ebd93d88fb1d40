package cli

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1/gatewayv1connect"
	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
)

// fakeJobs is the gateway's matching API with two pages of jobs.
type fakeJobs struct {
	gatewayv1connect.UnimplementedMatchingServiceHandler
}

func (fakeJobs) ListMatchingJobs(_ context.Context, r *connect.Request[gatewayv1.ListMatchingJobsRequest]) (*connect.Response[gatewayv1.ListMatchingJobsResponse], error) {
	if r.Msg.GetPageToken() == "" {
		return connect.NewResponse(&gatewayv1.ListMatchingJobsResponse{NextPageToken: "2", Jobs: []*mentoringv1.Job{{Id: "j-running",
			State: mentoringv1.JobState_JOB_STATE_RUNNING, ProgressPercent: 40, CreateTime: timestamppb.New(winter), MunicipalityCodes: []string{"0880"}}}}), nil
	}
	return connect.NewResponse(&gatewayv1.ListMatchingJobsResponse{Jobs: []*mentoringv1.Job{{Id: "j-done", State: mentoringv1.JobState_JOB_STATE_SUCCEEDED,
		ProgressPercent: 100, CreateTime: timestamppb.New(winter), Counts: &mentoringv1.JobCounts{Proposals: 7, Unmatched: 2}}}}), nil
}

// TestJobsList: mp jobs list lists the mentoring jobs, every page, as the
// dinners' and guides' jobs list do, so a coordinator finds a job to
// watch after a crash without its id from the start command.
func TestJobsList(t *testing.T) {
	t.Parallel()
	out, err := runServices(t, "", func(mux *http.ServeMux) { mux.Handle(gatewayv1connect.NewMatchingServiceHandler(fakeJobs{})) }, "jobs", "list")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"j-running\t2026-01-15 14:05:00 CET\t 40% pågår", "\tKalmar\t", "j-done\t2026-01-15 14:05:00 CET\t100% klar", "förslag: 7, utan förslag: 2"} {
		if !strings.Contains(out, want) {
			t.Errorf("mp jobs list printed\n%s\nwant %q", out, want)
		}
	}
}
