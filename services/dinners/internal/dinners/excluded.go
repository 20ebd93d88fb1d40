package dinners

import (
	"slices"

	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	proposalv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/proposal/v1"
)

// turnedDown reports whether seating p ended because someone turned the
// pairing down: a coordinator rejected it, or the guest or the host
// declined the invitation, for a reason that is not of the moment. Such
// a party is left out of every dinner of that host's offer
// (rules.OfferKey, ADR 0263): the point of a dinner is meeting new
// people, and a rejection is of the pairing, not the date, as guides'
// is of the organisation (ADR 0257). A rejection because a party is
// not available right now and a decline because the date no longer
// suits or for illness say nothing of the pairing, and stay of their
// one dinner (rules.SeatingKey), as do the ends that turned no one
// down: an invitation that expired unanswered, a party or host that
// withdrew, a dinner the host cancelled, a seat the guest cancelled
// after accepting.
func turnedDown(p *pb.Seating) bool {
	switch p.GetStatus() {
	case eventsv1.SeatingStatus_SEATING_STATUS_REJECTED:
		return p.GetRejectReason() != proposalv1.RejectReason_REJECT_REASON_NOT_AVAILABLE
	case eventsv1.SeatingStatus_SEATING_STATUS_DECLINED:
		switch p.GetDeclineReason() {
		case eventsv1.RsvpDeclineReason_RSVP_DECLINE_REASON_DATE, eventsv1.RsvpDeclineReason_RSVP_DECLINE_REASON_ILLNESS:
			return false
		}
		return true
	}
	return false
}

// priorSeating is a waiting party's seating proposed before, for the
// count of the pairs a job leaves out.
type priorSeating struct {
	party, offer, date string
	// dates are the party's dates still ahead.
	dates []string
	// offerWide: turned down, so the host's other dinners are left out
	// too.
	offerWide bool
}

// excludedPairs counts the (party, dinner) pairs among tables that the
// seatings proposed before leave out, each once: the seating's own
// dinner, and for one turned down the host's other dinners on the
// party's dates (a dinner on another date would not seat it anyway).
func excludedPairs(before []priorSeating, tables []*pb.JobTable) int {
	byOffer := map[string][]string{}
	for _, t := range tables {
		byOffer[t.GetOfferId()] = append(byOffer[t.GetOfferId()], t.GetDate())
	}
	seen := map[[3]string]bool{}
	for _, p := range before {
		for _, d := range byOffer[p.offer] {
			if d == p.date || (p.offerWide && slices.Contains(p.dates, d)) {
				seen[[3]string{p.party, p.offer, d}] = true
			}
		}
	}
	return len(seen)
}
