package dinners

import (
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/auth"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	proposalv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/proposal/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/report"
	"github.com/motesplats/motesplats/pkg/store"
)

// Report event kinds and dimensions.
const (
	kindOffered    = "offered"     // a dinner date offered
	kindHeld       = "held"        // a dinner with a held seating
	kindSeated     = "seated"      // one guest of a confirmed or held seating
	kindCame       = "came"        // one guest who came
	kindNoShow     = "no_show"     // one guest who did not come
	kindLateCancel = "late_cancel" // one guest of a seating cancelled late
	kindFirstTime  = "first_time"  // a newcomer in a Swedish home for the first time

	dimMunicipality = "municipality"
	dimGender       = "gender"
	dimLanguage     = "language"
)

// Report counts dinners and guests per Stockholm month and municipality,
// and per month by the newcomer's gender and first language; the figures
// are pkg/report's. Returns Invalid, PermissionDenied.
func (s *Service) Report(_ context.Context, who auth.Claims, org string, munis []string, from, to string) ([]*pb.ReportRow, error) {
	org, munis, err := scope(who, org, munis)
	if err != nil {
		return nil, err
	}
	var v apperr.Validator
	period := report.CheckPeriod(&v, from, to, s.now())
	if err := v.Err(); err != nil {
		return nil, err
	}
	var rs []report.Record
	offers, err := s.offers.Find(store.Query[*pb.Offer]{Filter: func(o *pb.Offer) bool {
		return inScope(who, org, munis, o.GetOrganisationId(), o.GetMunicipalityCode())
	}})
	if err != nil {
		return nil, err
	}
	for _, o := range offers.Items {
		for _, d := range o.GetDinners() {
			rs = append(rs, s.tableRecord(o, d))
		}
	}
	seatings, err := s.seatings.Find(store.Query[*pb.Seating]{Filter: func(p *pb.Seating) bool {
		return inScope(who, org, munis, p.GetOrganisationId(), p.GetMunicipalityCode())
	}})
	if err != nil {
		return nil, err
	}
	for _, p := range seatings.Items {
		rs = append(rs, guestRecord(p))
		if r, ok := reasonRecord(p); ok {
			rs = append(rs, r)
		}
	}
	gone, err := s.removedTables(seatings.Items)
	if err != nil {
		return nil, err
	}
	return reportRows(append(rs, gone...), period), nil
}

// removedTables are the held dinners of offers removed since (DeleteOffer
// keeps a passed dinner's seatings, ADR 0280): one held table each, from
// its seatings, so a host's leaving does not take the dinners they held out
// of the report. The offer went with its municipality, so such a dinner
// counts in its guests' (the first held seating's); it no longer counts as
// offered.
func (s *Service) removedTables(seatings []*pb.Seating) ([]report.Record, error) {
	known := map[string]bool{}
	if _, err := s.offers.Find(store.Query[*pb.Offer]{Filter: func(o *pb.Offer) bool {
		known[o.GetId()] = true
		return false
	}}); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []report.Record
	for _, p := range seatings {
		key := tableKey(p.GetOfferId(), p.GetDate())
		if p.GetStatus() != held || known[p.GetOfferId()] || seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, report.Record{Keys: map[string]string{dimMunicipality: p.GetMunicipalityCode()},
			Events: []report.Event{{Kind: kindHeld, At: startOf(p.GetDate(), p.GetStartTime())}}})
	}
	return out, nil
}

// Kinds of the reasons' records: "rejected:<RejectReason number>" and
// "declined:<RsvpDeclineReason number>".
const (
	kindRejected = "rejected:"
	kindDeclined = "declined:"
)

// reasonRecord is a rejected or declined seating's reason, in the month of
// that decision, with the seating's groups.
func reasonRecord(p *pb.Seating) (report.Record, bool) {
	var kind string
	switch {
	case p.GetStatus() == eventsv1.SeatingStatus_SEATING_STATUS_REJECTED && p.GetRejectReason() != 0:
		kind = kindRejected + strconv.Itoa(int(p.GetRejectReason()))
	case p.GetStatus() == eventsv1.SeatingStatus_SEATING_STATUS_DECLINED && p.GetDeclineReason() != 0:
		kind = kindDeclined + strconv.Itoa(int(p.GetDeclineReason()))
	default:
		return report.Record{}, false
	}
	at := p.GetDecideTime().AsTime()
	return report.Record{Keys: map[string]string{
		dimMunicipality: p.GetMunicipalityCode(), dimGender: genderValue(p.GetParticipantGender()), dimLanguage: p.GetParticipantLanguage(),
	}, Events: []report.Event{{Kind: kind, At: at}}}, true
}

// reasonCounts fills a row's counts per reject and decline reason, in the
// enums' order.
func reasonCounts(row *pb.ReportRow, n func(string) int) {
	for v := range int32(len(proposalv1.RejectReason_name)) {
		if c := n(kindRejected + strconv.Itoa(int(v))); c > 0 {
			row.Rejected = append(row.Rejected, &pb.RejectReasonCount{Reason: proposalv1.RejectReason(v), Seatings: int32(c)})
		}
	}
	for v := range int32(len(eventsv1.RsvpDeclineReason_name)) {
		if c := n(kindDeclined + strconv.Itoa(int(v))); c > 0 {
			row.Declined = append(row.Declined, &pb.DeclineReasonCount{Reason: eventsv1.RsvpDeclineReason(v), Seatings: int32(c)})
		}
	}
}

