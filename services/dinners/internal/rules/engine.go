package rules

import (
	"math"
	"slices"
	"time"

	dinnersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/match"
	"github.com/motesplats/motesplats/pkg/municipality"
)

// Rule names, as they appear in score parts.
const (
	RuleBase         = "base"
	RuleLanguage     = "language"
	RuleMunicipality = "municipality"
	RuleCounty       = "county"
	RuleDistance     = "distance"
	RuleFamily       = "family"
	RuleFirstTime    = "first_time"
	RuleWaiting      = "waiting"
)

// Stage is how far a (party, dinner) pair gets through the hard rules, in
// the order a coordinator asks about them; an unseated party's reason is
// the furthest stage any dinner reached.
type Stage int

// The stages.
const (
	// NoDate: the dinner is not on one of the party's dates.
	NoDate Stage = iota
	// NoKitchen: the kitchen misses a diet or the party has an allergy
	// (pets included) the host cannot keep away.
	NoKitchen
	// NoReach: too far, no shared language, the household rule, a family
	// rule or the SFI class rule.
	NoReach
	// ProposedBefore: everything but the seats fits, but the party was
	// proposed at this dinner before (Input.Excluded), or turned down
	// (rejected or declined) at any dinner of this host's offer (ADR
	// 0263), and is never proposed there again. Further than NoReach,
	// so a party whose every dinner in reach turned it down is told so,
	// not sent looking for hosts that are there (ADR 0252); short of
	// NoSeats, so a party another dinner is full for hears that.
	ProposedBefore
	// NoSeats: everything fits but the party is larger than the free seats
	// (a full dinner has none).
	NoSeats
	// Fits: the rules allow the seating.
	Fits
)

// Input is what the engine seats: waiting parties, the dinners with their
// free seats (JobTable; a full dinner has 0 and seats nobody, but tells
// Unseated that a party was left out for want of seats), the offers they
// belong to, pairs never to propose again and the SFI classes already at
// each table.
type Input struct {
	SignUps []*dinnersv1.SignUp
	Offers  map[string]*dinnersv1.Offer
	Tables  []*dinnersv1.JobTable
	// Excluded holds SeatingKey values (a party at one dinner) and
	// OfferKey values (a party at every dinner of an offer).
	Excluded map[string]bool
	// SeatedClasses holds ClassKey values.
	SeatedClasses map[string]bool
	// Today is the job's day, for the waiting weight.
	Today time.Time
}

// TableKey names one dinner: an offer's date.
func TableKey(offerID, date string) string { return offerID + "/" + date }

// SeatingKey names a party at a dinner, for Input.Excluded.
func SeatingKey(signUpID, offerID, date string) string {
	return signUpID + "/" + TableKey(offerID, date)
}

// OfferKey names a party at every dinner of a host's offer, for
// Input.Excluded: a party the host or a coordinator turned down (a
// rejection, a decline) is not proposed to that host on another date
// either. The point of a dinner is meeting new people, and a rejection
// is of the pairing, not of the date (ADR 0263). Snapshots written
// before hold SeatingKey values only, which still exclude their dinner.
func OfferKey(signUpID, offerID string) string { return signUpID + "/" + offerID }

// ClassKey names an SFI class at a dinner, for Input.SeatedClasses.
func ClassKey(offerID, date, class string) string { return TableKey(offerID, date) + "/" + class }

// PartySize is a sign-up's seats (at least 1).
func PartySize(s *dinnersv1.SignUp) int { return max(len(s.GetParty()), 1) }

// Check runs the hard rules for party s at table t of offer o and returns
// the stage reached.
func (r *Rules) Check(in *Input, s *dinnersv1.SignUp, o *dinnersv1.Offer, t *dinnersv1.JobTable) Stage {
	if !slices.Contains(s.GetDates(), t.GetDate()) {
		return NoDate
	}
	if !kitchenOK(s, o) {
		return NoKitchen
	}
	if !r.reachOK(s, o) ||
		(r.SFIClassApart && s.GetSfiClass() != "" && in.SeatedClasses[ClassKey(o.GetId(), t.GetDate(), s.GetSfiClass())]) {
		return NoReach
	}
	if len(in.Excluded) > 0 && (in.Excluded[OfferKey(s.GetId(), o.GetId())] || in.Excluded[SeatingKey(s.GetId(), o.GetId(), t.GetDate())]) {
		return ProposedBefore
	}
	if PartySize(s) > int(t.GetFreeSeats()) {
		return NoSeats
	}
	return Fits
}

