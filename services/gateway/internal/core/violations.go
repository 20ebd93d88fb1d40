package core

import (
	"context"
	"errors"
	"fmt"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/motesplats/motesplats/pkg/apperr"
	dinnersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/grpcx"
	"github.com/motesplats/motesplats/services/gateway/internal/consent"
)

// everyViolation answers a request the gateway refused itself (ours: an
// Invalid error, a consent to a text that does not exist) with the
// service's violations of the same request too, in one answer, capped as
// every answer is (apperr.MaxViolations). validate asks the service to
// check the request without a write (validate_only). Before, the consent
// came alone and the rest after a second try (ADR 0126, 0132).
//
// The service's violations come first, in the request's field order
// (the consents are its last fields), then the gateway's on fields the
// service did not name. When the service finds nothing, or refuses for
// another reason (scope, an outage), the gateway's answer stands.
func everyViolation(ours error, validate func() error) error {
	theirs := validate()
	if status.Code(theirs) != codes.InvalidArgument {
		return ours
	}
	var v apperr.Validator
	named := map[string]bool{}
	for _, f := range grpcx.FieldViolations(theirs) {
		v.Add(f.Field, f.Description)
		named[f.Field] = true
	}
	v.Omit(apperr.OmittedIn(status.Convert(theirs).Message()))
	var e *apperr.Error
	if errors.As(ours, &e) {
		for _, f := range e.Violations {
			if !named[f.Field] {
				v.Add(f.Field, f.Description)
			}
		}
		v.Omit(e.Omitted)
	}
	return v.Err()
}

// checkConsents refuses p's consents to texts that were never published
// (consent.Set.Check, ADR 0126).
func checkConsents(p *participantsv1.Participant) error {
	var v apperr.Validator
	for i, k := range p.GetConsents() {
		consent.Texts().Check(&v, fmt.Sprintf("participant.consents[%d]", i), k)
	}
	return v.Err()
}

// validateCreate asks the participants service to check a create of p
// without a write (validate_only), as sctx's caller.
func (g *Gateway) validateCreate(sctx context.Context, p *participantsv1.Participant, requestID string) func() error {
	return func() error {
		_, err := g.Backend.Participants.CreateParticipant(sctx, &participantsv1.CreateParticipantRequest{Participant: p, RequestId: requestID, ValidateOnly: true})
		return err
	}
}

// ValidateParticipant checks a create of p as CreateParticipant would,
// consents and all, and writes nothing: the web form asks it when it
// refuses a field itself (a language it does not know), so the same
// answer lists the rest (ADR 0132). It reads no record, so it is not
// audited. Returns the violations (Invalid), or the refusal of the
// caller (PermissionDenied, Unauthenticated).
func (g *Gateway) ValidateParticipant(ctx context.Context, c Caller, p *participantsv1.Participant, requestID string) error {
	sctx, err := g.personalAs(ctx, c)
	if err != nil {
		return err
	}
	validate := g.validateCreate(sctx, p, requestID)
	if err := checkConsents(p); err != nil {
		return everyViolation(err, validate)
	}
	return validate()
}

// ValidateVolunteer checks a create of v as CreateVolunteer would (the
// volunteers service's validate_only: fields, scope, organisation) and
// writes nothing: the web form asks it when it refuses a field itself, so
// the same answer lists the rest (ADR 0135, as ValidateParticipant). It
// reads no person, so it is not audited. Returns the violations
// (Invalid), or the refusal of the caller (PermissionDenied,
// Unauthenticated).
func (g *Gateway) ValidateVolunteer(ctx context.Context, c Caller, v *volunteersv1.Volunteer, requestID string) error {
	sctx, err := g.personalAs(ctx, c)
	if err != nil {
		return err
	}
	_, err = g.Backend.Volunteers.CreateVolunteer(sctx, &volunteersv1.CreateVolunteerRequest{Volunteer: v, RequestId: requestID, ValidateOnly: true})
	return err
}

// ValidateParticipantUpdate checks a change of p's paths as
// UpdateParticipant would (the participants service's validate_only) and
// writes nothing: the web edit form asks it when it refuses a field
// itself, so the same answer lists the rest (ADR 0139). It is not
// audited: nothing is changed and nothing of the record comes back but
// whether the change fits, and the form read the record (audited) in the
// same request. Returns the violations (Invalid), or the update's other
// refusals (NotFound, Conflict, PermissionDenied, Unauthenticated).
func (g *Gateway) ValidateParticipantUpdate(ctx context.Context, c Caller, p *participantsv1.Participant, paths []string) error {
	sctx, err := g.personalAs(ctx, c)
	if err != nil {
		return err
	}
	_, err = g.Backend.Participants.UpdateParticipant(sctx, &participantsv1.UpdateParticipantRequest{Participant: p, UpdateMask: mask(paths), ValidateOnly: true})
	return err
}

