package core

import (
	"context"

	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
)

// CreateOrganisation registers an organisation, for an administrator:
// on a system without the demo data the web app and mp had no way to
// make the first one, and every newcomer, volunteer and coordinator
// belongs to one (outside round s45, ADR 0251). The volunteers service
// checks the fields and the caller's role again; requestID makes a
// resent form create it once.
func (g *Gateway) CreateOrganisation(ctx context.Context, c Caller, o *volunteersv1.Organisation, requestID string) (*volunteersv1.Organisation, error) {
	if err := adminOnly(c); err != nil {
		return nil, err
	}
	sctx, err := g.as(ctx, c)
	if err != nil {
		return nil, err
	}
	res, err := g.Backend.Volunteers.CreateOrganisation(sctx, &volunteersv1.CreateOrganisationRequest{Organisation: o, RequestId: requestID})
	if err := g.record(ctx, c, "create", "organisation", res.GetOrganisation().GetId(), err); err != nil {
		return nil, err
	}
	return res.GetOrganisation(), nil
}