// kitchenOK: every diet served and no allergen the kitchen cannot keep
// out; a pet allergy clashes with any pet.
func kitchenOK(s *dinnersv1.SignUp, o *dinnersv1.Offer) bool {
	for _, d := range s.GetDiets() {
		if !slices.Contains(o.GetKitchen().GetDiets(), d) {
			return false
		}
	}
	for _, a := range s.GetAllergens() {
		if a == dinnersv1.Allergen_ALLERGEN_PETS {
			if o.GetPets() {
				return false
			}
			continue
		}
		if !slices.Contains(o.GetKitchen().GetAllergensHandled(), a) {
			return false
		}
	}
	return true
}

// reachOK: area, a shared language, the programme's household rule and
// the families rule.
func (r *Rules) reachOK(s *dinnersv1.SignUp, o *dinnersv1.Offer) bool {
	if !r.areaOK(s, o) {
		return false
	}
	if !r.swedishShared(s) && !otherShared(s, o) {
		return false
	}
	// The programme's own rule: never an all-female party with an
	// all-male household.
	if s.GetComposition() == dinnersv1.Composition_COMPOSITION_ALL_FEMALE &&
		o.GetComposition() == dinnersv1.Composition_COMPOSITION_ALL_MALE {
		return false
	}
	if r.Families == FamiliesRequire && isFamily(s.GetComposition()) != isFamily(o.GetComposition()) {
		return false
	}
	return true
}

func (r *Rules) areaOK(s *dinnersv1.SignUp, o *dinnersv1.Offer) bool {
	switch r.Area {
	case AreaMunicipality:
		return s.GetMunicipalityCode() == o.GetMunicipalityCode()
	case AreaCounty:
		return municipality.SameCounty(s.GetMunicipalityCode(), o.GetMunicipalityCode())
	case AreaDistance:
		if km, ok := distanceKm(s.GetLocation(), o.GetLocation()); ok {
			return km <= r.MaxKm
		}
		return municipality.SameCounty(s.GetMunicipalityCode(), o.GetMunicipalityCode())
	}
	return true
}

func (r *Rules) swedishShared(s *dinnersv1.SignUp) bool {
	return r.SwedishMinLevel != typev1.SwedishLevel_SWEDISH_LEVEL_UNSPECIFIED && s.GetSwedishLevel() >= r.SwedishMinLevel
}

func otherShared(s *dinnersv1.SignUp, o *dinnersv1.Offer) bool {
	for _, l := range s.GetLanguages() {
		if slices.Contains(o.GetLanguages(), l) {
			return true
		}
	}
	return false
}

func isFamily(c dinnersv1.Composition) bool { return c == dinnersv1.Composition_COMPOSITION_FAMILY }

