// Package assign turns entitled newcomers and guide organisations' free
// capacity into the matching engine's instance: which newcomer may go to
// which unit (an organisation's municipality and language), how good each
// assignment is (own language, own municipality, time waited), and the
// optional group quotas. It is pure and deterministic: the same input gives
// the same instance whatever the order it arrives in.
package assign

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/motesplats/motesplats/pkg/match"
	"github.com/motesplats/motesplats/services/guides/internal/eligibility"
)

// Swedish is the language code every newcomer may be guided in.
const Swedish = "sv"

// Score part names, shown in explanations.
const (
	PartBase         = "base"
	PartLanguage     = "language"
	PartMunicipality = "municipality"
	PartWaiting      = "waiting"
	PartReproposed   = "re_proposed"
)

// Newcomer is an entitled newcomer as a job sees it: ids and codes only.
type Newcomer struct {
	ID           string   `json:"id"`
	Municipality string   `json:"m"`
	Languages    []string `json:"l,omitempty"` // first language first
	Woman        bool     `json:"w,omitempty"`
	// WaitMonths is how long the newcomer has waited for a guide.
	WaitMonths int `json:"wait,omitempty"`
	// Reproposed marks a newcomer whose guide organisation left or lowered
	// its capacity: they are assigned before anyone else.
	Reproposed bool `json:"re,omitempty"`
}

// Unit is one organisation's capacity in one municipality and language,
// with what is still free (capacity minus assignments taken up).
type Unit struct {
	Organisation string `json:"o"`
	Municipality string `json:"m"`
	Language     string `json:"l"`
	Free         int    `json:"free"`
	// Who held the taken places when the job started, for the left-out
	// reason to say (ADR 0171): open proposals, and assignments approved,
	// assigned or active. The instance does not read them.
	HeldByProposals   int `json:"hp,omitempty"`
	HeldByAssignments int `json:"ha,omitempty"`
}

// ID names the unit: organisation, municipality and language.
func (u Unit) ID() string { return u.Organisation + "." + u.Municipality + "." + u.Language }

// ParseUnitID splits a unit id; ok is false for anything else.
func ParseUnitID(id string) (org, muni, lang string, ok bool) {
	p := strings.Split(id, ".")
	if len(p) != 3 {
		return "", "", "", false
	}
	return p[0], p[1], p[2], true
}

// Family is a family of group quotas.
type Family string

// The families a job can ask for.
const (
	// GenderPerMunicipality: in each municipality, women assigned at least
	// in proportion to women among the entitled (of what can be assigned
	// there).
	GenderPerMunicipality Family = "gender_per_municipality"
	// MunicipalityTotal: each municipality's total at least in proportion
	// to its entitled.
	MunicipalityTotal Family = "municipality_total"
	// Language: each first language's total at least in proportion.
	Language Family = "language"
)

// ErrQuotaFamilies is wrapped by the error for a combination of quota
// families the engine does not solve exactly; its message says why. The
// job refuses rather than approximating.
var ErrQuotaFamilies = errors.New("quota families not solved exactly")

// Input is what one job assigns.
type Input struct {
	Newcomers []Newcomer          `json:"newcomers"`
	Units     []Unit              `json:"units"`
	Weights   eligibility.Weights `json:"weights"`
	Families  []Family            `json:"families,omitempty"`
	// Excluded are the newcomers and organisations' offices (an
	// organisation in a municipality) with an assignment proposed before
	// (declined, rejected, ended or withdrawn). They are never proposed to
	// each other again (ADR 0076), in any of the office's languages (ADR
	// 0257), so they are no arc of the instance and the optimum is over the
	// others (ADR 0248). Without this the engine chose them, their
	// create-once ids were refused, and their places stayed empty.
	Excluded []Pair `json:"excluded,omitempty"`
}

// Pair is a newcomer and an organisation's office in a municipality that
// were proposed to each other. A rejection is of the organisation (its
// coordinator turned the newcomer down, or the newcomer it), not of one
// of its languages, so the office's every unit is left out; another
// municipality's office is another situation (the newcomer moved, or the
// rules allow another municipality) and stays allowed (ADR 0257).
type Pair struct {
	Newcomer     string `json:"n"`
	Organisation string `json:"o,omitempty"`
	Municipality string `json:"m,omitempty"`
	// Unit is how a snapshot stored before ADR 0257 named the pair's
	// unit (Unit.ID); Office reads its organisation and municipality,
	// so a job snapshotted before an upgrade and built after leaves out
	// the same office. New snapshots leave it empty.
	Unit string `json:"u,omitempty"`
}

// Office is the pair's organisation and municipality, from Unit for a
// pair stored before ADR 0257.
func (p Pair) Office() (org, muni string) {
	if p.Unit != "" {
		if o, m, _, ok := ParseUnitID(p.Unit); ok {
			return o, m
		}
	}
	return p.Organisation, p.Municipality
}

// office is a newcomer and an organisation's office, the key of an
// exclusion.
type office struct{ newcomer, org, muni string }

