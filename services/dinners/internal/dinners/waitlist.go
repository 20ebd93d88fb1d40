package dinners

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/auth"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/municipality"
	"github.com/motesplats/motesplats/pkg/report"
	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/services/dinners/internal/rules"
)

// scope resolves and checks a figures request: the organisation (a
// coordinator's own when empty) and municipalities (all of a
// coordinator's when empty). Operators see no programme figures.
func scope(who auth.Claims, org string, munis []string) (string, []string, error) {
	if who.Role == auth.RoleOperator {
		return "", nil, apperr.Errorf(apperr.PermissionDenied, "operators see metrics, not programme figures")
	}
	if who.Role == auth.RoleCoordinator {
		if org == "" {
			org = who.Organisation
		}
		if len(munis) == 0 {
			munis = who.Municipalities
		}
	}
	var v apperr.Validator
	v.Check(org == "" || ids.Valid(org), "organisation_id", "is not an id")
	v.Check(len(munis) <= 290, "municipality_codes", "at most 290")
	for k, m := range munis {
		v.Check(municipality.Valid(m), fmt.Sprintf("municipality_codes[%d]", k), "is not an SCB municipality code")
	}
	if err := v.Err(); err != nil {
		return "", nil, err
	}
	if who.Role == auth.RoleCoordinator && org != who.Organisation {
		return "", nil, apperr.Errorf(apperr.PermissionDenied, "you may only see your organisation's figures")
	}
	// A municipality the coordinator does not work in is refused, as the
	// guides and mentoring reports refuse it, not answered with a row of
	// zeros that reads as "nobody waits there".
	if who.Role == auth.RoleCoordinator {
		for _, m := range munis {
			if !slices.Contains(who.Municipalities, m) {
				return "", nil, apperr.Errorf(apperr.PermissionDenied, "a municipality is outside your scope")
			}
		}
	}
	return org, munis, nil
}

// inScope reports whether a record of org in muni belongs to the request.
func inScope(who auth.Claims, org string, munis []string, recOrg, recMuni string) bool {
	return who.CanSee(recOrg, recMuni) && (org == "" || recOrg == org) && (len(munis) == 0 || slices.Contains(munis, recMuni))
}

// waiting reports whether a sign-up waits for a dinner: its guest is in
// the pool, it has no live or held seating, and one of its dates is ahead.
func (s *Service) waiting(su *pb.SignUp, today string) bool {
	if _, ok := s.pool.Guest(su.GetParticipantId()); !ok {
		return false
	}
	if !slices.ContainsFunc(su.GetDates(), func(d string) bool { return d >= today }) {
		return false
	}
	found, _ := s.seatings.Find(store.Query[*pb.Seating]{Index: "signup", Values: []string{su.GetId()},
		Filter: func(p *pb.Seating) bool { return live(p) || p.GetStatus() == held }})
	return len(found.Items) == 0
}

// Waitlist returns, per municipality in scope, the parties waiting and for
// how long, the free seats on open dinners, and the host seats still
// needed per date to seat every waiting party at today's sizes: each party
// is counted on its first date ahead, and a date needs the seats its
// parties want beyond the free seats of that date's dinners there. It
// ignores the other rules (diet, language), so it is the least a
// recruitment drive must find. Returns Invalid, PermissionDenied.
func (s *Service) Waitlist(_ context.Context, who auth.Claims, org string, munis []string) ([]*pb.WaitlistRow, error) {
	org, munis, err := scope(who, org, munis)
	if err != nil {
		return nil, err
	}
	today, now := s.today(), s.now()
	type acc struct {
		row    *pb.WaitlistRow
		waits  []time.Duration
		demand map[string]int
		free   map[string]int
	}
	rows := map[string]*acc{}
	get := func(m string) *acc {
		if rows[m] == nil {
			rows[m] = &acc{row: &pb.WaitlistRow{MunicipalityCode: m}, demand: map[string]int{}, free: map[string]int{}}
		}
		return rows[m]
	}
	for _, m := range munis {
		get(m)
	}
	sus, err := s.signups.Find(store.Query[*pb.SignUp]{Filter: func(su *pb.SignUp) bool {
		return inScope(who, org, munis, su.GetOrganisationId(), su.GetMunicipalityCode()) && s.waiting(su, today)
	}})
	if err != nil {
		return nil, err
	}
	for _, su := range sus.Items {
		a := get(su.GetMunicipalityCode())
		a.row.Parties++
		a.row.Guests += int32(rules.PartySize(su))
		a.waits = append(a.waits, now.Sub(su.GetCreateTime().AsTime()))
		for _, d := range su.GetDates() {
			if d >= today {
				a.demand[d] += rules.PartySize(su)
				break
			}
		}
	}
	offers, err := s.offers.Find(store.Query[*pb.Offer]{Filter: func(o *pb.Offer) bool {
		return inScope(who, org, munis, o.GetOrganisationId(), o.GetMunicipalityCode())
	}})
	if err != nil {
		return nil, err
	}
	for _, o := range offers.Items {
		a := get(o.GetMunicipalityCode())
		for _, d := range o.GetDinners() {
			if d.GetCancelled() || d.GetDate() < today {
				continue
			}
			n := max(0, int(o.GetSeats())-s.seatsAt(o.GetId(), d.GetDate(), false))
			a.free[d.GetDate()] += n
			a.row.FreeSeats += int32(n)
		}
	}
	out := make([]*pb.WaitlistRow, 0, len(rows))
	for _, m := range slices.Sorted(maps.Keys(rows)) {
		a := rows[m]
		st := report.Summarise(a.waits)
		a.row.MedianWaitDays = int32(report.Days(st.Median))
		if n := len(a.waits); n > 0 {
			a.row.MaxWaitDays = int32(report.Days(slices.Max(a.waits)))
		}
		for _, d := range slices.Sorted(maps.Keys(a.demand)) {
			if need := a.demand[d] - a.free[d]; need > 0 && len(a.row.NeedByDate) < maxDates {
				a.row.NeedByDate = append(a.row.NeedByDate, &pb.DateNeed{Date: d, Seats: int32(need)})
				a.row.SeatsNeeded += int32(need)
			}
		}
		out = append(out, a.row)
	}
	return out, nil
}
