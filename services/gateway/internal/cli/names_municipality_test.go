package cli

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"connectrpc.com/connect"

	dinnersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1/gatewayv1connect"
	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
)

// fakeSeatingsPage is the gateway's dinners API answering one page of
// seatings.
type fakeSeatingsPage struct {
	gatewayv1connect.UnimplementedDinnersServiceHandler
	seatings []*gatewayv1.SeatingView
}

func (f *fakeSeatingsPage) ListSeatings(context.Context, *connect.Request[gatewayv1.ListSeatingsRequest]) (*connect.Response[gatewayv1.ListSeatingsResponse], error) {
	return connect.NewResponse(&gatewayv1.ListSeatingsResponse{Seatings: f.seatings, TotalSize: int32(len(f.seatings))}), nil
}

// TestOneNameInTwoMunicipalitiesInMp: mp proposals list and mp dinners
// seatings list (and proposals list) printed two Ayaan Yusuf, one in
// Västerås and one in Linköping, as "Ayaan Yusuf" twice (outside round
// s39). Each person is now named as the registers and the web's lists
// name them, "Förnamn Efternamn, Kommun", by the municipality's name and
// never its code; they are no namesakes, so no registration is printed.
func TestOneNameInTwoMunicipalitiesInMp(t *testing.T) {
	t.Parallel()
	pair := func(id, muni, mentor string) *gatewayv1.PairView {
		return &gatewayv1.PairView{Pair: &mentoringv1.Pair{Id: id, ParticipantId: "p-" + id, VolunteerId: "v-" + id, MunicipalityCode: muni, Score: 40},
			ParticipantName: "Ayaan Yusuf", VolunteerName: mentor, VolunteerMunicipalityCode: muni}
	}
	out, err := runServices(t, "sv", func(mux *http.ServeMux) {
		mux.Handle(gatewayv1connect.NewMatchingServiceHandler(&fakeProposals{pairs: []*gatewayv1.PairView{
			pair("pv", "1980", "Berit Andersson"), pair("pl", "0580", "Berit Andersson"), pair("pg", "1880", "")}}))
	}, "proposals", "list")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"pv\tAyaan Yusuf, Västerås + Berit Andersson, Västerås\t", "pl\tAyaan Yusuf, Linköping + Berit Andersson, Linköping\t",
		"pg\tAyaan Yusuf, Örebro + \t"} {
		if !strings.Contains(out, want) {
			t.Errorf("mp proposals list lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "registrerad") {
		t.Errorf("mp proposals list marks people of one name in two municipalities:\n%s", out)
	}

	seat := func(id, muni string) *gatewayv1.SeatingView {
		return &gatewayv1.SeatingView{Seating: &dinnersv1.Seating{Id: id, ParticipantId: "p-" + id, VolunteerId: "v-" + id, MunicipalityCode: muni,
			PartySize: 2, Date: "2026-12-11", StartTime: "18:00"}, ParticipantName: "Ayaan Yusuf", HostName: "Karin Lindgren"}
	}
	f := &fakeSeatingsPage{seatings: []*gatewayv1.SeatingView{seat("sv", "1980"), seat("sl", "0580")}}
	for _, args := range [][]string{{"dinners", "seatings", "list"}, {"dinners", "proposals", "list"}} {
		out, err := runServices(t, "sv", func(mux *http.ServeMux) { mux.Handle(gatewayv1connect.NewDinnersServiceHandler(f)) }, args...)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"sv\tAyaan Yusuf, Västerås (2) hos Karin Lindgren, Västerås\t", "sl\tAyaan Yusuf, Linköping (2) hos Karin Lindgren, Linköping\t"} {
			if !strings.Contains(out, want) {
				t.Errorf("mp %s lacks %q:\n%s", strings.Join(args, " "), want, out)
			}
		}
		if strings.Contains(out, "registrerad") {
			t.Errorf("mp %s marks people of one name in two municipalities:\n%s", strings.Join(args, " "), out)
		}
	}
}
