package cli

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	dinnersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1/gatewayv1connect"
	guidesv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
)

// takenOverJobs is the gateway's API for the three programmes with one
// job each that another replica took over (attempts 2): running at its
// first read, done after it, and listed done.
type takenOverJobs struct {
	gatewayv1connect.UnimplementedMatchingServiceHandler
	gatewayv1connect.UnimplementedDinnersServiceHandler
	gatewayv1connect.UnimplementedGuidesServiceHandler
	reads atomic.Int32
}

func (f *takenOverJobs) GetMatchingJob(context.Context, *connect.Request[gatewayv1.GetMatchingJobRequest]) (*connect.Response[gatewayv1.GetMatchingJobResponse], error) {
	j := &mentoringv1.Job{Id: "m1", State: mentoringv1.JobState_JOB_STATE_RUNNING, Phase: "solve", ProgressPercent: 60, Attempts: 2}
	if f.reads.Add(1) > 1 {
		j = mentoringDone()
	}
	return connect.NewResponse(&gatewayv1.GetMatchingJobResponse{Job: j}), nil
}

func mentoringDone() *mentoringv1.Job {
	return &mentoringv1.Job{Id: "m1", State: mentoringv1.JobState_JOB_STATE_SUCCEEDED, Phase: "done", ProgressPercent: 100, Attempts: 2,
		CreateTime: timestamppb.New(winter), Counts: &mentoringv1.JobCounts{Proposals: 7, Unmatched: 2}}
}

func (f *takenOverJobs) ListMatchingJobs(context.Context, *connect.Request[gatewayv1.ListMatchingJobsRequest]) (*connect.Response[gatewayv1.ListMatchingJobsResponse], error) {
	return connect.NewResponse(&gatewayv1.ListMatchingJobsResponse{Jobs: []*mentoringv1.Job{mentoringDone(),
		{Id: "m0", State: mentoringv1.JobState_JOB_STATE_SUCCEEDED, ProgressPercent: 100, Attempts: 1, CreateTime: timestamppb.New(winter)}}}), nil
}

func dinnerJob(done bool) *dinnersv1.Job {
	j := &dinnersv1.Job{Id: "d1", State: dinnersv1.JobState_JOB_STATE_RUNNING, Phase: "solve", ProgressPercent: 60, Attempts: 2,
		CreateTime: timestamppb.New(winter)}
	if done {
		j.State, j.Phase, j.ProgressPercent = dinnersv1.JobState_JOB_STATE_SUCCEEDED, "done", 100
		j.Counts, j.Objective, j.Bound = &dinnersv1.JobCounts{Proposals: 32, Unseated: 22}, 1388, 1388
	}
	return j
}

func (f *takenOverJobs) WatchDinnerJob(_ context.Context, _ *connect.Request[gatewayv1.WatchDinnerJobRequest], s *connect.ServerStream[gatewayv1.WatchDinnerJobResponse]) error {
	for _, done := range []bool{false, true} {
		if err := s.Send(&gatewayv1.WatchDinnerJobResponse{Job: dinnerJob(done)}); err != nil {
			return err
		}
	}
	return nil
}

func (f *takenOverJobs) ListDinnerJobs(context.Context, *connect.Request[gatewayv1.ListDinnerJobsRequest]) (*connect.Response[gatewayv1.ListDinnerJobsResponse], error) {
	return connect.NewResponse(&gatewayv1.ListDinnerJobsResponse{Jobs: []*dinnersv1.Job{dinnerJob(true)}}), nil
}

func guideJob(done bool) *guidesv1.Job {
	j := &guidesv1.Job{Id: "g1", State: guidesv1.JobState_JOB_STATE_RUNNING, Phase: "solve", ProgressPercent: 60, Attempts: 2,
		CreateTime: timestamppb.New(winter)}
	if done {
		j.State, j.Phase, j.ProgressPercent, j.Counts = guidesv1.JobState_JOB_STATE_SUCCEEDED, "done", 100, map[string]int64{"proposals": 28, "unassigned": 110}
	}
	return j
}

