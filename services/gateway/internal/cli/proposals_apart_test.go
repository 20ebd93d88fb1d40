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
	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
)

// fakeProposals is the gateway's matching API answering one page of
// proposals.
type fakeProposals struct {
	gatewayv1connect.UnimplementedMatchingServiceHandler
	pairs []*gatewayv1.PairView
}

func (f *fakeProposals) ListPairs(context.Context, *connect.Request[gatewayv1.ListPairsRequest]) (*connect.Response[gatewayv1.ListPairsResponse], error) {
	return connect.NewResponse(&gatewayv1.ListPairsResponse{Pairs: f.pairs, TotalSize: int32(len(f.pairs))}), nil
}

// TestProposalNamesakesInMp: mp proposals list tells two newcomers of one
// name in one municipality apart by when each was registered, as the
// matching page does (ADR 0170), and leaves everyone else's line as it
// was, a mentor in two proposals included.
func TestProposalNamesakesInMp(t *testing.T) {
	t.Parallel()
	at := func(day string) *timestamppb.Timestamp {
		tm, err := time.Parse(time.DateOnly, day)
		if err != nil {
			t.Fatal(err)
		}
		return timestamppb.New(tm.Add(9 * time.Hour))
	}
	pair := func(id, pid, name, day, vid, mentor string) *gatewayv1.PairView {
		return &gatewayv1.PairView{Pair: &mentoringv1.Pair{Id: id, ParticipantId: pid, VolunteerId: vid, MunicipalityCode: "0380", Score: 40},
			ParticipantName: name, ParticipantRegistered: at(day), VolunteerName: mentor, VolunteerMunicipalityCode: "0380", VolunteerRegistered: at("2026-01-02")}
	}
	f := &fakeProposals{pairs: []*gatewayv1.PairView{
		pair("pa", "p1", "Zahra Gebremedhin", "2026-03-14", "v1", "Per Persson"),
		pair("pb", "p2", "Zahra Gebremedhin", "2026-04-20", "v2", "Erik Berg"),
		pair("pc", "p3", "Amal Haddad", "2026-05-01", "v1", "Per Persson"),
	}}
	out, err := runServices(t, "sv", func(mux *http.ServeMux) { mux.Handle(gatewayv1connect.NewMatchingServiceHandler(f)) }, "proposals", "list")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"pa\tZahra Gebremedhin, Uppsala (registrerad 2026-03-14) + Per Persson, Uppsala\t", "pb\tZahra Gebremedhin, Uppsala (registrerad 2026-04-20) + Erik Berg, Uppsala\t",
		"pc\tAmal Haddad, Uppsala + Per Persson, Uppsala\t"} {
		if !strings.Contains(out, want) {
			t.Errorf("mp proposals list lacks %q:\n%s", want, out)
		}
	}
	if n := strings.Count(out, "registrerad"); n != 2 {
		t.Errorf("%d registration moments, want the two namesakes':\n%s", n, out)
	}
}
