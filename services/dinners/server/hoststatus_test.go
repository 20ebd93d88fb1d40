package server_test

import (
	"testing"

	"github.com/motesplats/motesplats/pkg/events"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestOfferSaysWhetherItsHostCanReceive: an offer's host_status follows
// the host's volunteer record through the volunteers' stream and the pool
// it feeds (ADR 0117): available while the host holds the dinner-host
// role with a valid background check, not a dinner host once an update
// takes the role away (and available again when it comes back), and
// background check invalid once the check lapses under rules that require
// one. Each read follows the event at once (the service syncs its hosts
// side first), and a seating job seats nobody at an offer the list calls
// unusable.
func TestOfferSaysWhetherItsHostCanReceive(t *testing.T) {
	t.Parallel()
	ctx := testutil.Context(t)
	e := startEnv(t, 1, serverOptions())
	e.people(ctx, orgA, "0180", []string{"g-1"}, []string{"h-role", "h-check", "h-kept"})
	c := e.as(coordA)
	offers := map[string]*pb.Offer{}
	for _, h := range []string{"h-role", "h-check", "h-kept"} {
		offers[h] = e.mustOffer(ctx, c, offer(h, orgA, "0180", 4, date(3)))
	}
	statuses := func() map[string]pb.HostStatus {
		t.Helper()
		res, err := c.ListOffers(ctx, &pb.ListOffersRequest{PageSize: 500})
		if err != nil {
			t.Fatalf("ListOffers: %v", err)
		}
		got := map[string]pb.HostStatus{}
		for _, o := range res.GetOffers() {
			got[o.GetVolunteerId()] = o.GetHostStatus()
		}
		return got
	}
	want := func(when string, w map[string]pb.HostStatus) {
		t.Helper()
		got := statuses()
		for h, s := range w {
			if got[h] != s {
				t.Errorf("%s: ListOffers says %s's host_status is %s, want %s", when, h, got[h], s)
			}
			res, err := c.GetOffer(ctx, &pb.GetOfferRequest{Id: offers[h].GetId()})
			if err != nil {
				t.Fatalf("GetOffer: %v", err)
			}
			if res.GetOffer().GetHostStatus() != s {
				t.Errorf("%s: GetOffer says %s's host_status is %s, want %s", when, h, res.GetOffer().GetHostStatus(), s)
			}
		}
	}
	available := pb.HostStatus_HOST_STATUS_AVAILABLE
	want("before", map[string]pb.HostStatus{"h-role": available, "h-check": available, "h-kept": available})

	noRole := hostFacts("h-role", orgA, "0180")
	noRole.Roles = []*eventsv1.RoleCapacity{{Role: eventsv1.VolunteerRole_VOLUNTEER_ROLE_MENTOR, Capacity: 1}}
	lapsed := hostFacts("h-check", orgA, "0180")
	lapsed.BackgroundCheckValid = false
	e.publish(ctx,
		envelope(t, events.VolunteerUpdated, "h-role", &eventsv1.VolunteerUpdated{Facts: noRole, ChangedFields: []string{"roles"}}),
		envelope(t, events.VolunteerUpdated, "h-check", &eventsv1.VolunteerUpdated{Facts: lapsed, ChangedFields: []string{"background_check"}}))
	want("after the updates", map[string]pb.HostStatus{"h-role": pb.HostStatus_HOST_STATUS_NOT_DINNER_HOST,
		"h-check": pb.HostStatus_HOST_STATUS_BACKGROUND_CHECK_INVALID, "h-kept": available})

	// A job agrees: the guest, free on the date of all three, is seated at
	// the one offer still available.
	e.mustSignUp(ctx, c, signUp("g-1", orgA, "0180", 2, date(3)))
	job := e.runJob(ctx, c, "job-hoststatus", "0180")
	seated := seatingsOf(ctx, t, c, job.GetId())
	if len(seated) != 1 || seated[0].GetOfferId() != offers["h-kept"].GetId() {
		t.Errorf("the job seated %v, want one seating at h-kept's offer %s", seated, offers["h-kept"].GetId())
	}

	e.publish(ctx, envelope(t, events.VolunteerUpdated, "h-role",
		&eventsv1.VolunteerUpdated{Facts: hostFacts("h-role", orgA, "0180"), ChangedFields: []string{"roles"}}))
	want("after the role came back", map[string]pb.HostStatus{"h-role": available})
}
