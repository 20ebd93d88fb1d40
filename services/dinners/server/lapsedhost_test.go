package server_test

import (
	"slices"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/events"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/servicetest"
)

// TestLapsedCheckWithTheOtherRefusals (ADR 0148): a host whose background
// check has lapsed is refused in the same answer as the offer's other
// mistakes, as a violation of offer.volunteer_id, by the create and by
// validate_only alike; it came alone (FailedPrecondition) once the rest was
// right. A coordinator of another organisation learns nothing of the host:
// the fields' violations, or PermissionDenied, as before.
func TestLapsedCheckWithTheOtherRefusals(t *testing.T) {
	t.Parallel()
	ctx := testutil.Context(t)
	e := startEnv(t, 1, serverOptions())
	lapsed := hostFacts("h-lapsed", orgA, "0180")
	lapsed.BackgroundCheckValid = false
	e.publish(ctx, envelope(t, events.VolunteerRegistered, "h-lapsed", &eventsv1.VolunteerRegistered{Facts: lapsed}))
	e.waitPool(ctx, nil, []string{"h-lapsed"})

	tests := []struct {
		name   string
		who    auth.Claims
		seats  int32
		code   codes.Code
		fields []string
	}{
		{"own, bad seats", coordA, 0, codes.InvalidArgument, []string{"offer.seats", "offer.volunteer_id"}},
		{"own, only the host", coordA, 4, codes.InvalidArgument, []string{"offer.volunteer_id"}},
		{"other organisation, bad seats", coordB, 0, codes.InvalidArgument, []string{"offer.seats"}},
		{"other organisation", coordB, 4, codes.PermissionDenied, nil},
	}
	for _, tt := range tests {
		c := e.as(tt.who)
		for _, validate := range []bool{true, false} {
			_, err := c.CreateOffer(ctx, &pb.CreateOfferRequest{RequestId: "lapsed", Offer: offer("h-lapsed", orgA, "0180", tt.seats, date(5)),
				ValidateOnly: validate})
			got := servicetest.ViolatedFields(err)
			slices.Sort(got)
			if status.Code(err) != tt.code || !slices.Equal(got, tt.fields) {
				t.Errorf("%s (validate only %v): %v %v, want %v %v", tt.name, validate, status.Code(err), got, tt.code, tt.fields)
			}
		}
	}
}