// CheckFamilies refuses combinations the engine cannot solve exactly. One
// family is a set of disjoint groups, exact. Gender per municipality with
// municipality totals nest (women in a municipality are inside its total):
// a laminar family is still a flow, with a tree of group nodes, so the
// engine solves it exactly too (ADR 0091). Gender with language, and
// municipality with language, overlap without nesting: no flow is exact
// for them and the engine would need an integer program, so they are
// refused with the reason, never approximated.
func CheckFamilies(fs []Family) error {
	seen := map[Family]bool{}
	for _, f := range fs {
		switch f {
		case GenderPerMunicipality, MunicipalityTotal, Language:
		default:
			return fmt.Errorf("%w: unknown family %q", ErrQuotaFamilies, f)
		}
		if seen[f] {
			return fmt.Errorf("%w: family %s given twice", ErrQuotaFamilies, f)
		}
		seen[f] = true
	}
	switch {
	case seen[GenderPerMunicipality] && seen[Language]:
		return fmt.Errorf("%w: gender and language groups overlap without nesting; an exact solve needs an integer program, so the job refuses instead of approximating (ask for one of them)", ErrQuotaFamilies)
	case seen[MunicipalityTotal] && seen[Language]:
		return fmt.Errorf("%w: municipality and language groups overlap without nesting (ask for one of them)", ErrQuotaFamilies)
	}
	return nil
}

// Build makes the engine's instance. A newcomer may go to a unit in their
// own municipality (or any, when Weights.OtherMunicipal), guided in
// Swedish or in a language they speak. The score is base, plus language
// points for their own language (full for the first, half for another),
// plus municipality points, plus waiting points per month up to the cap,
// so the longest-waiting are preferred when capacity is short. No unit of
// an office paired with the newcomer in Excluded is an edge.
func Build(in Input) (*match.Built, error) {
	if err := CheckFamilies(in.Families); err != nil {
		return nil, err
	}
	ns := slices.Clone(in.Newcomers)
	slices.SortFunc(ns, func(a, b Newcomer) int { return strings.Compare(a.ID, b.ID) })
	us := slices.Clone(in.Units)
	slices.SortFunc(us, func(a, b Unit) int { return strings.Compare(a.ID(), b.ID()) })
	b := &match.Built{Instance: &match.Instance{Newcomers: len(ns)},
		NewcomerIDs: make([]string, len(ns)), HostIDs: make([]string, 0, len(us))}
	inst := b.Instance
	byMuni := map[string][]int32{}
	var all []int32
	// A unit with no free place stays in, with capacity 0: a newcomer it
	// fits is then left out because the units are full, naming them, not
	// because "no guide organisation in the municipality guides in their
	// language" (a second job after the first took the last places said
	// that of a Swedish speaker beside a full Swedish unit; outside round
	// s29).
	for _, u := range us {
		j := int32(len(b.HostIDs))
		b.HostIDs = append(b.HostIDs, u.ID())
		inst.Capacity = append(inst.Capacity, int32(max(u.Free, 0)))
		byMuni[u.Municipality] = append(byMuni[u.Municipality], j)
		all = append(all, j)
	}
	hosts := us
	w := in.Weights
	// Looked up only when there is something to leave out: a national
	// instance has hundreds of thousands of edges.
	excluded := make(map[office]bool, len(in.Excluded))
	for _, p := range in.Excluded {
		org, muni := p.Office()
		excluded[office{p.Newcomer, org, muni}] = true
	}
	// One backing array for every edge's parts: a national instance has
	// hundreds of thousands of edges, and a slice each dominated Build.
	backing := make([]match.Part, 0, 5*len(ns))
	for i, n := range ns {
		if i > 0 && ns[i-1].ID == n.ID {
			return nil, fmt.Errorf("assign: newcomer %s given twice", n.ID)
		}
		b.NewcomerIDs[i] = n.ID
		cands := byMuni[n.Municipality]
		if w.OtherMunicipal {
			cands = all
		}
		wait := min(max(n.WaitMonths, 0), w.MaxWaitingMonths) * w.WaitingPerMonth
		// More than any other newcomer's language, municipality and
		// waiting points together, so a re-proposed newcomer wins any unit
		// they may use.
		first := 0
		if n.Reproposed {
			first = w.Language + w.Municipality + w.MaxWaitingMonths*w.WaitingPerMonth + 1
		}
		for _, j := range cands {
			u := hosts[j]
			if len(excluded) > 0 && excluded[office{n.ID, u.Organisation, u.Municipality}] {
				continue
			}
			if cap(backing)-len(backing) < 5 {
				backing = make([]match.Part, 0, 5*1024)
			}
			parts := append(backing[len(backing):len(backing):len(backing)+5], match.Part{Name: PartBase, Points: int32(w.Base)})
			if u.Language != Swedish {
				k := slices.Index(n.Languages, u.Language)
				if k < 0 {
					continue
				}
				pts := w.Language
				if k > 0 {
					pts /= 2
				}
				parts = append(parts, match.Part{Name: PartLanguage, Points: int32(pts)})
			}
			if u.Municipality == n.Municipality {
				parts = append(parts, match.Part{Name: PartMunicipality, Points: int32(w.Municipality)})
			}
			if wait > 0 {
				parts = append(parts, match.Part{Name: PartWaiting, Points: int32(wait)})
			}
			if first > 0 {
				parts = append(parts, match.Part{Name: PartReproposed, Points: int32(first)})
			}
			var score int32
			for _, p := range parts {
				score += p.Points
			}
			inst.Edges = append(inst.Edges, match.Edge{Newcomer: int32(i), Host: j, Score: min(score, match.MaxScore)})
			inst.Parts = append(inst.Parts, parts)
			backing = backing[:len(backing)+len(parts)]
		}
	}
	if len(in.Families) > 0 {
		addQuotas(inst, ns, hosts, in.Families)
	}
	return b, nil
}

