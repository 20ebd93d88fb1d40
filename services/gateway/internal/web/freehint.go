package web

import (
	dinnersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
)

// freeHint is the sentence under a left-out list when open proposals hold
// some of the full places: the reasons say who holds them (ADR 0171), this
// says what a coordinator can do, reject those proposals and run the job
// again, with a link to the programme's proposals to review (ADR 0171
// addendum, session 31).
type freeHint struct {
	// Text is the sentence, Link the proposals section's heading, the
	// words the coordinator finds where Href lands.
	Text, Href, Link string
}

// freeHintPlace is where each programme's sentence and proposals are:
// the list of every job's open proposals (no ?job=), since the ones
// holding places came from earlier jobs.
var freeHintPlace = map[string]struct{ text, href, link string }{
	"mentoring": {"m.unmatched.free_hint", "/matching#proposals", "m.proposals"},
	"dinners":   {"dinners.unseated.free_hint", "/dinners#proposals", "dinners.proposals"},
	"guides":    {"guides.unassigned.free_hint", "/guides/assign#proposals", "guides.assign.proposals"},
}

// newFreeHint is programme's hint in the page's language, or nil when no
// place is held by an open proposal (nothing a rejection would free).
func newFreeHint(p *page, programme string, held bool) *freeHint {
	if !held {
		return nil
	}
	at := freeHintPlace[programme]
	return &freeHint{Text: p.t(at.text), Href: at.href, Link: p.t(at.link)}
}

// mentorsHeldByProposals reports whether an open proposal holds a place
// of any full mentor named to the newcomers listed.
func mentorsHeldByProposals(us []*gatewayv1.UnmatchedNewcomerView) bool {
	for _, u := range us {
		for _, m := range u.GetMentors() {
			if m.GetHeldByProposals() > 0 {
				return true
			}
		}
	}
	return false
}

// unitsHeldByProposals reports whether an open proposal holds a place of
// any full guide unit named to the newcomers listed.
func unitsHeldByProposals(us []*gatewayv1.GuideUnassignedView) bool {
	for _, u := range us {
		for _, f := range u.GetFullUnits() {
			if f.GetHeldByProposals() > 0 {
				return true
			}
		}
	}
	return false
}

// dinnersHeldByProposals reports whether open proposals hold seats at the
// full dinners of a job whose listed parties include one left out as
// DINNERS_FULL: the counts are the job's, the line that shows them is
// there only with such a party.
func dinnersHeldByProposals(us []*dinnersv1.UnseatedParty, full *dinnersv1.FullDinners) bool {
	if full.GetDinners() == 0 || full.GetSeatsHeldByProposals() == 0 {
		return false
	}
	for _, u := range us {
		if u.GetReason() == dinnersv1.UnseatedReason_UNSEATED_REASON_DINNERS_FULL {
			return true
		}
	}
	return false
}
