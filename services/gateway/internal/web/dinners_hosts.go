package web

import (
	"strings"

	dinnersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
)

// hostMark is the warning at an offer no seating job uses: the catalogue
// keys of what is wrong with the host and of what to do about it.
type hostMark struct {
	Label, Hint string
}

// hostStatusKey is the catalogue key of an offer's host status
// ("dinners.host_status.not_dinner_host"); mp prints the same words.
func hostStatusKey(s dinnersv1.HostStatus) string {
	return "dinners.host_status." + strings.ToLower(strings.TrimPrefix(s.String(), "HOST_STATUS_"))
}

// offersWithoutHost marks, by offer id, the offers whose host cannot
// receive guests now (the host lost the dinner-host role, or has no valid
// background check where the rules want one). The dinners service says so
// per offer (host_status, ADR 0117) from the pool a seating job reads, so
// the list says at the offer what the job will do, whatever the size of the
// scope. An offer whose status is not known (UNSPECIFIED, a dinners
// service older than the field) is not marked.
func offersWithoutHost(offers []*gatewayv1.DinnerOfferView) map[string]*hostMark {
	out := map[string]*hostMark{}
	for _, o := range offers {
		switch s := o.GetOffer().GetHostStatus(); s {
		case dinnersv1.HostStatus_HOST_STATUS_UNSPECIFIED, dinnersv1.HostStatus_HOST_STATUS_AVAILABLE:
		default:
			out[o.GetOffer().GetId()] = &hostMark{Label: hostStatusKey(s), Hint: hostStatusKey(s) + ".hint"}
		}
	}
	return out
}
