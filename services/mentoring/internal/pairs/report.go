package pairs

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/auth"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/municipality"
	"github.com/motesplats/motesplats/pkg/report"
	"github.com/motesplats/motesplats/pkg/store"
)

// ReportFilter selects what Report counts.
type ReportFilter struct {
	Organisation   string
	Municipalities []string
	From, To       string // YYYY-MM
}

// The event kinds a pair's report.Record carries, one per ReportCounts
// field, and the dimensions it is broken down by. A proposal is counted
// as proposed, never as a pair; an approved proposal is an offer when it
// is offered to both (kindOffered, from the pair's offer time); a pair is
// counted from the moment both parties accepted (kindAccepted, and the
// Active stock).
const (
	kindProposed   = "proposed"
	kindOffered    = "offered"
	kindAccepted   = "accepted"
	kindEnded      = "ended"
	kindEndedEarly = "ended_early"
	kindDeclined   = "declined"
	kindRejected   = "rejected"

	dimMunicipality = "municipality"
	dimGender       = "gender"
	dimLanguage     = "language"
)

// Report counts the pairs the caller may see: per Stockholm month and
// municipality, time from registration to an active pair, reasons, and
// breakdowns by the newcomer's gender and first language. It reads the
// in-memory index, so every replica answers alike; the figures themselves
// are pkg/report's. Returns Invalid, PermissionDenied.
func (s *Service) Report(_ context.Context, who auth.Claims, f ReportFilter) (*pb.GetReportResponse, error) {
	if who.Role == auth.RoleOperator {
		return nil, apperr.Errorf(apperr.PermissionDenied, "operators see metrics, not programme reports")
	}
	if who.Role == auth.RoleCoordinator && f.Organisation == "" {
		f.Organisation = who.Organisation
	}
	var v apperr.Validator
	if f.Organisation != "" && !ids.Valid(f.Organisation) {
		v.Add("organisation_id", "is not an id")
	}
	for k, m := range f.Municipalities {
		if !municipality.Valid(m) {
			v.Add(fmt.Sprintf("municipality_codes[%d]", k), "is not an SCB municipality code")
		}
	}
	period := report.CheckPeriod(&v, f.From, f.To, s.now())
	if err := v.Err(); err != nil {
		return nil, err
	}
	if who.Role == auth.RoleCoordinator && f.Organisation != who.Organisation {
		return nil, apperr.Errorf(apperr.PermissionDenied, "you may only see your organisation's report")
	}
	page, err := s.repo.Find(store.Query[*pb.Pair]{Filter: func(p *pb.Pair) bool {
		return canSee(who, p) &&
			(f.Organisation == "" || p.GetOrganisationId() == f.Organisation) &&
			(len(f.Municipalities) == 0 || slices.Contains(f.Municipalities, p.GetMunicipalityCode()))
	}})
	if err != nil {
		return nil, err
	}
	rs := make([]report.Record, 0, len(page.Items))
	for _, p := range page.Items {
		rs = append(rs, reportRecord(p))
	}
	out := reportResponse(rs, period)
	if out.Equity, err = s.equity(who, f, page.Items); err != nil {
		return nil, err
	}
	return out, nil
}

// reportRecord is what the report needs of a pair: its groups and the
// dated steps of its life, with no person in it.
func reportRecord(p *pb.Pair) report.Record {
	r := report.Record{
		Keys: map[string]string{
			dimMunicipality: p.GetMunicipalityCode(),
			dimGender:       genderValue(p.GetParticipantGender()),
			dimLanguage:     p.GetParticipantLanguage(),
		},
		Since:  timeOf(p.GetParticipantRegisterTime()),
		Active: timeOf(p.GetActiveTime()),
		Ended:  timeOf(p.GetEndTime()),
	}
	add := func(kind string, ts *timestamppb.Timestamp, reason string) {
		if ts != nil {
			r.Events = append(r.Events, report.Event{Kind: kind, At: ts.AsTime(), Reason: reason})
		}
	}
	add(kindProposed, p.GetProposeTime(), "")
	add(kindOffered, p.GetOfferTime(), "")
	add(kindAccepted, p.GetActiveTime(), "")
	add(kindEnded, p.GetEndTime(), p.GetEndReason().String())
	if p.GetEndReason() != eventsv1.EndReason_END_REASON_COMPLETED {
		add(kindEndedEarly, p.GetEndTime(), "")
	}
	switch p.GetStatus() {
	case eventsv1.PairStatus_PAIR_STATUS_DECLINED:
		add(kindDeclined, p.GetDecideTime(), p.GetDeclineReason().String())
	case eventsv1.PairStatus_PAIR_STATUS_REJECTED:
		add(kindRejected, p.GetDecideTime(), p.GetRejectReason().String())
	}
	return r
}

