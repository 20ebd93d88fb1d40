package match

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// Person is a participant as the edge builder sees it: a newcomer (who uses
// Size and the wishes) or a host, mentor or guide (who uses Capacity). It
// carries plain attributes only, so services map their own types onto it.
type Person struct {
	// ID identifies the person; instances are built in ID order, so the
	// result does not depend on the order people are passed in.
	ID string
	// Size is a newcomer's party size (0 means 1).
	Size int
	// Capacity is a host's seats or slots.
	Capacity int
	// Languages the person speaks.
	Languages []string
	// Municipality the person lives in.
	Municipality string
	// Lat and Lon locate the person; HasLocation says they are set.
	Lat, Lon    float64
	HasLocation bool
	// Diet lists a newcomer's needs ("halal", "vegetarian") or what a host
	// can serve.
	Diet []string
	// Dates lists days the person is available (any comparable text, e.g.
	// ISO dates "2026-05-01").
	Dates []string
	// Gender as the person states it; SameGenderOnly asks for a partner of
	// the same gender.
	Gender         string
	SameGenderOnly bool
	// Group is the newcomer's quota group ("" for none).
	Group string
	// Class is the newcomer's conflict class ("" for none): no two
	// newcomers of one class are matched with the same host (dinners: two
	// parties of one SFI class never share a table).
	Class string
}

// Rule scores or forbids one (newcomer, host) pair. Apply returns the
// points the rule adds and whether the pair is allowed at all.
type Rule interface {
	// Name labels the rule's points in explanations and in Weights.
	Name() string
	// Apply judges the pair.
	Apply(newcomer, host *Person) (points int, ok bool)
}

// RuleFunc adapts a function to Rule.
type RuleFunc struct {
	RuleName string
	Fn       func(newcomer, host *Person) (int, bool)
}

// Name returns the rule name.
func (r RuleFunc) Name() string { return r.RuleName }

// Apply judges the pair with Fn, so a plain function serves as a Rule.
func (r RuleFunc) Apply(n, h *Person) (int, bool) { return r.Fn(n, h) }

// Weights gives the points of each standard rule by name, as read from a
// programme's configuration. A missing name means 0 points.
type Weights map[string]int

// Standard rule names, the keys of Weights.
const (
	RuleBase         = "base"         // points every allowed pair gets
	RuleLanguage     = "language"     // at least one shared language
	RuleMunicipality = "municipality" // same municipality
	RuleDistance     = "distance"     // full points at 0 km, none at MaxKm
	RuleDates        = "dates"        // per shared available date
)

// StandardRules builds the usual rule set from weights. Hard rules (pairs
// they reject are never eligible): the host has room for the party, the host
// serves every diet need, the two share a date when both list dates, the
// gender wish is respected, and, when maxKm > 0 and both have a location,
// they live within maxKm.
func StandardRules(w Weights, maxKm float64) []Rule {
	return []Rule{
		RuleFunc{RuleBase, func(n, h *Person) (int, bool) {
			size := max(n.Size, 1)
			return w[RuleBase], h.Capacity >= size
		}},
		RuleFunc{"diet", func(n, h *Person) (int, bool) {
			for _, d := range n.Diet {
				if !slices.Contains(h.Diet, d) {
					return 0, false
				}
			}
			return 0, true
		}},
		RuleFunc{"gender", func(n, h *Person) (int, bool) {
			if (n.SameGenderOnly || h.SameGenderOnly) && n.Gender != h.Gender {
				return 0, false
			}
			return 0, true
		}},
		RuleFunc{RuleDates, func(n, h *Person) (int, bool) {
			if len(n.Dates) == 0 || len(h.Dates) == 0 {
				return 0, true
			}
			shared := 0
			for _, d := range n.Dates {
				if slices.Contains(h.Dates, d) {
					shared++
				}
			}
			return shared * w[RuleDates], shared > 0
		}},
		RuleFunc{RuleLanguage, func(n, h *Person) (int, bool) {
			for _, l := range n.Languages {
				if slices.Contains(h.Languages, l) {
					return w[RuleLanguage], true
				}
			}
			return 0, true
		}},
		RuleFunc{RuleMunicipality, func(n, h *Person) (int, bool) {
			if n.Municipality != "" && n.Municipality == h.Municipality {
				return w[RuleMunicipality], true
			}
			return 0, true
		}},
		RuleFunc{RuleDistance, func(n, h *Person) (int, bool) {
			if maxKm <= 0 || !n.HasLocation || !h.HasLocation {
				return 0, true
			}
			d := haversineKm(n.Lat, n.Lon, h.Lat, h.Lon)
			if d > maxKm {
				return 0, false
			}
			return int(math.Round(float64(w[RuleDistance]) * (1 - d/maxKm))), true
		}},
	}
}

