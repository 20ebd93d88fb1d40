package core

import (
	"context"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
)

// maxHostPages bounds DinnerHosts: 20 pages of 500 hosts. A scope with
// more is reported incomplete rather than read on for every offers page.
const maxHostPages = 20

// DinnerHosts returns the ids of the volunteers in the caller's scope (in
// muni when given) who hold the dinner-host role now. The offers page
// marks an offer whose host is not among them: the host lost the role
// since the offer was made, the dinners pool dropped them, and no job
// seats anyone at that offer, though the offer itself is unchanged.
// complete is false when the scope has more hosts than are read; a caller
// must then not take a missing id as a lost role.
func (g *Gateway) DinnerHosts(ctx context.Context, c Caller, muni string) (hosts map[string]bool, complete bool, err error) {
	sctx, err := g.personalAs(ctx, c)
	if err != nil {
		return nil, false, err
	}
	hosts = map[string]bool{}
	token := ""
	for range maxHostPages {
		res, err := g.Backend.Volunteers.ListVolunteers(sctx, &volunteersv1.ListVolunteersRequest{PageSize: 500, PageToken: token,
			MunicipalityCode: muni, Role: eventsv1.VolunteerRole_VOLUNTEER_ROLE_DINNER_HOST})
		if err := g.recordList(ctx, c, "volunteer", idsOf(res.GetVolunteers()), err); err != nil {
			return nil, false, err
		}
		for _, v := range res.GetVolunteers() {
			hosts[v.GetId()] = true
		}
		if res.GetNextPageToken() == "" || res.GetNextPageToken() == token {
			return hosts, true, nil
		}
		token = res.GetNextPageToken()
	}
	return hosts, false, nil
}
