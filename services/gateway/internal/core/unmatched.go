package core

import (
	"context"
	"strings"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
)

// unmatchedMentorsShown bounds the mentors named per newcomer: the list
// says who was closest, not every mentor in the municipality.
const unmatchedMentorsShown = 3

// ListUnmatchedNewcomers pages through the newcomers a job left without a
// proposal, with names, so a coordinator sees who is left out and can
// follow them up (ADR 0137: the job said "333 utan förslag" and nothing
// showed who). The mentoring service checks the caller's scope on the job
// and the request's bounds; the names are read only for the rows it
// returned. The rows are about people, so the read is audited.
func (g *Gateway) ListUnmatchedNewcomers(ctx context.Context, c Caller, r *gatewayv1.ListUnmatchedNewcomersRequest) (*gatewayv1.ListUnmatchedNewcomersResponse, error) {
	sctx, m, err := g.mentoring(ctx, c)
	if err != nil {
		return nil, err
	}
	res, err := m.ListUnmatched(sctx, &mentoringv1.ListUnmatchedRequest{JobId: r.GetJobId(), PageSize: r.GetPageSize(), PageToken: r.GetPageToken()})
	var ids []string
	for _, u := range res.GetUnmatched() {
		ids = append(ids, u.GetParticipantId())
	}
	if err := g.recordList(ctx, c, "participant", ids, err); err != nil {
		return nil, err
	}
	out := &gatewayv1.ListUnmatchedNewcomersResponse{NextPageToken: res.GetNextPageToken(), TotalSize: res.GetTotalSize()}
	for _, u := range res.GetUnmatched() {
		v := &gatewayv1.UnmatchedNewcomerView{ParticipantId: u.GetParticipantId(), MunicipalityCode: u.GetMunicipalityCode(), Reason: u.GetReason()}
		// A newcomer erased since leaves the row nameless rather than
		// failing the list; a name the service cannot give now fails it.
		pv, err := g.Backend.ParticipantView(ctx, u.GetParticipantId())
		ok, err := g.found(ctx, err)
		if err != nil {
			return nil, err
		}
		if ok {
			v.ParticipantName = strings.TrimSpace(pv.GetGivenName() + " " + pv.GetFamilyName())
			v.ParticipantRegistered = pv.GetCreateTime()
		}
		for _, e := range u.GetEligible() {
			if len(v.Mentors) == unmatchedMentorsShown {
				break
			}
			n, err := g.Backend.VolunteerName(ctx, e.GetVolunteerId())
			ok, err := g.found(ctx, err)
			if err != nil {
				return nil, err
			}
			if ok { // an erased mentor is not named among the closest
				v.Mentors = append(v.Mentors, &gatewayv1.UnmatchedMentor{VolunteerId: e.GetVolunteerId(), Name: n, Score: e.GetScore(),
					HeldByProposals: e.GetHeldByProposals(), HeldByPairs: e.GetHeldByPairs(), HeldByThisJob: e.GetHeldByThisJob()})
			}
		}
		out.Unmatched = append(out.Unmatched, v)
	}
	return out, nil
}
