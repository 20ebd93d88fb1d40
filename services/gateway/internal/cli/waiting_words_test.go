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

// fakeWaiting answers a page of the waiting list of as many rows as asked
// for, out of 599.
type fakeWaiting struct {
	gatewayv1connect.UnimplementedMatchingServiceHandler
}

func (fakeWaiting) ListWaitingNewcomers(_ context.Context, r *connect.Request[gatewayv1.ListWaitingNewcomersRequest]) (*connect.Response[gatewayv1.ListWaitingNewcomersResponse], error) {
	res := &gatewayv1.ListWaitingNewcomersResponse{TotalSize: 599, NextPageToken: "more"}
	for i := range r.Msg.GetPageSize() {
		res.Newcomers = append(res.Newcomers, &gatewayv1.WaitingNewcomerView{ParticipantId: "p" + string(rune('a'+i)), ParticipantName: "Hamza Bondarenko",
			MunicipalityCode: "0180", WaitStartTime: timestamppb.New(time.Now().Add(-time.Duration(i) * time.Hour))})
	}
	return connect.NewResponse(res), nil
}

// TestWaitingTotalReadsInBothNumbers: -page-size 1 says "den som väntat
// längst av 599", not "de 1 som väntat längst" (outside round s31), and
// -page-size 2 keeps the plural, in Swedish and English.
func TestWaitingTotalReadsInBothNumbers(t *testing.T) {
	t.Parallel()
	mount := func(mux *http.ServeMux) { mux.Handle(gatewayv1connect.NewMatchingServiceHandler(fakeWaiting{})) }
	for _, tt := range []struct{ lang, size, want, not string }{
		{"sv", "1", "den som väntat längst av 599; utan -page-size: alla", "de 1 "},
		{"sv", "2", "de 2 som väntat längst av 599", "den som"},
		{"en", "1", "the one who has waited longest of 599", "the 1 "},
		{"en", "2", "the 2 longest waiting of 599", "the one"},
	} {
		out, err := runServices(t, tt.lang, mount, "matching", "waiting", "-page-size", tt.size)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out, tt.want) || strings.Contains(out, tt.not) {
			t.Errorf("%s, -page-size %s: got\n%s\nwant it to hold %q and not %q", tt.lang, tt.size, out, tt.want, tt.not)
		}
	}
}
