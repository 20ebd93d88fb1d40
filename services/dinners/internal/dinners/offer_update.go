package dinners

import (
	"context"
	"fmt"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/fieldmask"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	"github.com/motesplats/motesplats/pkg/store"
)

// offerPaths are the offer paths UpdateOffer changes. The host, the
// organisation and the municipality make another offer; dates change by
// CancelDinner and new offers.
var offerPaths = []string{"seats", "kitchen", "pets", "languages", "composition", "postcode", "address"}

// setOfferPath copies path from src to dst (a path of offerPaths).
func setOfferPath(dst, src *pb.Offer, path string) {
	switch path {
	case "seats":
		dst.Seats = src.GetSeats()
	case "kitchen":
		dst.Kitchen = src.GetKitchen()
	case "pets":
		dst.Pets = src.GetPets()
	case "languages":
		dst.Languages = src.GetLanguages()
	case "composition":
		dst.Composition = src.GetComposition()
	case "postcode":
		dst.Postcode = src.GetPostcode()
	case "address":
		dst.Address = src.GetAddress()
	}
}

// UpdateOffer changes the fields in paths of offer in.Id. Seats only
// grow: every replica reads a dinner's seat count when it seats a party
// (the kit's Capacity), so a smaller count checked against the seats taken
// could still be passed by a reservation in flight; a lower count is
// FailedPrecondition, and the coordinator cancels a date or makes a new
// offer (ADR 0066). Existing seatings stay. Returns Invalid, NotFound,
// PermissionDenied, FailedPrecondition, Conflict (etag).
func (s *Service) UpdateOffer(ctx context.Context, who auth.Claims, in *pb.Offer, paths []string, etag string) (*pb.Offer, error) {
	cur, next, err := s.checkOfferUpdate(ctx, who, in, paths, etag)
	if err != nil {
		return nil, err
	}
	out, _, err := s.offers.Update(ctx, cur.GetId(), func(o *pb.Offer, _ uint64) (store.Change, error) {
		if etag != "" && o.GetEtag() != etag {
			return nil, apperr.Errorf(apperr.Conflict, "the offer changed since you read it")
		}
		if next.GetSeats() < o.GetSeats() {
			return nil, errSeatsGrow
		}
		for _, p := range paths {
			setOfferPath(o, next, p)
		}
		o.Etag = store.Etag(o)
		return nil, nil
	})
	if err != nil {
		return nil, notFound(err, "offer")
	}
	return s.offerView(out), nil
}

// ValidateOfferUpdate checks a change as UpdateOffer does (the mask, the
// offer in the caller's scope, every field violation, the etag, seats
// that only grow) and writes nothing: a request with validate_only, which
// the web edit form asks when it refuses a field itself, so one answer
// lists every problem (ADR 0139). Returns what UpdateOffer returns.
func (s *Service) ValidateOfferUpdate(ctx context.Context, who auth.Claims, in *pb.Offer, paths []string, etag string) error {
	_, _, err := s.checkOfferUpdate(ctx, who, in, paths, etag)
	return err
}

// checkOfferUpdate reads offer in.Id in who's scope and returns it with
// the fields in paths changed, checked as UpdateOffer checks them before
// its write, which checks the etag and the seats again on what it writes.
func (s *Service) checkOfferUpdate(ctx context.Context, who auth.Claims, in *pb.Offer, paths []string, etag string) (cur, next *pb.Offer, err error) {
	var v apperr.Validator
	fieldmask.Require(&v, paths, offerPaths, "update_mask")
	if err := v.Err(); err != nil {
		return nil, nil, err
	}
	cur, err = s.GetOffer(ctx, who, in.GetId())
	if err != nil {
		return nil, nil, err
	}
	next = clone(cur)
	for _, p := range paths {
		setOfferPath(next, in, p)
	}
	for _, p := range paths {
		switch p {
		case "seats":
			v.Check(next.GetSeats() >= 1 && next.GetSeats() <= maxSeats, "offer.seats", fmt.Sprintf("must be from 1 to %d", maxSeats))
		case "kitchen":
			validDiets(&v, "offer.kitchen.diets", next.GetKitchen().GetDiets())
			validAllergens(&v, "offer.kitchen.allergens_handled", next.GetKitchen().GetAllergensHandled())
		case "languages":
			validLanguages(&v, "offer.languages", next.GetLanguages())
		case "composition":
			validComposition(&v, "offer.composition", next.GetComposition())
		case "postcode":
			v.Check(next.GetPostcode() == "" || postcodeRE.MatchString(next.GetPostcode()), "offer.postcode", "must be five digits")
		case "address":
			validAddress(&v, "offer.address", next.GetAddress())
		}
	}
	if err := v.Err(); err != nil {
		return nil, nil, err
	}
	if etag != "" && etag != cur.GetEtag() {
		return nil, nil, apperr.Errorf(apperr.Conflict, "the offer changed since you read it")
	}
	if next.GetSeats() < cur.GetSeats() {
		return nil, nil, errSeatsGrow
	}
	return cur, next, nil
}

// errSeatsGrow refuses fewer seats than an offer has (see UpdateOffer).
var errSeatsGrow = apperr.Errorf(apperr.FailedPrecondition, "seats can only grow; cancel a date or make a new offer")
