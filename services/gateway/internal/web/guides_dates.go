package web

// A guidance's dates and how it ended, in words, for the rows of the
// assignment and follow-up pages (ADR 0139, 0149).

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	guidesv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	proposalv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/proposal/v1"
	"github.com/motesplats/motesplats/services/gateway/internal/catalog"
)

// guidanceOver words how an assignment that is over ended, with the day
// and the reason its form recorded: "Avslutad 2026-12-05: har flyttat",
// "Tackade nej 2026-12-05: den nyanlända, har inte tid". Empty for one that
// is not over.
func guidanceOver(p *page, a *guidesv1.Assignment) string {
	day := ""
	if a.GetEndTime() != nil {
		day = a.GetEndTime().AsTime().In(stockholm).Format(time.DateOnly)
	}
	reason := ""
	switch a.GetStatus() {
	case eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_ENDED, eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_WITHDRAWN:
		if r := a.GetEndReason(); r != eventsv1.AssignmentEndReason_ASSIGNMENT_END_REASON_UNSPECIFIED {
			reason = midLine(p.word("guides.end."+strings.ToLower(strings.TrimPrefix(r.String(), "ASSIGNMENT_END_REASON_")), r.String()))
		}
	case eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_DECLINED:
		var parts []string
		if by := a.GetDeclinedBy(); by != eventsv1.AssignmentParty_ASSIGNMENT_PARTY_UNSPECIFIED {
			parts = append(parts, p.word("guides.party."+strings.ToLower(strings.TrimPrefix(by.String(), "ASSIGNMENT_PARTY_")), by.String()))
		}
		if r := a.GetDeclineReason(); r != proposalv1.DeclineReason_DECLINE_REASON_UNSPECIFIED {
			parts = append(parts, midLine(p.word("guides.decline."+strings.ToLower(strings.TrimPrefix(r.String(), "DECLINE_REASON_")), r.String())))
		}
		reason = strings.Join(parts, ", ")
	case eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_REJECTED:
		if r := a.GetRejectReason(); r != proposalv1.RejectReason_REJECT_REASON_UNSPECIFIED {
			reason = midLine(p.word("guides.reject."+strings.ToLower(strings.TrimPrefix(r.String(), "REJECT_REASON_")), r.String()))
		}
	default:
		return ""
	}
	return p.tf("guides.over."+strings.ToLower(strings.TrimPrefix(a.GetStatus().String(), "ASSIGNMENT_STATUS_")), "Date", day, "Reason", reason)
}

// midLine is a reason as the lists offer it ("Har flyttat", capitalised
// as every programme's lists are) for the middle of a line.
func midLine(s string) string {
	if s == "" {
		return ""
	}
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToLower(r)) + s[n:]
}

// guidanceDates words a guidance's dates as every page prints a day
// (YYYY-MM-DD, Stockholm's day): "Började 2026-03-14" once started
// (start_time; an assignment activated before start_time existed says
// when it was assigned instead, the one moment it recorded), "Tilldelad
// ..." when assigned, and, for both, when the establishment period ends,
// which is when the guidance ends (DOMAIN.md: a guide follows a newcomer
// through the establishment period, about two years; the eligibility
// rules' 24 months by default, counted from the residence permit). past
// is true for a running guidance on or after that day: the newcomer is no
// longer entitled (eligibility counts the end day out), so it needs
// closing.
func guidanceDates(p *page, a *guidesv1.Assignment, today string) (dates []string, past bool) {
	d := catalog.Guidance(a, today)
	if !d.Running {
		return nil, false
	}
	switch {
	case d.Started:
		dates = append(dates, p.tf("guides.dates.started", "Date", d.Start))
	case d.Start != "":
		dates = append(dates, p.tf("guides.dates.assigned", "Date", d.Start))
	}
	if d.End == "" {
		return append(dates, p.t("guides.dates.end_unknown")), false
	}
	return append(dates, p.tf("guides.dates.ends", "Date", d.End)), d.PastEnd
}
