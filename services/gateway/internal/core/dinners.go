package core

import (
	"context"

	"github.com/motesplats/motesplats/pkg/apperr"
	dinnersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/ids"
)

// errNoDinners answers dinner requests when the gateway has no dinners
// service configured.
var errNoDinners = apperr.Errorf(apperr.Unavailable, "dinners are not available: the dinners service is not configured")

// DinnersAvailable reports whether the dinner screens can work (the
// navigation shows "Middagar" only then).
func (g *Gateway) DinnersAvailable() bool { return g.Backend.Dinners != nil }

// dinners returns ctx with the caller's token and the dinners client.
// Operators see no personal data, so they are refused here; the dinners
// service checks organisation and municipalities itself.
func (g *Gateway) dinners(ctx context.Context, c Caller) (context.Context, dinnersv1.DinnerServiceClient, error) {
	if err := personal(c); err != nil {
		return nil, nil, err
	}
	if g.Backend.Dinners == nil {
		return nil, nil, errNoDinners
	}
	sctx, err := g.as(ctx, c)
	return sctx, g.Backend.Dinners, err
}

// ownOrg fills a coordinator's organisation into a new record that names
// none, so a coordinator need not know their organisation's id.
func ownOrg(c Caller, org string) string {
	org, _ = scope(c, org, nil)
	return org
}

// offerView joins an offer with its host's name. The offer came from the
// dinners service under the caller's token; the scope check is a second
// wall for the cached name.
func (g *Gateway) offerView(ctx context.Context, c Caller, o *dinnersv1.Offer) (*gatewayv1.DinnerOfferView, error) {
	if o == nil || !c.Claims().CanSee(o.GetOrganisationId(), o.GetMunicipalityCode()) {
		return nil, apperr.Errorf(apperr.NotFound, "offer not found")
	}
	v := &gatewayv1.DinnerOfferView{Offer: o}
	n, err := g.Backend.VolunteerName(ctx, o.GetVolunteerId())
	ok, err := g.found(ctx, err)
	if ok {
		v.HostName = n
	}
	return v, err // errNoNames with the view as far as it goes (names.go)
}

// signUpView joins a sign-up with the newcomer's name (see offerView).
func (g *Gateway) signUpView(ctx context.Context, c Caller, s *dinnersv1.SignUp) (*gatewayv1.DinnerSignUpView, error) {
	if s == nil || !c.Claims().CanSee(s.GetOrganisationId(), s.GetMunicipalityCode()) {
		return nil, apperr.Errorf(apperr.NotFound, "sign-up not found")
	}
	v := &gatewayv1.DinnerSignUpView{SignUp: s}
	n, err := g.Backend.ParticipantName(ctx, s.GetParticipantId())
	ok, err := g.found(ctx, err)
	if ok {
		v.ParticipantName = n
	}
	return v, err
}

// offerIDs lists, for the audit entry, each offer's id and its host's.
func offerIDs(os ...*dinnersv1.Offer) []string {
	var out []string
	for _, o := range os {
		if o != nil {
			out = append(out, o.GetId(), o.GetVolunteerId())
		}
	}
	return out
}

// signUpIDs lists, for the audit entry, each sign-up's id and its
// newcomer's.
func signUpIDs(ss ...*dinnersv1.SignUp) []string {
	var out []string
	for _, s := range ss {
		if s != nil {
			out = append(out, s.GetId(), s.GetParticipantId())
		}
	}
	return out
}

// offerCreate is the dinners service's request to create o for c: a
// coordinator's offer is their own organisation's.
func offerCreate(c Caller, requestID string, o *dinnersv1.Offer) *dinnersv1.CreateOfferRequest {
	if o == nil {
		o = &dinnersv1.Offer{}
	}
	o.OrganisationId = ownOrg(c, o.GetOrganisationId())
	return &dinnersv1.CreateOfferRequest{RequestId: requestID, Offer: o}
}

// signUpCreate is offerCreate for a sign-up.
func signUpCreate(c Caller, requestID string, s *dinnersv1.SignUp) *dinnersv1.CreateSignUpRequest {
	if s == nil {
		s = &dinnersv1.SignUp{}
	}
	s.OrganisationId = ownOrg(c, s.GetOrganisationId())
	return &dinnersv1.CreateSignUpRequest{RequestId: requestID, SignUp: s}
}