// ValidateVolunteerUpdate checks a change of v's paths as UpdateVolunteer
// would (the volunteers service's validate_only, a new organisation's
// existence included) and writes nothing, for the web edit form as
// ValidateParticipantUpdate, and not audited for the same reason.
// Returns the violations (Invalid), or the update's other refusals
// (NotFound, Conflict, PermissionDenied, Unauthenticated).
func (g *Gateway) ValidateVolunteerUpdate(ctx context.Context, c Caller, v *volunteersv1.Volunteer, paths []string) error {
	sctx, err := g.personalAs(ctx, c)
	if err != nil {
		return err
	}
	_, err = g.Backend.Volunteers.UpdateVolunteer(sctx, &volunteersv1.UpdateVolunteerRequest{Volunteer: v, UpdateMask: mask(paths), ValidateOnly: true})
	return err
}

// ValidateDinnerOfferUpdate checks r as UpdateDinnerOffer would (the
// dinners service's validate_only: the mask, every field violation, the
// etag, seats that only grow) and writes nothing, for the web edit form
// as ValidateParticipantUpdate, and not audited for the same reason: the
// form read the offer in the same request. Returns the violations
// (Invalid), or the update's other refusals (NotFound, Conflict,
// FailedPrecondition, PermissionDenied, Unauthenticated).
func (g *Gateway) ValidateDinnerOfferUpdate(ctx context.Context, c Caller, r *gatewayv1.UpdateDinnerOfferRequest) error {
	sctx, d, err := g.dinners(ctx, c)
	if err != nil {
		return err
	}
	req := forward(&dinnersv1.UpdateOfferRequest{}, r)
	req.ValidateOnly = true
	_, err = d.UpdateOffer(sctx, req)
	return err
}

// ValidateDinnerSignUpUpdate checks r as UpdateDinnerSignUp would before
// its write (the dinners service's validate_only; a new party size is not
// tried on the seatings) and writes nothing, as ValidateDinnerOfferUpdate.
// Returns the violations (Invalid), or the update's other refusals
// (NotFound, Conflict, PermissionDenied, Unauthenticated).
func (g *Gateway) ValidateDinnerSignUpUpdate(ctx context.Context, c Caller, r *gatewayv1.UpdateDinnerSignUpRequest) error {
	sctx, d, err := g.dinners(ctx, c)
	if err != nil {
		return err
	}
	req := forward(&dinnersv1.UpdateSignUpRequest{}, r)
	req.ValidateOnly = true
	_, err = d.UpdateSignUp(sctx, req)
	return err
}

// ValidateDinnerOffer checks a create of o as CreateDinnerOffer would (the
// dinners service's validate_only: the request id, every field violation,
// the caller's scope, the host) and writes nothing: the web form asks it
// when it refuses a field itself, so the same answer lists the rest (ADR
// 0144, as ValidateVolunteer). It reads no record, so it is not audited.
// Returns the violations (Invalid), or the create's other refusals
// (PermissionDenied, FailedPrecondition, Unauthenticated).
func (g *Gateway) ValidateDinnerOffer(ctx context.Context, c Caller, requestID string, o *dinnersv1.Offer) error {
	sctx, d, err := g.dinners(ctx, c)
	if err != nil {
		return err
	}
	req := offerCreate(c, requestID, o)
	req.ValidateOnly = true
	_, err = d.CreateOffer(sctx, req)
	return err
}

// ValidateDinnerSignUp checks a create of s as CreateDinnerSignUp would
// (the request id, every field violation, the caller's scope, the
// newcomer) and writes nothing, as ValidateDinnerOffer.
func (g *Gateway) ValidateDinnerSignUp(ctx context.Context, c Caller, requestID string, s *dinnersv1.SignUp) error {
	sctx, d, err := g.dinners(ctx, c)
	if err != nil {
		return err
	}
	req := signUpCreate(c, requestID, s)
	req.ValidateOnly = true
	_, err = d.CreateSignUp(sctx, req)
	return err
}