func (f *takenOverJobs) WatchGuideJob(_ context.Context, _ *connect.Request[gatewayv1.WatchGuideJobRequest], s *connect.ServerStream[gatewayv1.WatchGuideJobResponse]) error {
	for _, done := range []bool{false, true} {
		if err := s.Send(&gatewayv1.WatchGuideJobResponse{Job: guideJob(done)}); err != nil {
			return err
		}
	}
	return nil
}

func (f *takenOverJobs) ListGuideJobs(context.Context, *connect.Request[gatewayv1.ListGuideJobsRequest]) (*connect.Response[gatewayv1.ListGuideJobsResponse], error) {
	return connect.NewResponse(&gatewayv1.ListGuideJobsResponse{Jobs: []*guidesv1.Job{guideJob(true)}}), nil
}

// TestJobTakenOverInMp (ADR 0199): mp's job watch says, in the web app's
// words, that a job was taken over while it runs, and its result that it
// needed two attempts; each programme's job list says so beside the job's
// state. A job on its first attempt says nothing of attempts.
func TestJobTakenOverInMp(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		lang string
		args []string
		want []string
	}{
		{"sv", []string{"jobs", "watch", "m1"}, []string{
			" 60% pågår: söker de bästa paren · Togs över efter ett avbrott (försök 2)\n",
			"förslag: 7, utan förslag: 2 · Behövde 2 försök: togs över efter ett avbrott\n"}},
		{"sv", []string{"jobs", "list"}, []string{"m1\t2026-01-15 14:05:00 CET\t100% klar · Behövde 2 försök: togs över efter ett avbrott\t"}},
		{"sv", []string{"dinners", "jobs", "watch", "d1"}, []string{
			" · Togs över efter ett avbrott (försök 2)\n",
			"föreslagna placeringar: 32, sällskap utan plats: 22; bästa möjliga (1388 poäng) · Behövde 2 försök: togs över efter ett avbrott\n"}},
		{"sv", []string{"dinners", "jobs", "list"}, []string{"100% klar · Behövde 2 försök: togs över efter ett avbrott\t"}},
		{"sv", []string{"guides", "jobs", "watch", "g1"}, []string{
			" · Togs över efter ett avbrott (försök 2)\n",
			"förslag: 28, utan plats: 110 · Behövde 2 försök: togs över efter ett avbrott\n"}},
		{"sv", []string{"guides", "jobs", "list"}, []string{" · Behövde 2 försök: togs över efter ett avbrott\t"}},
		{"en", []string{"dinners", "jobs", "watch", "d1"}, []string{
			" · Taken over after an interruption (attempt 2)\n", " · Needed 2 attempts: taken over after an interruption\n"}},
	} {
		f := &takenOverJobs{}
		out, err := runServices(t, tc.lang, func(mux *http.ServeMux) {
			mux.Handle(gatewayv1connect.NewMatchingServiceHandler(f))
			mux.Handle(gatewayv1connect.NewDinnersServiceHandler(f))
			mux.Handle(gatewayv1connect.NewGuidesServiceHandler(f))
		}, tc.args...)
		if err != nil {
			t.Fatalf("mp %s: %v\n%s", strings.Join(tc.args, " "), err, out)
		}
		for _, want := range tc.want {
			if !strings.Contains(out, want) {
				t.Errorf("MP_LANG=%s mp %s printed\n%s\nwant %q", tc.lang, strings.Join(tc.args, " "), out, want)
			}
		}
		if slices.Contains(tc.args, "list") {
			for _, line := range strings.Split(out, "\n") {
				if strings.HasPrefix(line, "m0\t") && strings.Contains(line, "försök") {
					t.Errorf("a job on its first attempt: %q", line)
				}
			}
		}
	}
}
