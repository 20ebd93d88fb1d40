package core

import (
	"context"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
)

// DinnerHostPage is one page (size, up to 500) of the offer form's host
// picker: the volunteers in the caller's scope (in muni when given, whose
// names start with name's words when given: the services' blind name
// index, ADR 0084) who hold the dinner-host role. The volunteers service filters by role, so the form
// reads, and the audit entry names, only the people it offers (ADR 0117:
// 600 volunteers read for 393 hosts in the seeded demo before).
func (g *Gateway) DinnerHostPage(ctx context.Context, c Caller, muni, name, token string, size int32) (*volunteersv1.ListVolunteersResponse, error) {
	sctx, err := g.personalAs(ctx, c)
	if err != nil {
		return nil, err
	}
	res, err := g.Backend.Volunteers.ListVolunteers(sctx, &volunteersv1.ListVolunteersRequest{PageSize: size, PageToken: token,
		MunicipalityCode: muni, Name: name, Role: eventsv1.VolunteerRole_VOLUNTEER_ROLE_DINNER_HOST})
	if err := g.recordList(ctx, c, "volunteer", idsOf(res.GetVolunteers()), err); err != nil {
		return nil, err
	}
	return res, nil
}

// DinnerGuestPage is DinnerHostPage for the sign-up form's guest picker:
// the newcomers in scope who consent to the dinners purpose, filtered by
// the participants service (2,000 newcomers read for 1,361 offered in the
// seeded demo before).
func (g *Gateway) DinnerGuestPage(ctx context.Context, c Caller, muni, name, token string, size int32) (*participantsv1.ListParticipantsResponse, error) {
	sctx, err := g.personalAs(ctx, c)
	if err != nil {
		return nil, err
	}
	res, err := g.Backend.Participants.ListParticipants(sctx, &participantsv1.ListParticipantsRequest{PageSize: size, PageToken: token,
		MunicipalityCode: muni, Name: name, ConsentPurpose: eventsv1.ConsentPurpose_CONSENT_PURPOSE_DINNERS})
	if err := g.recordList(ctx, c, "participant", idsOf(res.GetParticipants()), err); err != nil {
		return nil, err
	}
	return res, nil
}
