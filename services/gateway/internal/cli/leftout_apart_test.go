package cli

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1/gatewayv1connect"
	guidesv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
)

// fakeLeftOut answers the left-out lists of a mentoring and a guides job,
// the two namesakes on different pages, as a list of over 500 has them.
type fakeLeftOut struct {
	gatewayv1connect.UnimplementedMatchingServiceHandler
	gatewayv1connect.UnimplementedGuidesServiceHandler
	reg func(day string) *timestamppb.Timestamp
}

func (f *fakeLeftOut) ListUnmatchedNewcomers(_ context.Context, r *connect.Request[gatewayv1.ListUnmatchedNewcomersRequest]) (*connect.Response[gatewayv1.ListUnmatchedNewcomersResponse], error) {
	reason := mentoringv1.UnmatchedReason_UNMATCHED_REASON_NO_ELIGIBLE_MENTOR
	if r.Msg.GetPageToken() == "" {
		return connect.NewResponse(&gatewayv1.ListUnmatchedNewcomersResponse{NextPageToken: "2", Unmatched: []*gatewayv1.UnmatchedNewcomerView{
			{ParticipantId: "p1", ParticipantName: "Abdi Nur", MunicipalityCode: "0180", Reason: reason, ParticipantRegistered: f.reg("2026-03-14")},
			{ParticipantId: "p3", ParticipantName: "Amal Haddad", MunicipalityCode: "0180", Reason: reason, ParticipantRegistered: f.reg("2026-03-14")},
			{ParticipantId: "p4", ParticipantName: "Abdi Nur", MunicipalityCode: "0380", Reason: reason, ParticipantRegistered: f.reg("2026-03-14")},
		}}), nil
	}
	return connect.NewResponse(&gatewayv1.ListUnmatchedNewcomersResponse{Unmatched: []*gatewayv1.UnmatchedNewcomerView{
		{ParticipantId: "p2", ParticipantName: "Abdi Nur", MunicipalityCode: "0180", Reason: reason, ParticipantRegistered: f.reg("2026-04-20")},
		{ParticipantId: "p5", MunicipalityCode: "0180", Reason: reason},
	}}), nil
}

func (f *fakeLeftOut) ListGuideUnassigned(_ context.Context, r *connect.Request[gatewayv1.ListGuideUnassignedRequest]) (*connect.Response[gatewayv1.ListGuideUnassignedResponse], error) {
	reason := guidesv1.UnassignedReason_UNASSIGNED_REASON_NO_ELIGIBLE_UNIT
	if r.Msg.GetPageToken() == "" {
		return connect.NewResponse(&gatewayv1.ListGuideUnassignedResponse{NextPageToken: "2", Unassigned: []*gatewayv1.GuideUnassignedView{
			{ParticipantId: "g1", ParticipantName: "Iryna Berhane", MunicipalityCode: "0880", Reason: reason, ParticipantRegistered: f.reg("2026-05-01")},
		}}), nil
	}
	return connect.NewResponse(&gatewayv1.ListGuideUnassignedResponse{Unassigned: []*gatewayv1.GuideUnassignedView{
		{ParticipantId: "g2", ParticipantName: "Iryna Berhane", MunicipalityCode: "0880", Reason: reason, ParticipantRegistered: f.reg("2026-06-02")},
	}}), nil
}

// TestLeftOutNamesakesInMp: mp jobs unmatched and mp guides jobs
// unassigned tell two newcomers of one name in one municipality apart by
// when each was registered, over every page (outside round s31: "Abdi
// Nur, Stockholm" twice in a job's left-out list read as one person), and
// leave a namesake in another municipality, everyone else and a nameless
// row as they were.
func TestLeftOutNamesakesInMp(t *testing.T) {
	t.Parallel()
	f := &fakeLeftOut{reg: func(day string) *timestamppb.Timestamp {
		tm, err := time.Parse(time.DateOnly, day)
		if err != nil {
			t.Fatal(err)
		}
		return timestamppb.New(tm.Add(9 * time.Hour))
	}}
	mount := func(mux *http.ServeMux) {
		mux.Handle(gatewayv1connect.NewMatchingServiceHandler(f))
		mux.Handle(gatewayv1connect.NewGuidesServiceHandler(f))
	}
	out, err := runServices(t, "sv", mount, "jobs", "unmatched", "01a2466c-2053-7b2a-bbad-e834341476c4")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"p1\tAbdi Nur (registrerad 2026-03-14)\tStockholm\t", "p2\tAbdi Nur (registrerad 2026-04-20)\tStockholm\t",
		"p3\tAmal Haddad\tStockholm\t", "p4\tAbdi Nur\tUppsala\t", "p5\t(borttagen)\tStockholm\t"} {
		if !strings.Contains(out, want) {
			t.Errorf("mp jobs unmatched lacks %q:\n%s", want, out)
		}
	}
	if n := strings.Count(out, "registrerad"); n != 2 {
		t.Errorf("%d registration moments, want the two namesakes':\n%s", n, out)
	}
	out, err = runServices(t, "en", mount, "guides", "jobs", "unassigned", "01a2466c-7192-7aeb-976e-8058cc33c8ac")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"g1\tIryna Berhane (registered 2026-05-01)\tKalmar\t", "g2\tIryna Berhane (registered 2026-06-02)\tKalmar\t"} {
		if !strings.Contains(out, want) {
			t.Errorf("mp guides jobs unassigned lacks %q:\n%s", want, out)
		}
	}
}
