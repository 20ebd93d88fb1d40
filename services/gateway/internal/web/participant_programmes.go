package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/motesplats/motesplats/pkg/apperr"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	guidesv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	"github.com/motesplats/motesplats/services/gateway/internal/core"
	"github.com/motesplats/motesplats/services/gateway/internal/localtime"
)

// The newcomer's page's sections on mentoring and on the establishment
// guide (ADR 0279), beside the dinners (ADR 0275): whether the newcomer
// waits, has a proposal, an offer, a pair or a guide, since when, and how
// the earlier ones ended, which a coordinator otherwise read off the
// matching, pairs and assignments pages, one status at a time.

// personProgramme is one programme's section: the records now running
// (a proposal, an offer, a pair or an assignment), those before them,
// and a line on the newcomer's place outside them (waiting since, the
// right to a guide).
type personProgramme struct {
	// Unavailable says the service did not answer: the rest of the page
	// is still the newcomer's.
	Unavailable bool
	// Partial says more records were there than were read.
	Partial bool
	// Status is a sentence on the newcomer outside any record: "Väntar
	// på en mentor sedan ..." or their right to a guide; "" when none.
	Status string
	// Current are the live records, the newest first; Earlier the rest,
	// the latest to change first.
	Current, Earlier []personRecord
}

// personRecord is a pair or an assignment as one line.
type personRecord struct {
	// Link is the record's own page ("" where it has none); Partner the
	// mentor's or the organisation's name and PartnerLink their page, ""
	// when the mentor was erased or the organisation removed.
	Link, Partner, PartnerLink string
	// When is the status in words with its date ("aktiv sedan
	// 2026-03-01", "avslutad 2026-05-01").
	When string
	// Details are further facts in words: the last check-in, the term's
	// or the establishment period's end, the unit; Reason why it ended.
	Details []string
	Reason  string
	at      time.Time
}

// statusOn is a status word with the day it came, the word alone when
// the record holds no time for it.
func statusOn(p *page, word string, at time.Time) string {
	if at.IsZero() {
		return word
	}
	return p.tf("pair.person.on", "Status", word, "Date", dayOf(timestamppb.New(at)))
}

// dayOf is t's day in Sweden, "" when unset.
func dayOf(t *timestamppb.Timestamp) string {
	if t == nil {
		return ""
	}
	return t.AsTime().In(localtime.Zone).Format(time.DateOnly)
}

// latest is the latest set time of ts, the zero time when none is set.
func latest(ts ...*timestamppb.Timestamp) time.Time {
	var out time.Time
	for _, t := range ts {
		if t != nil && t.AsTime().After(out) {
			out = t.AsTime()
		}
	}
	return out
}

// newestFirst orders records by their last change, the newest first.
func newestFirst(rs []personRecord) {
	slices.SortStableFunc(rs, func(a, b personRecord) int { return b.at.Compare(a.at) })
}

// loadPersonProgrammes fills v.Mentoring and v.Guide for newcomer id,
// for the services the gateway has. A failure of one leaves its section
// saying so; a caller the programme is not for (PermissionDenied) gets
// no section.
func (w *Web) loadPersonProgrammes(r *http.Request, p *page, id string, v *participantView) {
	if w.g.MentoringAvailable() {
		res, err := w.g.ParticipantMentoring(r.Context(), p.caller, id)
		switch {
		case apperr.ErrorCode(err) == apperr.PermissionDenied:
		case err != nil:
			v.Mentoring = &personProgramme{Unavailable: true}
		default:
			v.Mentoring = newPersonMentoring(p, res)
		}
	}
	if w.g.GuidesAvailable() {
		res, err := w.g.ParticipantGuide(r.Context(), p.caller, id)
		switch {
		case apperr.ErrorCode(err) == apperr.PermissionDenied:
		case err != nil:
			v.Guide = &personProgramme{Unavailable: true}
		default:
			v.Guide = newPersonGuide(p, res)
		}
	}
}

