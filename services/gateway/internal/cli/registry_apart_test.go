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
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
)

// fakeRegisters answers both registers in two pages, a namesake on each.
type fakeRegisters struct {
	gatewayv1connect.UnimplementedRegistryServiceHandler
	at func(day string) *timestamppb.Timestamp
}

func (f *fakeRegisters) ListParticipants(_ context.Context, r *connect.Request[gatewayv1.ListParticipantsRequest]) (*connect.Response[gatewayv1.ListParticipantsResponse], error) {
	if r.Msg.GetPageToken() == "" {
		return connect.NewResponse(&gatewayv1.ListParticipantsResponse{NextPageToken: "2", Participants: []*participantsv1.Participant{
			{Id: "p1", GivenName: "Selam", FamilyName: "Tesfaye", MunicipalityCode: "0380", CreateTime: f.at("2026-03-14")},
			{Id: "p2", GivenName: "Selam", FamilyName: "Tesfaye", MunicipalityCode: "0180", CreateTime: f.at("2026-03-15")},
		}}), nil
	}
	return connect.NewResponse(&gatewayv1.ListParticipantsResponse{Participants: []*participantsv1.Participant{
		{Id: "p3", GivenName: "Selam", FamilyName: "Tesfaye", MunicipalityCode: "0380", CreateTime: f.at("2026-04-20")},
	}}), nil
}

func (f *fakeRegisters) ListVolunteers(_ context.Context, r *connect.Request[gatewayv1.ListVolunteersRequest]) (*connect.Response[gatewayv1.ListVolunteersResponse], error) {
	if r.Msg.GetPageToken() == "" {
		return connect.NewResponse(&gatewayv1.ListVolunteersResponse{NextPageToken: "2", Volunteers: []*volunteersv1.Volunteer{
			{Id: "v1", GivenName: "Erik", FamilyName: "Berg", MunicipalityCode: "0180", CreateTime: f.at("2026-01-02")},
		}}), nil
	}
	return connect.NewResponse(&gatewayv1.ListVolunteersResponse{Volunteers: []*volunteersv1.Volunteer{
		{Id: "v2", GivenName: "Erik", FamilyName: "Berg", MunicipalityCode: "0180", CreateTime: f.at("2026-02-03")},
		{Id: "v3", GivenName: "Anna", FamilyName: "Berg", MunicipalityCode: "0180", CreateTime: f.at("2026-02-03")},
	}}), nil
}

// TestRegisterNamesakesInMp: mp participants list and volunteers list
// tell namesakes in one municipality apart by when each was registered,
// over every page, as the web app's registers and mp's other lists do
// (outside round s32, ADR 0178: three "Selam Tesfaye, Uppsala" after the
// seed read alike); a namesake elsewhere and everyone else read as before.
func TestRegisterNamesakesInMp(t *testing.T) {
	t.Parallel()
	f := &fakeRegisters{at: func(day string) *timestamppb.Timestamp {
		tm, err := time.Parse(time.DateOnly, day)
		if err != nil {
			t.Fatal(err)
		}
		return timestamppb.New(tm.Add(9 * time.Hour))
	}}
	mount := func(mux *http.ServeMux) { mux.Handle(gatewayv1connect.NewRegistryServiceHandler(f)) }
	out, err := runServices(t, "sv", mount, "participants", "list")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"p1\tSelam Tesfaye (registrerad 2026-03-14)\tUppsala\t", "p2\tSelam Tesfaye\tStockholm\t",
		"p3\tSelam Tesfaye (registrerad 2026-04-20)\tUppsala\t"} {
		if !strings.Contains(out, want) {
			t.Errorf("mp participants list lacks %q:\n%s", want, out)
		}
	}
	out, err = runServices(t, "en", mount, "volunteers", "list")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"v1\tErik Berg (registered 2026-01-02)\tStockholm\t", "v2\tErik Berg (registered 2026-02-03)\tStockholm\t", "v3\tAnna Berg\tStockholm\t"} {
		if !strings.Contains(out, want) {
			t.Errorf("mp volunteers list lacks %q:\n%s", want, out)
		}
	}
}