// genderValue is the breakdown value of a gender: "woman", "man",
// "other", or "" when not given.
func genderValue(g typev1.Gender) string {
	if g == typev1.Gender_GENDER_UNSPECIFIED {
		return ""
	}
	return strings.ToLower(strings.TrimPrefix(g.String(), "GENDER_"))
}

// timeOf is the zero time for an unset timestamp (AsTime would give 1970).
func timeOf(ts *timestamppb.Timestamp) time.Time {
	if ts == nil {
		return time.Time{}
	}
	return ts.AsTime()
}

// reportResponse computes the report over rs and converts it to the API.
// Rows and groups whose only events have no ReportCounts field (a
// rejection) are left out, as the API promises rows "that have any count".
func reportResponse(rs []report.Record, p report.Period) *pb.GetReportResponse {
	w := report.Waits(rs, p)
	out := &pb.GetReportResponse{
		Totals:             countsOf(report.Total(rs, p)),
		MedianDaysToActive: days(w, w.Median),
		MeanDaysToActive:   days(w, w.Mean),
		ByGender:           breakdown(report.Breakdown(rs, p, dimGender)),
		ByLanguage:         breakdown(report.Breakdown(rs, p, dimLanguage)),
		DeclineReasons:     reasons(report.Reasons(rs, p, kindDeclined)),
		RejectReasons:      reasons(report.Reasons(rs, p, kindRejected)),
		EndReasons:         reasons(report.Reasons(rs, p, kindEnded)),
	}
	for _, c := range report.ByMonth(rs, p, dimMunicipality) {
		if counts := countsOf(c.Counts); !emptyCounts(counts) {
			out.Rows = append(out.Rows, &pb.ReportRow{Month: c.Month.String(), MunicipalityCode: c.Value, Counts: counts})
		}
	}
	return out
}

func countsOf(c report.Counts) *pb.ReportCounts {
	return &pb.ReportCounts{
		Proposed:   int32(c.N(kindProposed)),
		Offered:    int32(c.N(kindOffered)),
		Accepted:   int32(c.N(kindAccepted)),
		Active:     int32(c.Active),
		Ended:      int32(c.N(kindEnded)),
		Declined:   int32(c.N(kindDeclined)),
		EndedEarly: int32(c.N(kindEndedEarly)),
	}
}

func emptyCounts(c *pb.ReportCounts) bool {
	return c.GetProposed() == 0 && c.GetOffered() == 0 && c.GetAccepted() == 0 && c.GetActive() == 0 &&
		c.GetEnded() == 0 && c.GetDeclined() == 0 && c.GetEndedEarly() == 0
}

// days is d in whole days, or -1 when st has no durations (the API's
// "none").
func days(st report.Stats, d time.Duration) int32 {
	if st.N == 0 {
		return -1
	}
	return int32(report.Days(d))
}

func breakdown(gs []report.Group) []*pb.ReportBreakdown {
	out := make([]*pb.ReportBreakdown, 0, len(gs))
	for _, g := range gs {
		counts := countsOf(g.Counts)
		if emptyCounts(counts) && g.Wait.N == 0 {
			continue
		}
		out = append(out, &pb.ReportBreakdown{Value: g.Value, Counts: counts, MedianDaysToActive: days(g.Wait, g.Wait.Median)})
	}
	return out
}

func reasons(cs []report.Count) []*pb.ReasonCount {
	out := make([]*pb.ReasonCount, 0, len(cs))
	for _, c := range cs {
		out = append(out, &pb.ReasonCount{Reason: c.Value, Count: int32(c.N)})
	}
	return out
}