func newPersonMentoring(p *page, res *core.PersonMentoring) *personProgramme {
	d := &personProgramme{Partial: res.Partial}
	if w := res.Waiting; w != nil {
		d.Status = p.tf("pair.person.waiting", "Date", dayOf(w.GetWaitStartTime()))
	}
	for _, v := range res.Pairs {
		pr := v.GetPair()
		st := pr.GetStatus()
		r := personRecord{Link: "/pairs/" + url.PathEscape(pr.GetId()), Partner: mentorNamed(v),
			at: latest(pr.GetProposeTime(), pr.GetOfferTime(), pr.GetActiveTime(), pr.GetDecideTime(), pr.GetEndTime())}
		if v.GetVolunteerName() == "" {
			r.Partner = p.t("m.unmatched.gone")
		} else {
			r.PartnerLink = "/volunteers/" + url.PathEscape(pr.GetVolunteerId())
		}
		word := p.codeWord("status.", strings.TrimPrefix(st.String(), "PAIR_STATUS_"))
		switch st {
		case eventsv1.PairStatus_PAIR_STATUS_PROPOSED, eventsv1.PairStatus_PAIR_STATUS_OFFERED, eventsv1.PairStatus_PAIR_STATUS_ACTIVE:
			since := map[eventsv1.PairStatus]*timestamppb.Timestamp{eventsv1.PairStatus_PAIR_STATUS_PROPOSED: pr.GetProposeTime(),
				eventsv1.PairStatus_PAIR_STATUS_OFFERED: pr.GetOfferTime(), eventsv1.PairStatus_PAIR_STATUS_ACTIVE: pr.GetActiveTime()}[st]
			r.When = p.tf("pair.person.since", "Status", word, "Date", dayOf(since))
			if st == eventsv1.PairStatus_PAIR_STATUS_ACTIVE {
				if c := pr.GetLastCheckInDate(); c != "" {
					r.Details = append(r.Details, p.tf("pair.person.checkin", "Date", c))
				} else {
					r.Details = append(r.Details, p.t("pair.person.no_checkin"))
				}
				if pr.GetNeedsFollowUp() {
					r.Details = append(r.Details, p.t("pair.person.follow_up"))
				}
				if e := pr.GetTermEndDate(); e != "" {
					r.Details = append(r.Details, p.tf("pair.person.term_end", "Date", e))
				}
			}
			d.Current = append(d.Current, r)
		default:
			r.When = statusOn(p, word, r.at)
			if pr.GetActiveTime() != nil && st == eventsv1.PairStatus_PAIR_STATUS_ENDED {
				r.Details = append(r.Details, p.tf("pair.person.was_active", "Date", dayOf(pr.GetActiveTime())))
			}
			switch {
			case pr.GetEndReason() != eventsv1.EndReason_END_REASON_UNSPECIFIED:
				r.Reason = p.codeWord("reason.end.", strings.TrimPrefix(pr.GetEndReason().String(), "END_REASON_"))
			case pr.GetDeclineReason() != eventsv1.DeclineReason_DECLINE_REASON_UNSPECIFIED:
				r.Reason = p.codeWord("reason.decline.", strings.TrimPrefix(pr.GetDeclineReason().String(), "DECLINE_REASON_"))
			case pr.GetRejectReason() != eventsv1.RejectReason_REJECT_REASON_UNSPECIFIED:
				r.Reason = p.codeWord("reason.reject.", strings.TrimPrefix(pr.GetRejectReason().String(), "REJECT_REASON_"))
			}
			d.Earlier = append(d.Earlier, r)
		}
	}
	newestFirst(d.Current)
	newestFirst(d.Earlier)
	return d
}

// guideLive are the assignment statuses a newcomer's guide is "now" in.
var guideLive = []eventsv1.AssignmentStatus{eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_PROPOSED,
	eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_APPROVED, eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_ASSIGNED,
	eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_ACTIVE}

func newPersonGuide(p *page, res *core.PersonGuide) *personProgramme {
	d := &personProgramme{Partial: res.Partial}
	for _, v := range res.Assignments {
		a := v.GetAssignment()
		st := a.GetStatus()
		r := personRecord{Partner: orgOrGone(p, a.GetOrganisationId(), v.GetOrganisationName()),
			at: latest(a.GetProposeTime(), a.GetAssignTime(), a.GetStartTime(), a.GetEndTime())}
		if v.GetOrganisationName() != "" {
			r.PartnerLink = "/guides/organisations#org-" + url.PathEscape(a.GetOrganisationId())
		}
		word := p.codeWord("guides.status.", strings.TrimPrefix(st.String(), "ASSIGNMENT_STATUS_"))
		r.Details = append(r.Details, p.tf("guides.person.unit", "Language", langWord(p, a.GetLanguage()), "Municipality", muniLabel(a.GetMunicipalityCode())))
		if slices.Contains(guideLive, st) {
			since := a.GetProposeTime()
			switch st {
			case eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_ASSIGNED:
				since = a.GetAssignTime()
			case eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_ACTIVE:
				since = a.GetStartTime()
				if since == nil {
					since = a.GetAssignTime()
				}
			}
			if since == nil {
				r.When = word
			} else {
				r.When = p.tf("pair.person.since", "Status", word, "Date", dayOf(since))
			}
			if e := a.GetPeriodEndDate(); e != "" {
				r.Details = append(r.Details, p.tf("guides.person.period_end", "Date", e))
			}
			d.Current = append(d.Current, r)
			continue
		}
		r.When = statusOn(p, word, r.at)
		switch {
		case a.GetEndReason() != eventsv1.AssignmentEndReason_ASSIGNMENT_END_REASON_UNSPECIFIED:
			r.Reason = p.codeWord("guides.end.", strings.TrimPrefix(a.GetEndReason().String(), "ASSIGNMENT_END_REASON_"))
		case a.GetDeclineReason() != 0:
			r.Reason = p.codeWord("guides.decline.", strings.TrimPrefix(a.GetDeclineReason().String(), "DECLINE_REASON_"))
		case a.GetRejectReason() != 0:
			r.Reason = p.codeWord("guides.reject.", strings.TrimPrefix(a.GetRejectReason().String(), "REJECT_REASON_"))
		}
		d.Earlier = append(d.Earlier, r)
	}
	newestFirst(d.Current)
	newestFirst(d.Earlier)
	if e := res.Eligibility; e != nil {
		switch {
		case e.GetEntitlement() != guidesv1.Entitlement_ENTITLEMENT_ENTITLED:
			var why []string
			for _, r := range e.GetReasons() {
				// The sentence says "not entitled" already: each reason
				// without its own "har inte rätt: ".
				why = append(why, strings.TrimPrefix(reasonWords(p, r), p.t("guides.why.not_entitled")+": "))
			}
			d.Status = p.tf("guides.person.not_entitled", "Reasons", strings.Join(why, "; "))
		case len(d.Current) > 0:
		case e.GetPeriodEndDate() != "":
			d.Status = p.tf("guides.person.waiting_until", "Date", e.GetPeriodEndDate())
		default:
			d.Status = p.t("guides.person.waiting")
		}
	}
	return d
}

// Empty reports whether the section has nothing to show but its empty
// state: no record, and the newcomer neither waits nor has a right to a
// guide the service knows of.
func (d *personProgramme) Empty() bool {
	return d.Status == "" && len(d.Current) == 0 && len(d.Earlier) == 0
}