// CreateDinnerOffer records a host household's offer.
func (g *Gateway) CreateDinnerOffer(ctx context.Context, c Caller, requestID string, o *dinnersv1.Offer) (*gatewayv1.DinnerOfferView, error) {
	sctx, d, err := g.dinners(ctx, c)
	if err != nil {
		return nil, err
	}
	res, err := d.CreateOffer(sctx, offerCreate(c, requestID, o))
	if err := g.recordIDs(ctx, c, "create", "dinner_offer", res.GetOffer().GetId(), offerIDs(res.GetOffer()), err); err != nil {
		return nil, err
	}
	return written(g.offerView(ctx, c, res.GetOffer()))
}

// GetDinnerOffer returns an offer with its host's name.
func (g *Gateway) GetDinnerOffer(ctx context.Context, c Caller, id string) (*gatewayv1.DinnerOfferView, error) {
	sctx, d, err := g.dinners(ctx, c)
	if err != nil {
		return nil, err
	}
	res, err := d.GetOffer(sctx, &dinnersv1.GetOfferRequest{Id: id})
	if err := g.recordIDs(ctx, c, "read", "dinner_offer", id, offerIDs(res.GetOffer()), err); err != nil {
		return nil, err
	}
	return g.offerView(ctx, c, res.GetOffer())
}

