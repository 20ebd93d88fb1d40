package core

import (
	"context"

	dinnersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
)

// RecordPastSeating records, for an admin, a confirmed seating at a
// dinner held before Mötesplats knew of it (the dinners service's
// RecordPastSeating, ADR 0269). The gateway refuses anyone else before
// the service is asked, as every admin screen does (ADR 0275): a
// coordinator learns nothing of the ids, not even whether they are
// well-formed. The service checks the same again with the caller's token.
func (g *Gateway) RecordPastSeating(ctx context.Context, c Caller, r *gatewayv1.RecordPastSeatingRequest) (*gatewayv1.SeatingView, error) {
	if err := adminOnly(c); err != nil {
		return nil, g.record(ctx, c, "record_past", "seating", "", err)
	}
	sctx, d, err := g.dinners(ctx, c)
	if err != nil {
		return nil, err
	}
	res, err := d.RecordPastSeating(sctx, &dinnersv1.RecordPastSeatingRequest{SignUpId: r.GetSignUpId(), OfferId: r.GetOfferId(), Date: r.GetDate(), StartTime: r.GetStartTime()})
	if err := g.recordIDs(ctx, c, "record_past", "seating", res.GetSeating().GetId(), seatingIDs(res.GetSeating()), err); err != nil {
		return nil, err
	}
	return written(g.seatingView(ctx, c, res.GetSeating()))
}
