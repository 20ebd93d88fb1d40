package dinners

import (
	"context"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/auth"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/report"
	"github.com/motesplats/motesplats/pkg/store"
)

// dimHousehold groups sign-ups by their party: single, adults, with
// children (a member under 18).
const dimHousehold = "household_type"

// equityDims are the dimensions the dinners data allows (the pool keeps
// no age band or parental leave), in the order shown.
var equityDims = []string{dimGender, dimLanguage, dimMunicipality, dimHousehold}

// equityMinGroup is the smallest group flagged (as in guides).
const equityMinGroup = 10

// Equity is, of the sign-ups created in the period (newcomers who asked
// for a dinner) that who may see in org and munis, the share per group
// that were seated (a confirmed or held seating) and the median days from
// the sign-up to that dinner; pkg/report's figures. Returns Invalid,
// PermissionDenied.
func (s *Service) Equity(_ context.Context, who auth.Claims, org string, munis []string, from, to string) ([]*typev1.EquityGroup, error) {
	org, munis, err := scope(who, org, munis)
	if err != nil {
		return nil, err
	}
	var v apperr.Validator
	period := report.CheckPeriod(&v, from, to, s.now())
	if err := v.Err(); err != nil {
		return nil, err
	}
	ups, err := s.signups.Find(store.Query[*pb.SignUp]{Filter: func(u *pb.SignUp) bool {
		return inScope(who, org, munis, u.GetOrganisationId(), u.GetMunicipalityCode()) &&
			u.GetCreateTime() != nil && period.Contains(u.GetCreateTime().AsTime())
	}})
	if err != nil {
		return nil, err
	}
	rs := make([]report.Record, 0, len(ups.Items))
	for _, u := range ups.Items {
		r := report.Record{Keys: s.equityKeys(u), Since: u.GetCreateTime().AsTime()}
		seated, _ := s.seatings.Find(store.Query[*pb.Seating]{Index: "signup", Values: []string{u.GetId()},
			Filter: func(p *pb.Seating) bool { return p.GetStatus() == confirmed || p.GetStatus() == held }})
		for _, p := range seated.Items {
			if at := startOf(p.GetDate(), p.GetStartTime()); r.Active.IsZero() || at.Before(r.Active) {
				r.Active = at
			}
		}
		if !r.Active.IsZero() && r.Active.Before(r.Since) {
			r.Active = r.Since // a dinner the same day: no negative wait
		}
		rs = append(rs, r)
	}
	return report.EquityGroups(rs, equityDims, equityMinGroup), nil
}

// equityKeys are a sign-up's groups: gender and first language from the
// pool (codes only), municipality and household from the sign-up.
func (s *Service) equityKeys(u *pb.SignUp) map[string]string {
	k := map[string]string{dimMunicipality: u.GetMunicipalityCode(), dimHousehold: householdOf(u.GetParty())}
	if g, ok := s.pool.Guest(u.GetParticipantId()); ok {
		k[dimGender], k[dimLanguage] = genderValue(g.GetGender()), g.GetLanguage()
	}
	return k
}

// householdOf names a party: single, adults, or with_children.
func householdOf(party []*pb.PartyMember) string {
	if len(party) <= 1 {
		return "single"
	}
	for _, m := range party {
		if m.GetAge() < 18 {
			return "with_children"
		}
	}
	return "adults"
}
