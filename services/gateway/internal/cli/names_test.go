package cli

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"connectrpc.com/connect"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1/gatewayv1connect"
	guidesv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
)

// fakeNames is the gateway's API with a coordinator of one organisation
// in two municipalities, a guide organisation's capacity and an equity
// row per municipality.
type fakeNames struct {
	gatewayv1connect.UnimplementedUserServiceHandler
	gatewayv1connect.UnimplementedRegistryServiceHandler
	gatewayv1connect.UnimplementedGuidesServiceHandler
}

func (fakeNames) GetUser(context.Context, *connect.Request[gatewayv1.GetUserRequest]) (*connect.Response[gatewayv1.GetUserResponse], error) {
	return connect.NewResponse(&gatewayv1.GetUserResponse{User: &gatewayv1.User{DisplayName: "Anna", Email: "anna@example.org",
		Role: gatewayv1.Role_ROLE_COORDINATOR, OrganisationId: "0190f3e2-org", MunicipalityCodes: []string{"0180", "0380"}}}), nil
}

func (fakeNames) ListOrganisations(_ context.Context, r *connect.Request[gatewayv1.ListOrganisationsRequest]) (*connect.Response[gatewayv1.ListOrganisationsResponse], error) {
	// Two pages: the caller's organisation is on the second.
	if r.Msg.GetPageToken() == "" {
		return connect.NewResponse(&gatewayv1.ListOrganisationsResponse{Organisations: []*volunteersv1.Organisation{{Id: "other", Name: "Annan"}}, NextPageToken: "2"}), nil
	}
	return connect.NewResponse(&gatewayv1.ListOrganisationsResponse{Organisations: []*volunteersv1.Organisation{{Id: "0190f3e2-org", Name: "Röda Korset Uppsala"}}}), nil
}

func (fakeNames) ListGuideOrganisations(context.Context, *connect.Request[gatewayv1.ListGuideOrganisationsRequest]) (*connect.Response[gatewayv1.ListGuideOrganisationsResponse], error) {
	return connect.NewResponse(&gatewayv1.ListGuideOrganisationsResponse{Organisations: []*gatewayv1.GuideOrganisationView{{Name: "Lotsen",
		Organisation: &guidesv1.GuideOrganisation{OrganisationId: "g1", Capacities: []*guidesv1.GuideCapacity{{MunicipalityCode: "1280", Language: "ar", Capacity: 3}}}}}}), nil
}

func (fakeNames) GetGuideEquity(context.Context, *connect.Request[gatewayv1.GetGuideEquityRequest]) (*connect.Response[gatewayv1.GetGuideEquityResponse], error) {
	return connect.NewResponse(&gatewayv1.GetGuideEquityResponse{Rows: []*guidesv1.EquityRow{
		{Dimension: guidesv1.EquityDimension_EQUITY_DIMENSION_MUNICIPALITY, Group: "0180", Entitled: 4, WithGuide: 2, Share: 0.5}}}), nil
}

// TestNamesNotCodes: mp whoami printed the organisation as its uuid and
// the municipalities as codes ("0180,0380"), mp guides organisations and
// equity printed "1280 arabiska" and "Kommun 0180"; each now says the
// names the web shows.
func TestNamesNotCodes(t *testing.T) {
	t.Parallel()
	h := fakeNames{}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"whoami"}, "Anna <anna@example.org> samordnare\tRöda Korset Uppsala\tStockholm, Uppsala\n"},
		{[]string{"guides", "organisations"}, "\tMalmö arabiska\t"},
		{[]string{"guides", "equity"}, "Stockholm"},
	} {
		out, err := runServices(t, "", func(mux *http.ServeMux) {
			mux.Handle(gatewayv1connect.NewUserServiceHandler(h))
			mux.Handle(gatewayv1connect.NewRegistryServiceHandler(h))
			mux.Handle(gatewayv1connect.NewGuidesServiceHandler(h))
		}, tt.args...)
		if err != nil || !strings.Contains(out, tt.want) {
			t.Errorf("mp %s: %v, printed\n%s\nwant %q", strings.Join(tt.args, " "), err, out, tt.want)
		}
		for _, code := range []string{"0180", "0380", "1280", "0190f3e2"} {
			if strings.Contains(out, code) {
				t.Errorf("mp %s printed the code %s:\n%s", strings.Join(tt.args, " "), code, out)
			}
		}
	}
}
