package guides

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/motesplats/motesplats/pkg/auth"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	guidesv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	"github.com/motesplats/motesplats/pkg/report"
	"github.com/motesplats/motesplats/pkg/store"
)

// Equity dimensions, the keys of the records handed to pkg/report.
const (
	DimGender        = "gender"
	DimLanguage      = "language"
	DimMunicipality  = "municipality"
	DimAgeBand       = "age_band"
	DimParentalLeave = "parental_leave"
	DimHousehold     = "household_type"
)

// Dimensions lists the equity dimensions in the order they are shown.
var Dimensions = []string{DimGender, DimLanguage, DimMunicipality, DimAgeBand, DimParentalLeave, DimHousehold}

// DefaultMinGroup is the smallest group flagged unless the caller says.
const DefaultMinGroup = 10

// Equity computes, per dimension and group, the share of the entitled
// newcomers in munis who have a guide (an assignment taken up: assigned,
// active or ended) and the median time from the start of their wait to
// it, flagging groups below 0.8 of the best group (pkg/report). Returns
// PermissionDenied, Invalid ("municipality_codes").
func (s *Service) Equity(who auth.Claims, munis []string, minGroup int) ([]report.EquityTable, error) {
	munis, err := scopeMunis(who, munis)
	if err != nil {
		return nil, err
	}
	if minGroup <= 0 {
		minGroup = DefaultMinGroup
	}
	ns, err := s.Pool.InMunicipalities(munis)
	if err != nil {
		return nil, err
	}
	got := map[string]time.Time{}
	pg, err := s.Assignments.Find(store.Query[*guidesv1.Assignment]{Index: "municipality", Values: munis})
	if err != nil {
		return nil, err
	}
	for _, a := range pg.Items {
		switch a.GetStatus() {
		case stAssigned, stActive, stEnded:
			if a.GetAssignTime() == nil {
				continue // ended before it was taken up (never had a guide)
			}
			if t, ok := got[a.GetParticipantId()]; !ok || a.GetAssignTime().AsTime().Before(t) {
				got[a.GetParticipantId()] = a.GetAssignTime().AsTime()
			}
		}
	}
	r := s.rules("")
	var rs []report.Record
	for _, n := range ns {
		if !s.evaluate(n, r).Entitled {
			continue
		}
		rec := report.Record{Keys: keys(n), Active: got[n.GetParticipantId()]}
		if n.GetRegisterTime() != nil {
			rec.Since = n.GetRegisterTime().AsTime()
		}
		rs = append(rs, rec)
	}
	out := make([]report.EquityTable, 0, len(Dimensions))
	for _, d := range Dimensions {
		out = append(out, report.Equity(rs, report.EquitySpec{Dim: d, MinSize: minGroup}))
	}
	return out, nil
}

// keys are n's groups per dimension, as codes.
func keys(n *guidesv1.PoolNewcomer) map[string]string {
	lang := ""
	if len(n.GetLanguages()) > 0 {
		lang = n.GetLanguages()[0]
	}
	age := ""
	if n.GetAgeBand() > 0 {
		age = fmt.Sprintf("%d-%d", n.GetAgeBand(), n.GetAgeBand()+9)
	}
	household := "single"
	switch {
	case n.GetHasChildren():
		household = "with_children"
	case n.GetHouseholdSize() > 1:
		household = "adults"
	}
	return map[string]string{
		DimGender:        strings.ToLower(strings.TrimPrefix(n.GetGender().String(), "GENDER_")),
		DimLanguage:      lang,
		DimMunicipality:  n.GetMunicipalityCode(),
		DimAgeBand:       age,
		DimParentalLeave: strings.ToLower(strings.TrimPrefix(eventsv1.ParentalLeave(n.GetParentalLeave()).String(), "PARENTAL_LEAVE_")),
		DimHousehold:     household,
	}
}

// EquityCSV renders the tables as CSV, one row per group.
func EquityCSV(ts []report.EquityTable) string {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write([]string{"dimension", "group", "entitled", "with_guide", "share", "median_days", "flagged", "small"}) // bytes.Buffer cannot fail
	for _, t := range ts {
		for _, r := range t.Rows {
			med := "-1"
			if r.Wait.N > 0 {
				med = strconv.FormatFloat(r.Wait.Median.Hours()/24, 'f', 1, 64)
			}
			_ = w.Write([]string{t.Dim, r.Value, strconv.Itoa(r.Size), strconv.Itoa(r.Matched),
				strconv.FormatFloat(r.Share, 'f', 3, 64), med, strconv.FormatBool(r.Flagged), strconv.FormatBool(r.Small)})
		}
	}
	w.Flush()
	return b.String()
}