// haversineKm is the great-circle distance in kilometres.
func haversineKm(lat1, lon1, lat2, lon2 float64) float64 {
	const r = 6371.0
	rad := math.Pi / 180
	dLat, dLon := (lat2-lat1)*rad, (lon2-lon1)*rad
	a := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * r * math.Asin(math.Min(1, math.Sqrt(a)))
}

// Built is an instance made from people, with the maps back to their IDs.
type Built struct {
	// Instance is ready for Solve; Parts are filled.
	Instance *Instance
	// NewcomerIDs and HostIDs map indices back to Person.ID (sorted).
	NewcomerIDs, HostIDs []string
}

// Build turns people and rules into an instance: a pair is eligible when
// every rule allows it and its total points are at least 1 (scores above
// MaxScore are capped); each rule with non-zero points becomes a named Part.
// Quotas name groups by Person.Group. People are sorted by ID first, and IDs
// must be unique within each side.
func Build(newcomers, hosts []Person, rules []Rule, quotas map[string]Quota) (*Built, error) {
	ns := slices.Clone(newcomers)
	hs := slices.Clone(hosts)
	byID := func(a, b Person) int { return cmp.Compare(a.ID, b.ID) }
	slices.SortFunc(ns, byID)
	slices.SortFunc(hs, byID)
	b := &Built{Instance: &Instance{Newcomers: len(ns), Capacity: make([]int32, len(hs))}}
	in := b.Instance
	for k := range ns {
		if k > 0 && ns[k].ID == ns[k-1].ID {
			return nil, fmt.Errorf("%w: duplicate newcomer id %q", ErrInvalid, ns[k].ID)
		}
		b.NewcomerIDs = append(b.NewcomerIDs, ns[k].ID)
	}
	for k := range hs {
		if k > 0 && hs[k].ID == hs[k-1].ID {
			return nil, fmt.Errorf("%w: duplicate host id %q", ErrInvalid, hs[k].ID)
		}
		b.HostIDs = append(b.HostIDs, hs[k].ID)
		in.Capacity[k] = int32(max(0, min(hs[k].Capacity, math.MaxInt32)))
	}
	for _, p := range ns {
		if p.Size > 1 {
			in.Size = make([]int32, len(ns))
			for i, q := range ns {
				in.Size[i] = int32(max(q.Size, 1))
			}
			break
		}
	}
	classes := map[string]int32{}
	for _, p := range ns {
		if p.Class != "" {
			if _, ok := classes[p.Class]; !ok {
				classes[p.Class] = int32(len(classes))
			}
		}
	}
	if len(classes) > 0 {
		in.Class = make([]int32, len(ns))
		for i, p := range ns {
			in.Class[i] = -1
			if p.Class != "" {
				in.Class[i] = classes[p.Class]
			}
		}
	}
	if len(quotas) > 0 {
		names := make([]string, 0, len(quotas))
		for name := range quotas {
			names = append(names, name)
		}
		slices.Sort(names)
		index := map[string]int32{}
		for k, name := range names {
			q := quotas[name]
			q.Name = name
			in.Quotas = append(in.Quotas, q)
			index[name] = int32(k)
		}
		in.Group = make([]int32, len(ns))
		for i, p := range ns {
			in.Group[i] = -1
			if k, ok := index[p.Group]; ok && p.Group != "" {
				in.Group[i] = k
			}
		}
	}
	in.Parts = [][]Part{}
	var parts []Part
	for i := range ns {
		for j := range hs {
			parts = parts[:0]
			total, ok := 0, true
			for _, r := range rules {
				pts, allowed := r.Apply(&ns[i], &hs[j])
				if !allowed {
					ok = false
					break
				}
				if pts != 0 {
					total += pts
					parts = append(parts, Part{Name: r.Name(), Points: int32(pts)})
				}
			}
			if !ok || total < 1 {
				continue
			}
			in.Edges = append(in.Edges, Edge{Newcomer: int32(i), Host: int32(j), Score: int32(min(total, MaxScore))})
			in.Parts = append(in.Parts, slices.Clone(parts))
		}
	}
	return b, nil
}
