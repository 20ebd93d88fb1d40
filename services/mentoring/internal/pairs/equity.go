package pairs

import (
	"fmt"
	"slices"
	"time"

	"github.com/motesplats/motesplats/pkg/auth"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/report"
	"github.com/motesplats/motesplats/pkg/store"
)

// Equity dimensions the mentoring pool can give (it keeps no parental
// leave, and of the household only its size).
const (
	dimAgeBand   = "age_band"
	dimHousehold = "household_type"
)

// equityDims are the dimensions of the mentoring equity table, in the
// order shown (the same names as the guides' table).
var equityDims = []string{dimGender, dimLanguage, dimMunicipality, dimAgeBand, dimHousehold}

// equityMinGroup is the smallest group flagged (as in guides).
const equityMinGroup = 10

// equity is, of the newcomers in the pool now who match f and whom who may
// see (they asked for a mentor), the share per group who got one (a pair
// that became active, whatever happened after) and the median days from
// registration to it. pairs are the pairs the report already selected.
func (s *Service) equity(who auth.Claims, f ReportFilter, pairs []*pb.Pair) ([]*typev1.EquityGroup, error) {
	active := map[string]time.Time{}
	for _, p := range pairs {
		t := timeOf(p.GetActiveTime())
		if t.IsZero() {
			continue
		}
		if cur, ok := active[p.GetParticipantId()]; !ok || t.Before(cur) {
			active[p.GetParticipantId()] = t
		}
	}
	pg, err := s.pool.Newcomers.Find(store.Query[*pb.PoolNewcomer]{Filter: func(n *pb.PoolNewcomer) bool {
		return !n.GetGone() && who.CanSee(n.GetOrganisationId(), n.GetMunicipalityCode()) &&
			(f.Organisation == "" || n.GetOrganisationId() == f.Organisation) &&
			(len(f.Municipalities) == 0 || slices.Contains(f.Municipalities, n.GetMunicipalityCode()))
	}})
	if err != nil {
		return nil, err
	}
	rs := make([]report.Record, 0, len(pg.Items))
	for _, n := range pg.Items {
		rs = append(rs, report.Record{Keys: equityKeys(n), Since: timeOf(n.GetRegisterTime()), Active: active[n.GetParticipantId()]})
	}
	return report.EquityGroups(rs, equityDims, equityMinGroup), nil
}

// equityKeys are a pool newcomer's groups, as codes.
func equityKeys(n *pb.PoolNewcomer) map[string]string {
	lang := ""
	if ls := n.GetLanguages(); len(ls) > 0 {
		lang = ls[0].GetCode()
	}
	age := ""
	if b := n.GetAgeBand(); b > 0 {
		age = fmt.Sprintf("%d-%d", b, b+9)
	}
	household := ""
	switch {
	case n.GetHouseholdSize() == 1:
		household = "single"
	case n.GetHouseholdSize() > 1:
		household = "household"
	}
	return map[string]string{dimGender: genderValue(n.GetGender()), dimLanguage: lang, dimMunicipality: n.GetMunicipalityCode(),
		dimAgeBand: age, dimHousehold: household}
}
