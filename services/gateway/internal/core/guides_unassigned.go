package core

import (
	"context"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	guidesv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
)

// unassignedWords are the reasons in English for API callers; the web app
// and mp word the code in the reader's language (guides.unassigned.*).
var unassignedWords = map[guidesv1.UnassignedReason]string{
	guidesv1.UnassignedReason_UNASSIGNED_REASON_NO_ELIGIBLE_UNIT:        "no guide organisation in the municipality guides in one of the newcomer's languages",
	guidesv1.UnassignedReason_UNASSIGNED_REASON_UNITS_FULL:              "the guide organisations that fit have no free place: they went to newcomers who waited longer or scored more",
	guidesv1.UnassignedReason_UNASSIGNED_REASON_QUOTA_REACHED:           "the newcomer's group reached its quota",
	guidesv1.UnassignedReason_UNASSIGNED_REASON_NO_UNIT_IN_MUNICIPALITY: "no guide organisation guides in the newcomer's municipality",
	guidesv1.UnassignedReason_UNASSIGNED_REASON_PROPOSED_BEFORE:         "every guide organisation that fits was proposed for the newcomer before (declined, rejected or ended), and the same newcomer and organisation are never proposed again",
}

// ListGuideUnassigned pages through the entitled newcomers a guides job
// left without a guide, with names, so a coordinator sees who is left out
// (ADR 0158: the job said "21 utan plats" and nobody was named). The
// guides service checks the caller's scope on the job and on each
// newcomer's municipality, and the request's bounds; names are read only
// for the rows it returned. The rows are about people: the read is
// audited with each newcomer's id.
func (g *Gateway) ListGuideUnassigned(ctx context.Context, c Caller, r *gatewayv1.ListGuideUnassignedRequest) (*gatewayv1.ListGuideUnassignedResponse, error) {
	sctx, gc, err := g.guides(ctx, c)
	if err != nil {
		return nil, err
	}
	res, err := gc.ListUnassigned(sctx, &guidesv1.ListUnassignedRequest{JobId: r.GetJobId(), PageSize: r.GetPageSize(), PageToken: r.GetPageToken()})
	var ids []string
	for _, u := range res.GetUnassigned() {
		ids = append(ids, u.GetParticipantId())
	}
	if err := g.recordList(ctx, c, "participant", ids, err); err != nil {
		return nil, err
	}
	out := &gatewayv1.ListGuideUnassignedResponse{NextPageToken: res.GetNextPageToken(), TotalSize: res.GetTotalSize()}
	for _, u := range res.GetUnassigned() {
		v := &gatewayv1.GuideUnassignedView{ParticipantId: u.GetParticipantId(), MunicipalityCode: u.GetMunicipalityCode(),
			Reason: u.GetReason(), ReasonWords: unassignedWords[u.GetReason()]}
		// A newcomer erased since leaves the row nameless rather than
		// failing the list; a name the service cannot give now fails it.
		pv, err := g.Backend.ParticipantView(ctx, u.GetParticipantId())
		ok, err := g.found(ctx, err)
		if err != nil {
			return nil, err
		}
		if ok {
			v.ParticipantName, v.ParticipantRegistered = joinName(pv.GetGivenName(), pv.GetFamilyName()), pv.GetCreateTime()
		}
		for _, f := range u.GetFullUnits() {
			org, err := g.organisationName(ctx, f.GetOrganisationId())
			if err != nil {
				return nil, err
			}
			v.FullUnits = append(v.FullUnits, &gatewayv1.GuideFullUnitView{OrganisationId: f.GetOrganisationId(),
				OrganisationName: org,
				MunicipalityCode: f.GetMunicipalityCode(), Language: f.GetLanguage(), Score: f.GetScore(),
				HeldByProposals: f.GetHeldByProposals(), HeldByAssignments: f.GetHeldByAssignments(), HeldByThisJob: f.GetHeldByThisJob()})
		}
		out.Unassigned = append(out.Unassigned, v)
	}
	return out, nil
}
