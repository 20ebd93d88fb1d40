package core

import (
	"context"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
)

// The overview's "599 Nyanlända som väntar på mentor" linked to the
// matching page, which lists no one waiting: a coordinator asked to find
// the waiting newcomers found a count (outside round s30, ADR 0170). The
// list holds the same people the count counts (Dashboard.Waiting):
// newcomers in the caller's scope with mentoring consent in force and in
// no proposed, offered or active pair.
//
// The gateway made the list itself at first, reading the scope's
// consenting newcomers and pairs whole on every page (at most 10,000 of
// each). The mentoring service holds both in memory already, so it now
// serves the list page by page (ADR 0172); the gateway adds the names.

// ListWaitingNewcomers pages through the newcomers in the caller's scope
// who wait for a mentor, longest waiting first, with names. The mentoring
// service checks the caller's scope and the request's bounds (page_size,
// page_token); the names are read only for the rows it returned, and the
// read is audited as a list of those newcomers.
func (g *Gateway) ListWaitingNewcomers(ctx context.Context, c Caller, r *gatewayv1.ListWaitingNewcomersRequest) (*gatewayv1.ListWaitingNewcomersResponse, error) {
	sctx, m, err := g.mentoring(ctx, c)
	if err != nil {
		return nil, err
	}
	res, err := m.ListWaitingNewcomers(sctx, &mentoringv1.ListWaitingNewcomersRequest{PageSize: r.GetPageSize(), PageToken: r.GetPageToken()})
	ids := make([]string, 0, len(res.GetNewcomers()))
	for _, n := range res.GetNewcomers() {
		ids = append(ids, n.GetParticipantId())
	}
	if err := g.recordList(ctx, c, "participant", ids, err); err != nil {
		return nil, err
	}
	out := &gatewayv1.ListWaitingNewcomersResponse{NextPageToken: res.GetNextPageToken(), TotalSize: res.GetTotalSize()}
	for _, n := range res.GetNewcomers() {
		v := &gatewayv1.WaitingNewcomerView{ParticipantId: n.GetParticipantId(), MunicipalityCode: n.GetMunicipalityCode(),
			WaitStartTime: n.GetWaitStartTime(), ParticipantRegistered: n.GetRegisterTime()}
		// A newcomer erased since leaves the row nameless rather than
		// failing the list; a name the service cannot give now fails it.
		pv, err := g.Backend.ParticipantView(ctx, n.GetParticipantId())
		ok, err := g.found(ctx, err)
		if err != nil {
			return nil, err
		}
		if ok {
			v.ParticipantName = joinName(pv.GetGivenName(), pv.GetFamilyName())
			if pv.GetCreateTime() != nil {
				v.ParticipantRegistered = pv.GetCreateTime()
			}
		}
		out.Newcomers = append(out.Newcomers, v)
	}
	return out, nil
}