// addQuotas puts each newcomer in its groups of the families fs and sets
// each group's Min to its proportional share of what its pool can take:
// for a group g inside a pool P (a municipality, or everyone), Min =
// floor(|g| / |P| · min(|P|, free units P can use)). One family gives
// disjoint groups; gender per municipality with municipality totals gives
// women in a municipality nested inside its total (Instance.Parent). The
// engine solves both exactly.
func addQuotas(inst *match.Instance, ns []Newcomer, hosts []Unit, fs []Family) {
	has := map[Family]bool{}
	for _, f := range fs {
		has[f] = true
	}
	// chain lists a newcomer's groups, outermost first, each with its pool.
	type group struct{ name, pool string }
	chain := func(n Newcomer) []group {
		var c []group
		if has[MunicipalityTotal] {
			c = append(c, group{"municipality " + n.Municipality, n.Municipality})
		}
		if has[GenderPerMunicipality] && n.Woman {
			c = append(c, group{"women in " + n.Municipality, n.Municipality})
		}
		if has[Language] && len(n.Languages) > 0 {
			c = append(c, group{"language " + n.Languages[0], ""})
		}
		return c
	}
	free := map[string]int{}
	for _, u := range hosts {
		free[u.Municipality] += u.Free
		free[""] += u.Free
	}
	if has[GenderPerMunicipality] || has[MunicipalityTotal] {
		// What a municipality's pool can take is how many of its newcomers
		// one assignment can place at once, not its free places: a unit in
		// a language nobody there speaks takes no one. Without this,
		// municipality totals asked for more than any assignment gives in
		// most municipalities of the national benchmark.
		can := reachable(inst, ns)
		for _, n := range ns {
			free[n.Municipality] = can[n.Municipality]
		}
	}
	poolSize := map[string]int{}
	for _, n := range ns {
		poolSize[n.Municipality]++
		poolSize[""]++
	}
	groupSize := map[string]int{}
	groupPool := map[string]string{}
	parentOf := map[string]string{}
	for _, n := range ns {
		c := chain(n)
		for k, g := range c {
			groupSize[g.name]++
			groupPool[g.name] = g.pool
			if k > 0 {
				parentOf[g.name] = c[k-1].name
			}
		}
	}
	names := make([]string, 0, len(groupSize))
	for g := range groupSize {
		names = append(names, g)
	}
	slices.Sort(names)
	index := map[string]int32{}
	for k, g := range names {
		index[g] = int32(k)
	}
	nested := len(parentOf) > 0
	for _, g := range names {
		p := groupPool[g]
		// A group that cannot reach its share (its members speak no
		// language of the free units, say) makes the solve infeasible,
		// and the engine's error names the group.
		can := min(poolSize[p], free[p])
		inst.Quotas = append(inst.Quotas, match.Quota{Name: g, Min: groupSize[g] * can / max(poolSize[p], 1), Max: -1})
		if nested {
			parent := int32(-1)
			if pg, ok := parentOf[g]; ok {
				parent = index[pg]
			}
			inst.Parent = append(inst.Parent, parent)
		}
	}
	inst.Group = make([]int32, len(ns))
	for i, n := range ns {
		inst.Group[i] = -1
		if c := chain(n); len(c) > 0 {
			inst.Group[i] = index[c[len(c)-1].name]
		}
	}
}

// reachable returns, per municipality, how many of its newcomers one
// assignment places at most: a maximum-cardinality matching over the
// instance's edges (every score 1), counted by the newcomers'
// municipalities. One joint matching reaches all the counts at once, so
// municipality totals set from them can all be met together.
func reachable(inst *match.Instance, ns []Newcomer) map[string]int {
	unit := &match.Instance{Newcomers: inst.Newcomers, Capacity: inst.Capacity, Edges: make([]match.Edge, len(inst.Edges))}
	for k, e := range inst.Edges {
		unit.Edges[k] = match.Edge{Newcomer: e.Newcomer, Host: e.Host, Score: 1}
	}
	out := map[string]int{}
	sol, err := match.Solve(unit)
	if err != nil {
		return out // a malformed instance fails the real solve with its reason
	}
	for i, h := range sol.HostOf {
		if h != match.Unmatched {
			out[ns[i].Municipality]++
		}
	}
	return out
}
