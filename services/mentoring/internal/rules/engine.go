package rules

import (
	"slices"
	"strings"

	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/match"
	"github.com/motesplats/motesplats/pkg/municipality"
)

// Rule names, as they appear in score parts.
const (
	RuleBase         = "base"
	RuleSwedish      = "swedish"
	RuleLanguage     = "language"
	RuleMunicipality = "municipality"
	RuleCounty       = "county"
	RuleInterests    = "interests"
	RuleFamily       = "family"
	RuleAgeBand      = "age_band"
)

// Input is what the engine matches: newcomers, mentors with their free
// slots as capacity, and pairs never to propose again. A mentor with no
// free slot (capacity 0) is in no pair of the instance, but tells a
// newcomer they fit why it was left out (Full, ADR 0169).
type Input struct {
	Newcomers []*mentoringv1.PoolNewcomer
	Mentors   []*mentoringv1.PoolMentor
	// Excluded holds "<participant id>/<volunteer id>".
	Excluded map[string]bool
}

// PairKey is the key of Input.Excluded.
func PairKey(participantID, volunteerID string) string { return participantID + "/" + volunteerID }

// Build turns the input into a matching instance under these rules. Every
// rule that gives points becomes a named part of the pair's score.
func (r *Rules) Build(in Input) (*match.Built, error) {
	ns, free, _, list := r.judge(in)
	return match.Build(ns, free, list, nil)
}

// BuildFull is Build, and the mentors of the input without a free slot,
// ready to be judged by the same rules (Full.Fits). They are no hosts of
// the instance: the instance, and so the pairs the engine finds, are
// what they were when the snapshot left full mentors out.
func (r *Rules) BuildFull(in Input) (*match.Built, *Full, error) {
	ns, free, full, list := r.judge(in)
	// Full.Fits judges one newcomer against the full mentors at a time,
	// after the fact, where an error has nowhere to go: building them
	// with no newcomer here checks their ids (the only error Build
	// returns for valid rules) once.
	if _, err := match.Build(nil, full, list, nil); err != nil {
		return nil, nil, err
	}
	slices.SortFunc(full, func(a, b match.Person) int { return strings.Compare(a.ID, b.ID) })
	b, err := match.Build(ns, free, list, nil)
	if err != nil {
		return nil, nil, err
	}
	// The rules keep the last pair's facts by the people's addresses:
	// each newcomer has one here, for as long as the Full lives.
	f := &Full{newcomers: make(map[string]*match.Person, len(ns)), mentors: full, rules: list}
	for k := range ns {
		f.newcomers[ns[k].ID] = &ns[k]
	}
	return b, f, nil
}

// Full is a job's mentors without a free slot, judged by its rules.
type Full struct {
	newcomers map[string]*match.Person
	mentors   []match.Person
	rules     []match.Rule
}

// Fit is a mentor the rules allow for a newcomer, with the pair's score
// and its named parts, as an instance edge would have them.
type Fit struct {
	Mentor string
	Score  int32
	Parts  []match.Part
}

// Fits returns the full mentors the rules would pair newcomer id with
// (in mentor id order; none for an unknown id), scored as match.Build
// scores an edge. It costs one rule pass per full mentor, so a job asks
// only for the newcomers it leaves out. Not safe for concurrent use (nor
// beside Build of the same rules and input): the rules keep the last
// pair's facts.
func (f *Full) Fits(id string) []Fit {
	if f == nil || len(f.mentors) == 0 {
		return nil
	}
	n, ok := f.newcomers[id]
	if !ok {
		return nil
	}
	// The rules judged directly, not through match.Build: that copies
	// and sorts every full mentor for each newcomer left out, a third of
	// a second job's CPU when all 600 of the demo pool's were full.
	var out []Fit
	var parts []match.Part
	for k := range f.mentors {
		m := &f.mentors[k]
		total, ok := 0, true
		parts = parts[:0]
		for _, r := range f.rules {
			pts, allowed := r.Apply(n, m)
			if !allowed {
				ok = false
				break
			}
			if pts != 0 {
				total += pts
				parts = append(parts, match.Part{Name: r.Name(), Points: int32(pts)})
			}
		}
		if ok && total >= 1 {
			out = append(out, Fit{Mentor: m.ID, Score: int32(min(total, match.MaxScore)), Parts: slices.Clone(parts)})
		}
	}
	return out
}

