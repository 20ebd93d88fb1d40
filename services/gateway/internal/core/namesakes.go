package core

import (
	"context"

	"github.com/motesplats/motesplats/pkg/apperr"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/people"
)

// ListNamesakes returns the namesakes of the newcomers and volunteers a
// page names by id (a page of proposals, seatings, assignments, left-out
// or waiting newcomers), over everyone the caller may see: such a page
// marked namesakes only among its own rows, so a coordinator approving
// "Amina Hassan" could not tell which Amina when the other was on another
// page or in no list (ADR 0200). The participants and volunteers services
// read each person as the caller may see them and look the names up in
// their name index (people.NamesakesOf); a person outside the caller's
// scope has none, so the answer says nothing of anyone outside it. The
// namesakes' ids are audited as read with the page (their registration
// time is shown), as ListParticipants' with_namesakes does (ADR 0196).
func (g *Gateway) ListNamesakes(ctx context.Context, c Caller, r *gatewayv1.ListNamesakesRequest) (*gatewayv1.ListNamesakesResponse, error) {
	sctx, err := g.personalAs(ctx, c)
	if err != nil {
		return nil, err
	}
	var v apperr.Validator
	pids := people.NamesakeIDs(&v, "participant_ids", r.GetParticipantIds())
	vids := people.NamesakeIDs(&v, "volunteer_ids", r.GetVolunteerIds())
	if err := v.Err(); err != nil {
		return nil, err
	}
	out := &gatewayv1.ListNamesakesResponse{}
	if len(pids) == 0 && len(vids) == 0 {
		return out, nil
	}
	if len(pids) > 0 {
		res, err := g.Backend.Participants.ListNamesakes(sctx, &participantsv1.ListNamesakesRequest{Ids: pids})
		if err := g.recordList(ctx, c, "participant", namesakeIDs(res.GetNamesakes()), err); err != nil {
			return nil, err
		}
		out.ParticipantNamesakes = res.GetNamesakes()
	}
	if len(vids) > 0 {
		res, err := g.Backend.Volunteers.ListNamesakes(sctx, &volunteersv1.ListNamesakesRequest{Ids: vids})
		if err := g.recordList(ctx, c, "volunteer", namesakeIDs(res.GetNamesakes()), err); err != nil {
			return nil, err
		}
		out.VolunteerNamesakes = res.GetNamesakes()
	}
	return out, nil
}

// namesakeIDs are the ids of namesakes, each once.
func namesakeIDs(ns []*typev1.Namesake) []string {
	return withNamesakes(nil, ns)
}