// distanceKm is the great-circle distance between two points, when both
// are given.
func distanceKm(a, b *dinnersv1.Location) (float64, bool) {
	if a == nil || b == nil {
		return 0, false
	}
	const earth = 6371.0
	rad := math.Pi / 180
	dLat, dLon := (b.GetLat()-a.GetLat())*rad, (b.GetLon()-a.GetLon())*rad
	h := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(a.GetLat()*rad)*math.Cos(b.GetLat()*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * earth * math.Asin(math.Min(1, math.Sqrt(h))), true
}

// Score returns the named points of an allowed seating.
func (r *Rules) Score(in *Input, s *dinnersv1.SignUp, o *dinnersv1.Offer) []match.Part {
	w := r.Weights
	parts := []match.Part{{Name: RuleBase, Points: int32(w.Base)}}
	add := func(name string, pts int) {
		if pts > 0 {
			parts = append(parts, match.Part{Name: name, Points: int32(pts)})
		}
	}
	if otherShared(s, o) {
		add(RuleLanguage, w.Language)
	}
	switch {
	case s.GetMunicipalityCode() == o.GetMunicipalityCode():
		add(RuleMunicipality, w.Municipality)
	case municipality.SameCounty(s.GetMunicipalityCode(), o.GetMunicipalityCode()):
		add(RuleCounty, w.County)
	}
	if km, ok := distanceKm(s.GetLocation(), o.GetLocation()); ok && r.MaxKm > 0 && km < r.MaxKm {
		add(RuleDistance, int(math.Round(float64(w.Distance)*(1-km/r.MaxKm))))
	}
	if r.Families != FamiliesIgnore && isFamily(s.GetComposition()) && isFamily(o.GetComposition()) {
		add(RuleFamily, w.Family)
	}
	if s.GetFirstTime() {
		add(RuleFirstTime, w.FirstTime)
	}
	if t := s.GetCreateTime(); t != nil && !in.Today.IsZero() {
		weeks := int(in.Today.Sub(t.AsTime()).Hours() / (24 * 7))
		add(RuleWaiting, w.Waiting*min(max(weeks, 0), w.MaxWaitingWeeks))
	}
	return parts
}

// Build turns the input into a matching instance in the engine's household
// mode: each party is one newcomer of its size (parties are indivisible),
// each dinner a host with its free seats. With sfi_class_apart, a party's
// SFI class is its conflict class, so the engine never seats two parties
// of one class at a dinner in the same job. Every rule that gives points is
// a named part of the seating's score.
func (r *Rules) Build(in *Input) (*match.Built, error) {
	ns := make([]match.Person, len(in.SignUps))
	sfacts := make(map[string]*dinnersv1.SignUp, len(in.SignUps))
	for k, s := range in.SignUps {
		// Dates let the pair rule test the date, which most pairs fail,
		// before it looks anything up (Check tests it again).
		ns[k] = match.Person{ID: s.GetId(), Size: PartySize(s), Dates: s.GetDates()}
		if r.SFIClassApart {
			// Check keeps a party from a table where its class already
			// sits; the engine's conflict class keeps two parties of one
			// class apart within this job.
			ns[k].Class = s.GetSfiClass()
		}
		sfacts[s.GetId()] = s
	}
	hs := make([]match.Person, 0, len(in.Tables))
	tfacts := make(map[string]*dinnersv1.JobTable, len(in.Tables))
	for _, t := range in.Tables {
		// A full dinner is no host of the instance: Check gives it no
		// pair (every party needs a seat), so the engine would only carry
		// an empty host; leaving it out keeps the instance, and so the
		// seatings, what they were before full dinners were kept in the
		// snapshot (ADR 0165). Unseated still reads it.
		if t.GetFreeSeats() <= 0 {
			continue
		}
		key := TableKey(t.GetOfferId(), t.GetDate())
		hs = append(hs, match.Person{ID: key, Capacity: int(t.GetFreeSeats()), Dates: []string{t.GetDate()}})
		tfacts[key] = t
	}
	// One rule does the whole pair: the hard rules first (cheap date test
	// before anything else), then the parts, which the engine sums.
	var parts []match.Part
	idx := 0
	list := []match.Rule{
		match.RuleFunc{RuleName: "check", Fn: func(np, hp *match.Person) (int, bool) {
			if !slices.Contains(np.Dates, hp.Dates[0]) {
				return 0, false // NoDate, without two map reads
			}
			s, t := sfacts[np.ID], tfacts[hp.ID]
			o := in.Offers[t.GetOfferId()]
			if o == nil || r.Check(in, s, o, t) != Fits {
				return 0, false
			}
			parts, idx = r.Score(in, s, o), 0
			return 0, true
		}},
	}
	// The engine names parts by rule: one rule per possible part, each
	// taking its points from the pair's scored parts in order.
	for _, name := range []string{RuleBase, RuleLanguage, RuleMunicipality, RuleCounty, RuleDistance, RuleFamily, RuleFirstTime, RuleWaiting} {
		list = append(list, match.RuleFunc{RuleName: name, Fn: func(_, _ *match.Person) (int, bool) {
			if idx < len(parts) && parts[idx].Name == name {
				idx++
				return int(parts[idx-1].Points), true
			}
			return 0, true
		}})
	}
	return match.Build(ns, hs, list, nil)
}

// Unseated returns the reason stage for a party no dinner took: the
// furthest stage any table reached, full ones included, so NoSeats says
// no dinner it fits had room for it when the job started and Fits that
// one had, but the job seated others there.
func (r *Rules) Unseated(in *Input, s *dinnersv1.SignUp) Stage {
	st, _ := r.UnseatedAt(in, s, nil)
	return st
}

// UnseatedAt is Unseated with the tables that reached that stage, as
// indexes of in.Tables appended to at[:0] (a caller asking for many
// parties passes the slice back, so there is one to grow): for NoSeats,
// the dinners the party fits but that had too few free seats for it,
// whose held seats the reason counts (ADR 0171).
func (r *Rules) UnseatedAt(in *Input, s *dinnersv1.SignUp, at []int) (Stage, []int) {
	best := NoDate
	at = at[:0]
	for k, t := range in.Tables {
		o := in.Offers[t.GetOfferId()]
		if o == nil {
			continue
		}
		switch st := r.Check(in, s, o, t); {
		case st > best:
			best, at = st, append(at[:0], k)
		case st == best && st > NoDate:
			at = append(at, k)
		}
	}
	return best, at
}