// judge returns the input's people as the engine sees them (newcomers,
// mentors with a free slot, mentors without) and the rules, which read
// each pair's facts from the input.
func (r *Rules) judge(in Input) (ns, free, full []match.Person, list []match.Rule) {
	// Each person's county is looked up once here, not per pair: the area
	// and county rules compare them for every pair (a fifth of the build's
	// time when each pair read the municipality table twice).
	ns = make([]match.Person, len(in.Newcomers))
	nfacts := make(map[string]*mentoringv1.PoolNewcomer, len(in.Newcomers))
	ncounty := make(map[string]string, len(in.Newcomers))
	for k, n := range in.Newcomers {
		ns[k] = match.Person{ID: n.GetParticipantId(), Municipality: n.GetMunicipalityCode()}
		nfacts[n.GetParticipantId()] = n
		ncounty[n.GetParticipantId()] = countyOf(n.GetMunicipalityCode())
	}
	type mentor struct {
		m      *mentoringv1.PoolMentor
		county string
	}
	mfacts := make(map[string]mentor, len(in.Mentors))
	free = make([]match.Person, 0, len(in.Mentors))
	for _, m := range in.Mentors {
		p := match.Person{ID: m.GetVolunteerId(), Municipality: m.GetMunicipalityCode(), Capacity: int(m.GetCapacity())}
		// A full mentor is no host of the instance (the engine would
		// carry a host of 0 slots and no pair), but the rules judge them
		// all alike: the free slot is the instance's capacity, no rule.
		if m.GetCapacity() > 0 {
			free = append(free, p)
		} else {
			full = append(full, p)
		}
		mfacts[m.GetVolunteerId()] = mentor{m, countyOf(m.GetMunicipalityCode())}
	}
	// Build calls every rule for one pair in turn; resolving the pair's
	// facts once per pair (not per rule) keeps map lookups off the inner
	// loop.
	// Excluded pairs by newcomer: the base rule runs for every pair
	// (100 million at 20,000 newcomers and 5,000 mentors), and a key made
	// per pair was a heap allocation each.
	excluded := map[string]map[string]bool{}
	for k := range in.Excluded {
		nid, vid, _ := strings.Cut(k, "/")
		if excluded[nid] == nil {
			excluded[nid] = map[string]bool{}
		}
		excluded[nid][vid] = true
	}
	var (
		lastN, lastH *match.Person
		n            *mentoringv1.PoolNewcomer
		m            *mentoringv1.PoolMentor
		nex          map[string]bool // the newcomer's excluded mentors
		nc, mc       string          // their counties ("" when unknown)
	)
	pair := func(np, hp *match.Person) {
		if np != lastN {
			lastN, n, nex, nc = np, nfacts[np.ID], excluded[np.ID], ncounty[np.ID]
		}
		if hp != lastH {
			f := mfacts[hp.ID]
			lastH, m, mc = hp, f.m, f.county
		}
	}
	sameCounty := func() bool { return nc != "" && nc == mc }
	rule := func(name string, fn func() (int, bool)) match.Rule {
		return match.RuleFunc{RuleName: name, Fn: func(np, hp *match.Person) (int, bool) {
			pair(np, hp)
			return fn()
		}}
	}
	w := r.Weights
	list = []match.Rule{
		rule(RuleBase, func() (int, bool) {
			return w.Base, !nex[m.GetVolunteerId()]
		}),
		rule("gender", func() (int, bool) { return 0, r.genderOK(n, m) }),
		rule("area", func() (int, bool) { return 0, r.areaOK(n, m, sameCounty) }),
		rule("families", func() (int, bool) {
			return 0, r.Families != FamiliesRequire || n.GetHouseholdSize() <= 1 || m.GetHouseholdSize() > 1
		}),
		rule(RuleSwedish, func() (int, bool) {
			if r.swedishShared(n) {
				return w.Swedish, true
			}
			return 0, true
		}),
		rule(RuleLanguage, func() (int, bool) {
			if r.otherShared(n, m) {
				return w.Language, true
			}
			// The hard rule: without Swedish or another shared
			// language the two cannot talk.
			return 0, r.swedishShared(n)
		}),
		rule(RuleMunicipality, func() (int, bool) {
			if n.GetMunicipalityCode() == m.GetMunicipalityCode() {
				return w.Municipality, true
			}
			return 0, true
		}),
		rule(RuleCounty, func() (int, bool) {
			if n.GetMunicipalityCode() != m.GetMunicipalityCode() && sameCounty() {
				return w.County, true
			}
			return 0, true
		}),
		rule(RuleInterests, func() (int, bool) {
			return w.Interests * min(sharedInterests(n.GetInterests(), m.GetInterests()), w.MaxInterests), true
		}),
		rule(RuleFamily, func() (int, bool) {
			if r.Families != FamiliesIgnore && n.GetHouseholdSize() > 1 && m.GetHouseholdSize() > 1 {
				return w.Family, true
			}
			return 0, true
		}),
		rule(RuleAgeBand, func() (int, bool) {
			// Only when both gave a birth year: an unknown age is no match.
			if n.GetAgeBand() > 0 && n.GetAgeBand() == m.GetAgeBand() {
				return w.AgeBand, true
			}
			return 0, true
		}),
	}
	return ns, free, full, list
}

