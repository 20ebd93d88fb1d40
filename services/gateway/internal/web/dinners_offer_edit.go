package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/motesplats/motesplats/pkg/apperr"
	dinnersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/people"
)

// offerPaths are what the offer edit form changes: the kitchen, pets,
// languages, household, postcode, street address and seats (which only
// grow). The host, the municipality and the dates are shown, not changed:
// a date is cancelled on the list, a new one is a new offer.
var offerPaths = []string{"seats", "kitchen", "pets", "languages", "composition", "postcode", "address"}

// offerForm is an offer as the form's values.
func offerForm(o *dinnersv1.Offer) url.Values {
	f := url.Values{"etag": {o.GetEtag()}, "seats": {strconv.Itoa(int(o.GetSeats()))}, "languages": o.GetLanguages(),
		"postcode": {o.GetPostcode()}, "address": {o.GetAddress()}}
	if c := o.GetComposition(); c != dinnersv1.Composition_COMPOSITION_UNSPECIFIED {
		f.Set("composition", c.String())
	}
	if o.GetPets() {
		f.Set("pets", "1")
	}
	for _, d := range o.GetKitchen().GetDiets() {
		f.Add("diets", d.String())
	}
	for _, a := range o.GetKitchen().GetAllergensHandled() {
		f.Add("allergens", a.String())
	}
	return f
}

// dinnerOfferEditPage renders the edit form of offer v with p.Form's values.
func (w *Web) dinnerOfferEditPage(rw http.ResponseWriter, p *page, v *gatewayv1.DinnerOfferView, status int) error {
	o := v.GetOffer()
	p.Title, p.Nav, p.Action = p.t("dinners.offers.edit"), "dinners", "/dinners/offers/"+o.GetId()
	d := newDinnerForm(p, nil, 0)
	d.Edit, d.Guest, d.Municipality, d.MinSeats = true, v.GetHostName(), muniLabel(o.GetMunicipalityCode()), o.GetSeats()
	for _, dn := range o.GetDinners() {
		s := dn.GetDate() + " " + dn.GetStartTime()
		if dn.GetCancelled() {
			s += " (" + p.t("dinners.cancelled") + ")"
		}
		d.OfferDates = append(d.OfferDates, s)
	}
	p.Data = d
	return w.render(rw, p, status, "dinners_offer_form")
}

func (w *Web) dinnerOfferEdit(rw http.ResponseWriter, r *http.Request, p *page) error {
	v, err := w.g.GetDinnerOffer(r.Context(), p.caller, r.PathValue("id"))
	if err != nil {
		return p.dinnerErr(err)
	}
	p.Form = offerForm(v.GetOffer())
	return w.dinnerOfferEditPage(rw, p, v, http.StatusOK)
}

// dinnerOfferUpdate saves the offer edit form with the etag it was opened
// with; the service's messages (fewer seats than before, a bad postcode)
// come back by their fields in the page's language.
func (w *Web) dinnerOfferUpdate(rw http.ResponseWriter, r *http.Request, p *page) error {
	ctx, id := r.Context(), r.PathValue("id")
	cur, err := w.g.GetDinnerOffer(ctx, p.caller, id)
	if err != nil {
		return p.dinnerErr(err)
	}
	f := r.PostForm
	p.Form = f
	seats, _ := strconv.Atoi(strings.TrimSpace(f.Get("seats")))
	// A choice the form does not offer is refused here, before anything
	// is stored (a tampered composition was saved as "not given").
	var v apperr.Validator
	o := &dinnersv1.Offer{Id: id, Seats: int32(seats), Pets: f.Get("pets") != "", Languages: f["languages"],
		Postcode:    people.NormPostcode(f.Get("postcode")),
		Address:     people.NormLine(f.Get("address")),
		Composition: dinnersv1.Composition(enumField(&v, f, "composition", dinnersv1.Composition_value)),
		Kitchen:     offerKitchen(&v, f)}
	req := &gatewayv1.UpdateDinnerOfferRequest{Offer: o, UpdateMask: &fieldmaskpb.FieldMask{Paths: offerPaths}, Etag: f.Get("etag")}
	if err = v.Err(); err == nil {
		_, err = w.g.UpdateDinnerOffer(ctx, p.caller, req)
	} else {
		// The form's own refusals and the service's of the rest, in one
		// answer (ADR 0139).
		err = withChecked(p, err, w.g.ValidateDinnerOfferUpdate(ctx, p.caller, req), dinnerFieldOf(f))
	}
	if err != nil {
		if dinnerFormErrors(p, err) {
			return w.dinnerOfferEditPage(rw, p, cur, http.StatusUnprocessableEntity)
		}
		var ae *apperr.Error
		if errors.As(p.dinnerErr(err), &ae) && ae.Code == apperr.FailedPrecondition {
			// Fewer seats than before: a message by the seats field.
			p.Errors["seats"] = ae.Message
			p.ErrorList = append(p.ErrorList, errItem{Field: "seats", Label: p.t("dinners.f.seats"), Message: ae.Message})
			return w.dinnerOfferEditPage(rw, p, cur, http.StatusUnprocessableEntity)
		}
		return p.dinnerErr(err)
	}
	http.Redirect(rw, r, withDone(p, "/dinners/offers", url.Values{"saved": {"1"}}), http.StatusSeeOther)
	return nil
}
