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
)

// fakeWaitingPages answers the waiting list in pages of what is asked, its two
// "Abdi Nur, Stockholm" first and last.
type fakeWaitingPages struct {
	gatewayv1connect.UnimplementedMatchingServiceHandler
	rows []*gatewayv1.WaitingNewcomerView
}

func (f *fakeWaitingPages) ListWaitingNewcomers(_ context.Context, r *connect.Request[gatewayv1.ListWaitingNewcomersRequest]) (*connect.Response[gatewayv1.ListWaitingNewcomersResponse], error) {
	from := 0
	if tok := r.Msg.GetPageToken(); tok != "" {
		from = int(tok[0] - '0')
	}
	to := min(len(f.rows), from+int(r.Msg.GetPageSize()))
	res := &gatewayv1.ListWaitingNewcomersResponse{Newcomers: f.rows[from:to], TotalSize: int32(len(f.rows))}
	if to < len(f.rows) {
		res.NextPageToken = string(rune('0' + to))
	}
	return connect.NewResponse(res), nil
}

// TestWaitingPageTellsNamesakesOverTheWholeList: mp matching waiting
// -page-size 2 prints the two longest waiting, and marks the "Abdi Nur"
// among them whose namesake waits further down (outside round s32: it
// marked namesakes within its N only, ADR 0178; ADR 0188).
func TestWaitingPageTellsNamesakesOverTheWholeList(t *testing.T) {
	t.Parallel()
	reg := func(day string) *timestamppb.Timestamp {
		tm, err := time.Parse(time.DateOnly, day)
		if err != nil {
			t.Fatal(err)
		}
		return timestamppb.New(tm.Add(9 * time.Hour))
	}
	since := timestamppb.New(time.Now().Add(-72 * time.Hour))
	f := &fakeWaitingPages{rows: []*gatewayv1.WaitingNewcomerView{
		{ParticipantId: "p1", ParticipantName: "Abdi Nur", MunicipalityCode: "0180", WaitStartTime: since, ParticipantRegistered: reg("2026-03-14")},
		{ParticipantId: "p3", ParticipantName: "Amal Haddad", MunicipalityCode: "0180", WaitStartTime: since, ParticipantRegistered: reg("2026-03-14")},
		{ParticipantId: "p4", ParticipantName: "Abdi Nur", MunicipalityCode: "0380", WaitStartTime: since, ParticipantRegistered: reg("2026-03-14")},
		{ParticipantId: "p2", ParticipantName: "Abdi Nur", MunicipalityCode: "0180", WaitStartTime: since, ParticipantRegistered: reg("2026-04-20")},
	}}
	mount := func(mux *http.ServeMux) { mux.Handle(gatewayv1connect.NewMatchingServiceHandler(f)) }
	out, err := runServices(t, "sv", mount, "matching", "waiting", "-page-size", "2")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"p1\tAbdi Nur (registrerad 2026-03-14)\tStockholm\t", "p3\tAmal Haddad\tStockholm\t", "de 2 som väntat längst av 4"} {
		if !strings.Contains(out, want) {
			t.Errorf("mp matching waiting -page-size 2 lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "p2\t") || strings.Contains(out, "p4\t") {
		t.Errorf("-page-size 2 printed more than two:\n%s", out)
	}
	out, err = runServices(t, "en", mount, "matching", "waiting", "-page-size", "3")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"p1\tAbdi Nur (registered 2026-03-14)\tStockholm\t", "p4\tAbdi Nur\tUppsala\t"} {
		if !strings.Contains(out, want) {
			t.Errorf("mp en matching waiting -page-size 3 lacks %q:\n%s", want, out)
		}
	}
}
