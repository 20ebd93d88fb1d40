package pairs

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/auth"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/municipality"
	"github.com/motesplats/motesplats/pkg/store"
)

// ReportFilter selects what Report counts.
type ReportFilter struct {
	Organisation   string
	Municipalities []string
	From, To       string // YYYY-MM
}

// Report counts the pairs the caller may see: per month and municipality,
// time from registration to an active pair, reasons, and breakdowns by the
// newcomer's gender and first language. It reads the in-memory index, so
// every replica answers alike. Returns Invalid, PermissionDenied.
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
	now := s.now().UTC()
	from, to := now.AddDate(0, -11, 0).Format("2006-01"), now.Format("2006-01")
	if f.From != "" {
		from = f.From
	}
	if f.To != "" {
		to = f.To
	}
	start, err1 := time.Parse("2006-01", from)
	end, err2 := time.Parse("2006-01", to)
	if err1 != nil {
		v.Add("from_month", "must be YYYY-MM")
	}
	if err2 != nil {
		v.Add("to_month", "must be YYYY-MM")
	}
	if err1 == nil && err2 == nil && (end.Before(start) || end.Sub(start) > 10*366*24*time.Hour) {
		v.Add("to_month", "must be from from_month to 10 years after it")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	end = end.AddDate(0, 1, 0) // exclusive
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
	in := func(t interface{ AsTime() time.Time }, ok bool) (string, bool) {
		if !ok {
			return "", false
		}
		at := t.AsTime()
		if at.Before(start) || !at.Before(end) {
			return "", false
		}
		return at.Format("2006-01"), true
	}
	type cellKey struct{ month, muni string }
	rows := map[cellKey]*pb.ReportCounts{}
	cell := func(month, muni string) *pb.ReportCounts {
		k := cellKey{month, muni}
		if rows[k] == nil {
			rows[k] = &pb.ReportCounts{}
		}
		return rows[k]
	}
	totals := &pb.ReportCounts{}
	byGender, byLang := map[string]*pb.ReportCounts{}, map[string]*pb.ReportCounts{}
	daysGender, daysLang := map[string][]int{}, map[string][]int{}
	var days []int
	declines, rejects, ends := map[string]int32{}, map[string]int32{}, map[string]int32{}
	group := func(m map[string]*pb.ReportCounts, k string) *pb.ReportCounts {
		if m[k] == nil {
			m[k] = &pb.ReportCounts{}
		}
		return m[k]
	}
	for _, p := range page.Items {
		muni := p.GetMunicipalityCode()
		gender := strings.ToLower(strings.TrimPrefix(p.GetParticipantGender().String(), "GENDER_"))
		if p.GetParticipantGender() == typev1.Gender_GENDER_UNSPECIFIED {
			gender = ""
		}
		lang := p.GetParticipantLanguage()
		add := func(fn func(c *pb.ReportCounts), month string) {
			fn(cell(month, muni))
			fn(totals)
			fn(group(byGender, gender))
			fn(group(byLang, lang))
		}
		if m, ok := in(p.GetProposeTime(), p.GetProposeTime() != nil); ok {
			add(func(c *pb.ReportCounts) { c.Proposed++ }, m)
		}
		if m, ok := in(p.GetActiveTime(), p.GetActiveTime() != nil); ok {
			add(func(c *pb.ReportCounts) { c.Accepted++ }, m)
			if reg := p.GetParticipantRegisterTime(); reg != nil {
				d := int(p.GetActiveTime().AsTime().Sub(reg.AsTime()).Hours() / 24)
				days = append(days, d)
				daysGender[gender] = append(daysGender[gender], d)
				daysLang[lang] = append(daysLang[lang], d)
			}
		}
		if m, ok := in(p.GetEndTime(), p.GetEndTime() != nil); ok {
			early := p.GetEndReason() != eventsv1.EndReason_END_REASON_COMPLETED
			add(func(c *pb.ReportCounts) {
				c.Ended++
				if early {
					c.EndedEarly++
				}
			}, m)
			ends[p.GetEndReason().String()]++
		}
		if m, ok := in(p.GetDecideTime(), p.GetDecideTime() != nil); ok {
			switch p.GetStatus() {
			case eventsv1.PairStatus_PAIR_STATUS_DECLINED:
				add(func(c *pb.ReportCounts) { c.Declined++ }, m)
				declines[p.GetDeclineReason().String()]++
			case eventsv1.PairStatus_PAIR_STATUS_REJECTED:
				rejects[p.GetRejectReason().String()]++
			}
		}
		// Active at the end of each month of the period.
		if at := p.GetActiveTime(); at != nil {
			for m := start; m.Before(end); m = m.AddDate(0, 1, 0) {
				eom := m.AddDate(0, 1, 0)
				if at.AsTime().Before(eom) && (p.GetEndTime() == nil || !p.GetEndTime().AsTime().Before(eom)) {
					cell(m.Format("2006-01"), muni).Active++
					if !eom.Before(end) {
						totals.Active++
						group(byGender, gender).Active++
						group(byLang, lang).Active++
					}
				}
			}
		}
	}
	out := &pb.GetReportResponse{Totals: totals, MedianDaysToActive: median(days), MeanDaysToActive: mean(days)}
	for k, c := range rows {
		out.Rows = append(out.Rows, &pb.ReportRow{Month: k.month, MunicipalityCode: k.muni, Counts: c})
	}
	sort.Slice(out.Rows, func(a, b int) bool {
		if out.Rows[a].GetMonth() != out.Rows[b].GetMonth() {
			return out.Rows[a].GetMonth() < out.Rows[b].GetMonth()
		}
		return out.Rows[a].GetMunicipalityCode() < out.Rows[b].GetMunicipalityCode()
	})
	out.ByGender = breakdown(byGender, daysGender)
	out.ByLanguage = breakdown(byLang, daysLang)
	out.DeclineReasons, out.RejectReasons, out.EndReasons = reasons(declines), reasons(rejects), reasons(ends)
	return out, nil
}

func breakdown(m map[string]*pb.ReportCounts, days map[string][]int) []*pb.ReportBreakdown {
	out := make([]*pb.ReportBreakdown, 0, len(m))
	for k, c := range m {
		out = append(out, &pb.ReportBreakdown{Value: k, Counts: c, MedianDaysToActive: median(days[k])})
	}
	sort.Slice(out, func(a, b int) bool { return out[a].GetValue() < out[b].GetValue() })
	return out
}

func reasons(m map[string]int32) []*pb.ReasonCount {
	out := make([]*pb.ReasonCount, 0, len(m))
	for k, n := range m {
		out = append(out, &pb.ReasonCount{Reason: k, Count: n})
	}
	sort.Slice(out, func(a, b int) bool { return out[a].GetReason() < out[b].GetReason() })
	return out
}

func median(xs []int) int32 {
	if len(xs) == 0 {
		return -1
	}
	s := slices.Sorted(slices.Values(xs))
	return int32(s[len(s)/2])
}

func mean(xs []int) int32 {
	if len(xs) == 0 {
		return -1
	}
	sum := 0
	for _, x := range xs {
		sum += x
	}
	return int32(sum / len(xs))
}
