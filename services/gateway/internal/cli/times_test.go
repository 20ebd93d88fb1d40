package cli

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1/gatewayv1connect"
	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	notifyv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/notify/v1"
)

// The two instants every list below is given: one in winter (CET, UTC+1)
// and one in summer (CEST, UTC+2), both 14:05 in Stockholm.
var (
	winter = time.Date(2026, 1, 15, 13, 5, 0, 0, time.UTC)
	summer = time.Date(2026, 7, 15, 12, 5, 0, 0, time.UTC)
)

// fakeGateway serves the gateway's Connect API for mp over loopback HTTP:
// the development mailbox, deliveries and one matching job, fixed.
type fakeGateway struct {
	gatewayv1connect.UnimplementedMessageServiceHandler
	gatewayv1connect.UnimplementedMatchingServiceHandler
	job *mentoringv1.Job
}

var (
	_ gatewayv1connect.MessageServiceHandler  = (*fakeGateway)(nil)
	_ gatewayv1connect.MatchingServiceHandler = (*fakeGateway)(nil)
)

func (f *fakeGateway) ListMailbox(context.Context, *connect.Request[gatewayv1.ListMailboxRequest]) (*connect.Response[gatewayv1.ListMailboxResponse], error) {
	return connect.NewResponse(&gatewayv1.ListMailboxResponse{Messages: []*notifyv1.MailboxMessage{
		{Id: "m-winter", CreateTime: timestamppb.New(winter), Subject: "s"},
		{Id: "m-summer", CreateTime: timestamppb.New(summer), Subject: "s"},
	}}), nil
}

func (f *fakeGateway) ListDeliveries(context.Context, *connect.Request[gatewayv1.ListDeliveriesRequest]) (*connect.Response[gatewayv1.ListDeliveriesResponse], error) {
	return connect.NewResponse(&gatewayv1.ListDeliveriesResponse{Deliveries: []*notifyv1.Delivery{
		{PersonId: "p-winter", CreateTime: timestamppb.New(winter)},
		{PersonId: "p-summer", CreateTime: timestamppb.New(summer)},
	}}), nil
}

func (f *fakeGateway) StartMatchingJob(context.Context, *connect.Request[gatewayv1.StartMatchingJobRequest]) (*connect.Response[gatewayv1.StartMatchingJobResponse], error) {
	return connect.NewResponse(&gatewayv1.StartMatchingJobResponse{Job: f.job}), nil
}

func (f *fakeGateway) GetMatchingJob(context.Context, *connect.Request[gatewayv1.GetMatchingJobRequest]) (*connect.Response[gatewayv1.GetMatchingJobResponse], error) {
	return connect.NewResponse(&gatewayv1.GetMatchingJobResponse{Job: f.job}), nil
}

// runFake runs one mp command against f and returns what it printed.
func runFake(t *testing.T, f *fakeGateway, args ...string) string {
	t.Helper()
	return runFakeIn(t, f, "", args...)
}

// runFakeIn is runFake with MP_LANG set to lang ("" for mp's default).
func runFakeIn(t *testing.T, f *fakeGateway, lang string, args ...string) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle(gatewayv1connect.NewMessageServiceHandler(f))
	mux.Handle(gatewayv1connect.NewMatchingServiceHandler(f))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	var out bytes.Buffer
	e := Env{Out: &out, HTTP: srv.Client(), Getenv: func(k string) string {
		switch k {
		case "MP_CONFIG_DIR":
			return dir
		case "MP_LANG":
			return lang
		}
		return ""
	}}
	if err := saveConfig(e, config{Server: srv.URL, Token: "t"}); err != nil {
		t.Fatal(err)
	}
	if err := Run(context.Background(), args, e); err != nil {
		t.Fatalf("mp %s: %v\n%s", strings.Join(args, " "), err, out.String())
	}
	return out.String()
}

// TestListsPrintStockholmTime: mp printed UTC without a zone while the web
// showed Stockholm time; every list now prints the Stockholm time with
// its zone, CET in winter and CEST in summer, whatever the machine's zone.
func TestListsPrintStockholmTime(t *testing.T) {
	t.Parallel()
	f := &fakeGateway{}
	for _, args := range [][]string{{"mailbox", "list"}, {"messages", "list", "-person", "p"}} {
		out := runFake(t, f, args...)
		for _, want := range []string{"2026-01-15 14:05:00 CET", "2026-07-15 14:05:00 CEST"} {
			if !strings.Contains(out, want) {
				t.Errorf("mp %s printed\n%s\nwant a line with %q", strings.Join(args, " "), out, want)
			}
		}
		if strings.Contains(out, "13:05") || strings.Contains(out, "12:05") {
			t.Errorf("mp %s printed a UTC time:\n%s", strings.Join(args, " "), out)
		}
	}
}

// TestFollowSaysWhyNothingWasProposed: a job after an earlier one ends
// with "förslag: 0" and the reason, in words, from the job's counts; in
// English with MP_LANG=en. The progress line is words, never the state's
// code or the phase's name ("100% succeeded done" was printed).
func TestFollowSaysWhyNothingWasProposed(t *testing.T) {
	t.Parallel()
	f := &fakeGateway{job: &mentoringv1.Job{Id: "j2", State: mentoringv1.JobState_JOB_STATE_SUCCEEDED, ProgressPercent: 100, Phase: "done",
		Counts: &mentoringv1.JobCounts{BusyNewcomers: 12, Mentors: 3, FreeSlots: 3}}}
	for lang, wants := range map[string][]string{
		"":   {"100% klar\n", "förslag: 0", "Inga förslag: alla 12 nyanlända i kommunerna har redan ett förslag eller ett par"},
		"en": {"100% finished\n", "proposals: 0", "no proposals: all 12 newcomers in scope already have a proposal or a pair"},
	} {
		out := runFakeIn(t, f, lang, "jobs", "start", "-follow")
		for _, want := range wants {
			if !strings.Contains(out, want) {
				t.Errorf("MP_LANG=%q: mp jobs start -follow printed\n%s\nwant %q", lang, out, want)
			}
		}
		if strings.Contains(out, "succeeded") || strings.Contains(out, "done") {
			t.Errorf("MP_LANG=%q: the progress line has internal words:\n%s", lang, out)
		}
	}
	f.job.Counts = &mentoringv1.JobCounts{Newcomers: 5, FreeSlots: 5, EligiblePairs: 9, Proposals: 5}
	if out := runFake(t, f, "jobs", "start", "-follow"); strings.Contains(out, "Inga förslag") {
		t.Errorf("a job with proposals explains an empty result:\n%s", out)
	}
}