// tableRecord is one offered dinner: offered, and held when a seating at
// it was.
func (s *Service) tableRecord(o *pb.Offer, d *pb.Dinner) report.Record {
	at := startOf(d.GetDate(), d.GetStartTime())
	r := report.Record{Keys: map[string]string{dimMunicipality: o.GetMunicipalityCode()}}
	if !d.GetCancelled() {
		r.Events = append(r.Events, report.Event{Kind: kindOffered, At: at})
	}
	found, _ := s.seatings.Find(store.Query[*pb.Seating]{Index: "table", Values: []string{tableKey(o.GetId(), d.GetDate())},
		Filter: func(p *pb.Seating) bool { return p.GetStatus() == held }})
	if len(found.Items) > 0 {
		r.Events = append(r.Events, report.Event{Kind: kindHeld, At: at})
	}
	return r
}

// guestRecord is what the report needs of a seating: its groups, one
// event per guest, and the wait from sign-up to the dinner held; no
// person in it.
func guestRecord(p *pb.Seating) report.Record {
	at := startOf(p.GetDate(), p.GetStartTime())
	r := report.Record{Keys: map[string]string{
		dimMunicipality: p.GetMunicipalityCode(), dimGender: genderValue(p.GetParticipantGender()), dimLanguage: p.GetParticipantLanguage(),
	}}
	add := func(kind string, n int) {
		for range n {
			r.Events = append(r.Events, report.Event{Kind: kind, At: at})
		}
	}
	switch {
	case p.GetStatus() == held:
		add(kindSeated, int(p.GetPartySize()))
		for _, a := range p.GetAttendance() {
			switch a.GetAttendance() {
			case eventsv1.Attendance_ATTENDANCE_CAME:
				add(kindCame, 1)
				if a.GetMember() == 0 && p.GetFirstTime() {
					add(kindFirstTime, 1)
				}
			case eventsv1.Attendance_ATTENDANCE_NO_SHOW:
				add(kindNoShow, 1)
			case eventsv1.Attendance_ATTENDANCE_CANCELLED_LATE:
				add(kindLateCancel, 1)
			}
		}
		// A sign-up brought in after its dinner (history recorded past,
		// ADR 0269) has no wait to count: none rather than a negative one.
		if t := p.GetSignUpTime(); t != nil && !t.AsTime().After(at) {
			r.Since, r.Active = t.AsTime(), at
		}
	case p.GetStatus() == confirmed:
		add(kindSeated, int(p.GetPartySize()))
	case p.GetCancelledLate():
		add(kindSeated, int(p.GetPartySize()))
		add(kindLateCancel, int(p.GetPartySize()))
	}
	return r
}

func genderValue(g typev1.Gender) string {
	switch g {
	case typev1.Gender_GENDER_WOMAN:
		return "woman"
	case typev1.Gender_GENDER_MAN:
		return "man"
	case typev1.Gender_GENDER_OTHER:
		return "other"
	}
	return "unspecified" // a group of its own, named as guides names it
}

// perMille is n/of in thousandths, 0 when of is 0.
func perMille(n, of int) int32 {
	if of == 0 {
		return 0
	}
	return int32(n * 1000 / of)
}

// reportRows turns records into rows: month x municipality, then month x
// gender and month x language, those two of the guests only (a dinner has
// neither), a guest without a recorded gender as "unspecified".
func reportRows(rs []report.Record, p report.Period) []*pb.ReportRow {
	var out []*pb.ReportRow
	for _, dim := range []string{dimMunicipality, dimGender, dimLanguage} {
		in := rs
		if dim != dimMunicipality {
			// A dinner offered or held has no gender or language: only the
			// guests' records count by those, or every dinner would land in
			// the group without a value beside the guests not recorded.
			in = slices.DeleteFunc(slices.Clone(rs), func(r report.Record) bool { _, ok := r.Keys[dim]; return !ok })
		}
		for _, c := range report.ByMonth(in, p, dim) {
			row := &pb.ReportRow{Month: c.Month.String()}
			if dim == dimMunicipality {
				row.MunicipalityCode = c.Value
			} else {
				row.Dimension, row.Value = dim, c.Value
			}
			n := c.Counts.N
			row.DinnersOffered, row.DinnersHeld = int32(n(kindOffered)), int32(n(kindHeld))
			row.GuestsSeated, row.GuestsAttended = int32(n(kindSeated)), int32(n(kindCame))
			row.FirstTimePerMille = perMille(n(kindFirstTime), n(kindCame))
			row.NoShowPerMille = perMille(n(kindNoShow), n(kindSeated))
			row.LateCancelPerMille = perMille(n(kindLateCancel), n(kindSeated))
			row.MedianWaitDays = medianWait(in, c.Month, dim, c.Value)
			reasonCounts(row, n)
			out = append(out, row)
		}
	}
	return out
}

// medianWait is the median days from sign-up to a dinner held in month,
// over the records with value in dim.
func medianWait(rs []report.Record, m report.Month, dim, value string) int32 {
	var ws []time.Duration
	for _, r := range rs {
		if d, ok := r.Wait(); ok && r.Keys[dim] == value && report.MonthOf(r.Active) == m {
			ws = append(ws, d)
		}
	}
	if len(ws) == 0 {
		return 0
	}
	return int32(report.Days(report.Summarise(slices.Clip(ws)).Median))
}
