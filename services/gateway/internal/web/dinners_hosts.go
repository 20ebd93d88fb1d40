package web

import (
	"net/http"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
)

// offersWithoutHost returns the ids of the offers whose host no longer
// holds the dinner-host role (the volunteer was edited since): the
// dinners pool dropped the host, so no job seats anyone there, and the
// offers list says so rather than showing the offer as usable. Nothing is
// marked when the hosts of the scope could not all be read.
func (w *Web) offersWithoutHost(r *http.Request, p *page, offers []*gatewayv1.DinnerOfferView) (map[string]bool, error) {
	if len(offers) == 0 {
		return nil, nil
	}
	hosts, complete, err := w.g.DinnerHosts(r.Context(), p.caller, r.URL.Query().Get("municipality_code"))
	if err != nil || !complete {
		return nil, err
	}
	out := map[string]bool{}
	for _, o := range offers {
		if !hosts[o.GetOffer().GetVolunteerId()] {
			out[o.GetOffer().GetId()] = true
		}
	}
	return out, nil
}
