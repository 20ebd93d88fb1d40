package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/calendar"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/services/gateway/internal/apart"
)

// heldOfferPages bounds the offers read for the held-dinner form's
// picker: 4 pages of 500, every offer of the demo's cities. An offer past
// them is still taken by mp dinners record-held and the API.
const heldOfferPages = 4

// errNoSuchPage answers a coordinator at the held-dinner form's address
// as at an address no route serves (NotFound's page): the form is under
// a sign-up's address, where every other page answers a record the
// caller may not see with not-found, so a 403 there would tell a
// coordinator of another organisation that the sign-up exists (the
// access sweep, TestAccessSweep, wants 404 off /admin/). The API answers
// PermissionDenied as the rest of the admin API.
var errNoSuchPage = apperr.Errorf(apperr.NotFound, "page not found")

// dinnerHeldData is the held-dinner form (ADR 0275): the sign-up it is
// for, the host's offers of the sign-up's organisation to choose from,
// and the dates the dinners service takes (before today, a year back).
type dinnerHeldData struct {
	Guest, Municipality, Party string
	SignUp                     string
	Offer                      pickerField
	NoOffers                   bool
	Earliest, Latest           string
}

// dinnerHeld serves GET /dinners/signups/{id}/held: an admin's form for a
// dinner the sign-up's party had before Mötesplats (the dinners service's
// RecordPastSeating, ADR 0269). Anyone else gets what an address no route
// serves gets, before the sign-up is read (errNoSuchPage).
func (w *Web) dinnerHeld(rw http.ResponseWriter, r *http.Request, p *page) error {
	if !p.Admin {
		return errNoSuchPage
	}
	p.Form = url.Values{"start_time": {"18:00"}}
	return w.dinnerHeldPage(rw, r, p, http.StatusOK)
}

// dinnerHeldRecord serves POST /dinners/signups/{id}/held: the seating
// recorded, then its row on the seatings page, where attendance and
// feedback are recorded; a refusal is the form again with the service's
// words by its fields.
func (w *Web) dinnerHeldRecord(rw http.ResponseWriter, r *http.Request, p *page) error {
	if !p.Admin {
		return errNoSuchPage
	}
	p.Form = r.PostForm
	v, err := w.g.RecordPastSeating(r.Context(), p.caller, &gatewayv1.RecordPastSeatingRequest{SignUpId: r.PathValue("id"),
		OfferId: strings.TrimSpace(p.Form.Get("offer_id")), Date: strings.TrimSpace(p.Form.Get("date")), StartTime: strings.TrimSpace(p.Form.Get("start_time"))})
	if err != nil {
		err = p.dinnerErr(err)
		if dinnerFormErrors(p, err) {
			return w.dinnerHeldPage(rw, r, p, http.StatusUnprocessableEntity)
		}
		return err
	}
	id := v.GetSeating().GetId()
	http.Redirect(rw, r, withDone(p, "/dinners/seatings?seating="+url.QueryEscape(id), url.Values{"done": {"held"}}), http.StatusSeeOther)
	return nil
}

func (w *Web) dinnerHeldPage(rw http.ResponseWriter, r *http.Request, p *page, status int) error {
	ctx := r.Context()
	p.Title, p.Nav, p.Action = p.t("dinners.held.title"), "dinners", r.URL.Path
	su, err := w.g.GetDinnerSignUp(ctx, p.caller, r.PathValue("id"))
	if err != nil {
		return p.dinnerErr(err)
	}
	s := su.GetSignUp()
	today := calendar.Today(p.clock())
	t, _ := time.Parse(time.DateOnly, today)
	d := dinnerHeldData{Guest: apart.Named(su.GetParticipantName(), s.GetMunicipalityCode()), Municipality: muniLabel(s.GetMunicipalityCode()),
		Party: p.tn("dinners.people", len(s.GetParty())), SignUp: "/dinners/signups/" + url.PathEscape(s.GetId()) + "/edit",
		Earliest: t.AddDate(-1, 0, 0).Format(time.DateOnly), Latest: t.AddDate(0, 0, -1).Format(time.DateOnly)}
	var opts []option
	token := ""
	for range heldOfferPages {
		res, err := w.g.ListDinnerOffers(ctx, p.caller, &gatewayv1.ListDinnerOffersRequest{PageSize: 500, PageToken: token})
		if err != nil {
			return err
		}
		for _, o := range res.GetOffers() {
			if o.GetOffer().GetOrganisationId() == s.GetOrganisationId() {
				opts = append(opts, option{o.GetOffer().GetId(), apart.Named(o.GetHostName(), o.GetOffer().GetMunicipalityCode()) + " · " +
					p.tn("dinners.held.seats", o.GetOffer().GetSeats())})
			}
		}
		if token = res.GetNextPageToken(); token == "" {
			break
		}
	}
	d.NoOffers = len(opts) == 0
	d.Offer = newPicker(p, "offer_id", "dinners.f.offer_id", "dinners.held.offer.choose", opts)
	p.Data = d
	return w.render(rw, p, status, "dinners_held")
}