func (r *Rules) genderOK(n *mentoringv1.PoolNewcomer, m *mentoringv1.PoolMentor) bool {
	same := n.GetGender() != typev1.Gender_GENDER_UNSPECIFIED && n.GetGender() == m.GetGender()
	switch r.Gender {
	case GenderSame:
		return same
	case GenderNewcomerChoice:
		return !n.GetWantsSameGenderMentor() || same
	}
	return true
}

// areaOK: sameCounty says whether the pair's municipalities lie in one
// county (municipality.SameCounty, resolved once per person by Build).
func (r *Rules) areaOK(n *mentoringv1.PoolNewcomer, m *mentoringv1.PoolMentor, sameCounty func() bool) bool {
	switch r.Area {
	case AreaMunicipality:
		return n.GetMunicipalityCode() == m.GetMunicipalityCode()
	case AreaCounty:
		return sameCounty()
	}
	return true
}

// countyOf is the county code of a municipality, "" for an unknown code
// (which shares a county with none, as municipality.SameCounty says).
func countyOf(code string) string {
	if mu, ok := municipality.Lookup(code); ok {
		return mu.CountyCode
	}
	return ""
}

// swedishShared: every mentor speaks Swedish, so Swedish is shared once the
// newcomer has reached the minimum level.
func (r *Rules) swedishShared(n *mentoringv1.PoolNewcomer) bool {
	return r.SwedishMinLevel != 0 && n.GetSwedishLevel() >= r.SwedishMinLevel
}

func (r *Rules) otherShared(n *mentoringv1.PoolNewcomer, m *mentoringv1.PoolMentor) bool {
	for _, a := range n.GetLanguages() {
		if a.GetLevel() < r.OtherMinLevel {
			continue
		}
		for _, b := range m.GetLanguages() {
			if a.GetCode() == b.GetCode() && b.GetLevel() >= r.OtherMinLevel {
				return true
			}
		}
	}
	return false
}

func sharedInterests(a, b []string) int {
	n := 0
	for _, x := range a {
		if slices.Contains(b, x) {
			n++
		}
	}
	return n
}