// ListDinnerOffers pages through offers with the hosts' names.
func (g *Gateway) ListDinnerOffers(ctx context.Context, c Caller, r *gatewayv1.ListDinnerOffersRequest) (*gatewayv1.ListDinnerOffersResponse, error) {
	sctx, d, err := g.dinners(ctx, c)
	if err != nil {
		return nil, err
	}
	res, err := d.ListOffers(sctx, forward(&dinnersv1.ListOffersRequest{}, r))
	if err := g.recordList(ctx, c, "dinner_offer", offerIDs(res.GetOffers()...), err); err != nil {
		return nil, err
	}
	out := forward(&gatewayv1.ListDinnerOffersResponse{}, res)
	for _, o := range res.GetOffers() {
		v, err := g.offerView(ctx, c, o)
		if hidden(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out.Offers = append(out.Offers, v)
	}
	return out, nil
}

// UpdateDinnerOffer changes the paths of an offer; the record is read
// under the caller's scope first, as for a sign-up (ADR 0062).
func (g *Gateway) UpdateDinnerOffer(ctx context.Context, c Caller, r *gatewayv1.UpdateDinnerOfferRequest) (*gatewayv1.DinnerOfferView, error) {
	sctx, d, err := g.dinners(ctx, c)
	if err != nil {
		return nil, err
	}
	if _, err := d.GetOffer(sctx, &dinnersv1.GetOfferRequest{Id: r.GetOffer().GetId()}); err != nil {
		return nil, g.record(ctx, c, "update", "dinner_offer", r.GetOffer().GetId(), err)
	}
	res, err := d.UpdateOffer(sctx, forward(&dinnersv1.UpdateOfferRequest{}, r))
	if err := g.recordIDs(ctx, c, "update", "dinner_offer", r.GetOffer().GetId(), offerIDs(res.GetOffer()), err); err != nil {
		return nil, err
	}
	return written(g.offerView(ctx, c, res.GetOffer()))
}

// DeleteDinnerOffer removes an offer.
func (g *Gateway) DeleteDinnerOffer(ctx context.Context, c Caller, id string) error {
	sctx, d, err := g.dinners(ctx, c)
	if err != nil {
		return err
	}
	_, err = d.DeleteOffer(sctx, &dinnersv1.DeleteOfferRequest{Id: id})
	return g.record(ctx, c, "delete", "dinner_offer", id, err)
}

// CancelDinner cancels one date of an offer.
func (g *Gateway) CancelDinner(ctx context.Context, c Caller, offerID, date string) (*gatewayv1.CancelDinnerResponse, error) {
	sctx, d, err := g.dinners(ctx, c)
	if err != nil {
		return nil, err
	}
	// An id that is no id is named as the request names it; otherwise
	// scope before input (ADR 0062): the offer first, so a foreign id is
	// NotFound even with a bad date.
	if !ids.Valid(offerID) {
		return nil, g.record(ctx, c, "cancel_dinner", "dinner_offer", "", apperr.FieldError("offer_id", "is not an id"))
	}
	if _, err := d.GetOffer(sctx, &dinnersv1.GetOfferRequest{Id: offerID}); err != nil {
		return nil, g.record(ctx, c, "cancel_dinner", "dinner_offer", offerID, err)
	}
	res, err := d.CancelDinner(sctx, &dinnersv1.CancelDinnerRequest{OfferId: offerID, Date: date})
	if err := g.recordIDs(ctx, c, "cancel_dinner", "dinner_offer", offerID, res.GetCancelledSeatingIds(), err); err != nil {
		return nil, err
	}
	v, err := written(g.offerView(ctx, c, res.GetOffer()))
	if err != nil {
		return nil, err
	}
	return &gatewayv1.CancelDinnerResponse{Offer: v, CancelledSeatingIds: res.GetCancelledSeatingIds()}, nil
}

// CreateDinnerSignUp records a newcomer's sign-up.
func (g *Gateway) CreateDinnerSignUp(ctx context.Context, c Caller, requestID string, s *dinnersv1.SignUp) (*gatewayv1.DinnerSignUpView, error) {
	sctx, d, err := g.dinners(ctx, c)
	if err != nil {
		return nil, err
	}
	res, err := d.CreateSignUp(sctx, signUpCreate(c, requestID, s))
	if err := g.recordIDs(ctx, c, "create", "dinner_sign_up", res.GetSignUp().GetId(), signUpIDs(res.GetSignUp()), err); err != nil {
		return nil, err
	}
	return written(g.signUpView(ctx, c, res.GetSignUp()))
}

// GetDinnerSignUp returns a sign-up with the newcomer's name.
func (g *Gateway) GetDinnerSignUp(ctx context.Context, c Caller, id string) (*gatewayv1.DinnerSignUpView, error) {
	sctx, d, err := g.dinners(ctx, c)
	if err != nil {
		return nil, err
	}
	res, err := d.GetSignUp(sctx, &dinnersv1.GetSignUpRequest{Id: id})
	if err := g.recordIDs(ctx, c, "read", "dinner_sign_up", id, signUpIDs(res.GetSignUp()), err); err != nil {
		return nil, err
	}
	return g.signUpView(ctx, c, res.GetSignUp())
}

// ListDinnerSignUps pages through sign-ups with the newcomers' names.
func (g *Gateway) ListDinnerSignUps(ctx context.Context, c Caller, r *gatewayv1.ListDinnerSignUpsRequest) (*gatewayv1.ListDinnerSignUpsResponse, error) {
	sctx, d, err := g.dinners(ctx, c)
	if err != nil {
		return nil, err
	}
	res, err := d.ListSignUps(sctx, forward(&dinnersv1.ListSignUpsRequest{}, r))
	if err := g.recordList(ctx, c, "dinner_sign_up", signUpIDs(res.GetSignUps()...), err); err != nil {
		return nil, err
	}
	out := forward(&gatewayv1.ListDinnerSignUpsResponse{}, res)
	for _, s := range res.GetSignUps() {
		v, err := g.signUpView(ctx, c, s)
		if hidden(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out.SignUps = append(out.SignUps, v)
	}
	return out, nil
}

// UpdateDinnerSignUp changes the paths of a sign-up.
func (g *Gateway) UpdateDinnerSignUp(ctx context.Context, c Caller, r *gatewayv1.UpdateDinnerSignUpRequest) (*gatewayv1.DinnerSignUpView, error) {
	sctx, d, err := g.dinners(ctx, c)
	if err != nil {
		return nil, err
	}
	// The record first, under the caller's scope: a foreign or unknown id
	// is NotFound whatever else the request gets wrong, so an answer never
	// depends on whether someone else's record exists.
	if _, err := d.GetSignUp(sctx, &dinnersv1.GetSignUpRequest{Id: r.GetSignUp().GetId()}); err != nil {
		return nil, g.record(ctx, c, "update", "dinner_sign_up", r.GetSignUp().GetId(), err)
	}
	res, err := d.UpdateSignUp(sctx, forward(&dinnersv1.UpdateSignUpRequest{}, r))
	if err := g.recordIDs(ctx, c, "update", "dinner_sign_up", r.GetSignUp().GetId(), signUpIDs(res.GetSignUp()), err); err != nil {
		return nil, err
	}
	return written(g.signUpView(ctx, c, res.GetSignUp()))
}

// DeleteDinnerSignUp removes a sign-up.
func (g *Gateway) DeleteDinnerSignUp(ctx context.Context, c Caller, id string) error {
	sctx, d, err := g.dinners(ctx, c)
	if err != nil {
		return err
	}
	_, err = d.DeleteSignUp(sctx, &dinnersv1.DeleteSignUpRequest{Id: id})
	return g.record(ctx, c, "delete", "dinner_sign_up", id, err)
}
