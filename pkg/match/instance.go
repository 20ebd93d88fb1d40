package match

import (
	"errors"
	"fmt"
	"slices"
)

// MaxScore is the largest edge score Solve accepts. Duals never exceed the
// largest score, so keeping scores this small lets the solver hold duals and
// path lengths in int32 arrays (half the memory traffic of int64) without any
// risk of overflow.
const MaxScore = 1_000_000

// Edge is an eligible (newcomer, host) pair with its integer score.
// Indices are dense and 0-based; int32 keeps a 2M-edge instance at 24 MB.
type Edge struct {
	// Newcomer is the newcomer index in [0, Instance.Newcomers).
	Newcomer int32
	// Host is the host index in [0, len(Instance.Capacity)).
	Host int32
	// Score is the value of the pair, in [1, MaxScore]; higher is better.
	Score int32
}

// Part is one named component of an edge score (a rule or a preference),
// carried only for explanations; the solver reads Edge.Score alone.
type Part struct {
	// Name is the rule or preference that contributed, e.g. "language".
	Name string
	// Points is its contribution to the score.
	Points int32
}

// Quota bounds how many newcomers of one group are matched (with
// Instance.Parent, groups may nest: a group counts its own newcomers and
// those of every group inside it).
type Quota struct {
	// Name names the group in errors and explanations, e.g. "gender=f".
	Name string
	// Min is the least number of matched newcomers of the group.
	Min int
	// Max is the largest number of matched newcomers of the group;
	// a negative Max means no upper bound.
	Max int
}

// Instance is the index-based matching problem: which newcomer may be paired
// with which host, how good each pair is, and the capacities.
//
// The zero value is an empty, valid instance. Solve treats Edges as a set:
// their order does not change the result.
type Instance struct {
	// Newcomers is the number of newcomers.
	Newcomers int
	// Capacity holds, per host, the seats (or mentee slots) it offers.
	Capacity []int32
	// Size holds, per newcomer, the party size (the newcomer plus family).
	// Nil means every party has size 1, which keeps the problem a network
	// flow that Solve answers exactly; sizes above 1 switch Solve to the
	// household heuristic with a proven bound.
	Size []int32
	// Edges lists the eligible pairs; a pair may appear once.
	Edges []Edge
	// Parts optionally holds, aligned with Edges, the named components of
	// each score, for Explain. It may be nil.
	Parts [][]Part
	// Group optionally holds, per newcomer, an index into Quotas or -1.
	// A newcomer belongs to at most one quota group.
	Group []int32
	// Quotas bounds the number of matched newcomers per group.
	Quotas []Quota
	// Parent optionally holds, per quota group, the group that contains
	// it, or -1: the groups form a laminar family (a forest), such as
	// women within a municipality inside that municipality's total. A
	// newcomer's Group is its innermost group; it counts toward that group
	// and every group above it. Nested bounds keep the problem a flow
	// (a tree of group nodes), so Solve stays exact and certified.
	Parent []int32
	// Class optionally holds, per newcomer, a conflict class or -1: at most
	// one newcomer of a class sits with any one host (dinners: no two
	// parties of one SFI class at a table). Pairwise exclusions are not a
	// flow, so an instance with two newcomers in one class is solved by
	// the household heuristic with its proven bound (the LP bound ignores
	// the classes, so it stays valid).
	Class []int32
}

// Hosts returns the number of hosts.
func (in *Instance) Hosts() int { return len(in.Capacity) }

// sizeOf returns the party size of newcomer i.
func (in *Instance) sizeOf(i int32) int32 {
	if in.Size == nil {
		return 1
	}
	return in.Size[i]
}

// conflictClasses returns Class when some class has two or more
// newcomers (otherwise no pair can conflict and it returns nil).
func (in *Instance) conflictClasses() []int32 {
	if in.Class == nil {
		return nil
	}
	seen := make(map[int32]bool)
	for _, c := range in.Class {
		if c < 0 {
			continue
		}
		if seen[c] {
			return in.Class
		}
		seen[c] = true
	}
	return nil
}

// hasHouseholds reports whether some party is larger than one, which makes
// the problem a generalised assignment problem rather than a flow.
func (in *Instance) hasHouseholds() bool {
	for _, s := range in.Size {
		if s != 1 {
			return true
		}
	}
	return false
}

// ErrInvalid is wrapped by every error that reports a malformed instance.
var ErrInvalid = errors.New("invalid instance")

// ErrInfeasible is wrapped by the error Solve returns when quotas cannot all
// be met; the message names the groups.
var ErrInfeasible = errors.New("infeasible quotas")

// Validate checks the instance and returns an error wrapping ErrInvalid that
// names the first offending newcomer, host, edge or group.
func (in *Instance) Validate() error {
	n, m := in.Newcomers, len(in.Capacity)
	if n < 0 {
		return fmt.Errorf("%w: negative newcomer count %d", ErrInvalid, n)
	}
	if n > 1<<30 || m > 1<<30 || len(in.Edges) > 1<<31-1 {
		return fmt.Errorf("%w: too large", ErrInvalid)
	}
	for j, c := range in.Capacity {
		if c < 0 {
			return fmt.Errorf("%w: host %d has negative capacity %d", ErrInvalid, j, c)
		}
	}
	if in.Size != nil {
		if len(in.Size) != n {
			return fmt.Errorf("%w: %d sizes for %d newcomers", ErrInvalid, len(in.Size), n)
		}
		for i, s := range in.Size {
			if s < 1 {
				return fmt.Errorf("%w: newcomer %d has size %d", ErrInvalid, i, s)
			}
		}
	}
	if in.Parts != nil && len(in.Parts) != len(in.Edges) {
		return fmt.Errorf("%w: %d part lists for %d edges", ErrInvalid, len(in.Parts), len(in.Edges))
	}
	for k, e := range in.Edges {
		if e.Newcomer < 0 || int(e.Newcomer) >= n {
			return fmt.Errorf("%w: edge %d: newcomer %d out of range", ErrInvalid, k, e.Newcomer)
		}
		if e.Host < 0 || int(e.Host) >= m {
			return fmt.Errorf("%w: edge %d: host %d out of range", ErrInvalid, k, e.Host)
		}
		if e.Score < 1 || e.Score > MaxScore {
			return fmt.Errorf("%w: edge %d (%d,%d): score %d not in 1..%d", ErrInvalid, k, e.Newcomer, e.Host, e.Score, MaxScore)
		}
	}
	if in.Group != nil {
		if len(in.Group) != n {
			return fmt.Errorf("%w: %d group entries for %d newcomers", ErrInvalid, len(in.Group), n)
		}
		for i, g := range in.Group {
			if g < -1 || int(g) >= len(in.Quotas) {
				return fmt.Errorf("%w: newcomer %d: group %d out of range", ErrInvalid, i, g)
			}
		}
	}
	if in.Class != nil {
		if len(in.Class) != n {
			return fmt.Errorf("%w: %d classes for %d newcomers", ErrInvalid, len(in.Class), n)
		}
		for i, c := range in.Class {
			if c < -1 {
				return fmt.Errorf("%w: newcomer %d: class %d", ErrInvalid, i, c)
			}
		}
		if len(in.Quotas) > 0 && in.conflictClasses() != nil {
			return fmt.Errorf("%w: conflict classes and quotas in one instance are not supported", ErrInvalid)
		}
	}
	for g, q := range in.Quotas {
		if q.Min < 0 || (q.Max >= 0 && q.Max < q.Min) {
			return fmt.Errorf("%w: quota %q: bounds [%d,%d]", ErrInvalid, q.Name, q.Min, q.Max)
		}
		_ = g
	}
	if in.Parent != nil {
		q := len(in.Quotas)
		if len(in.Parent) != q {
			return fmt.Errorf("%w: %d quota parents for %d quotas", ErrInvalid, len(in.Parent), q)
		}
		for k, p := range in.Parent {
			if p < -1 || int(p) >= q || int(p) == k {
				return fmt.Errorf("%w: quota %q: parent %d out of range", ErrInvalid, in.Quotas[k].Name, p)
			}
		}
		for k := range in.Parent {
			// A chain longer than the number of groups has a cycle.
			depth := 0
			for p := in.Parent[k]; p >= 0; p = in.Parent[p] {
				if depth++; depth > q {
					return fmt.Errorf("%w: quota %q: parents form a cycle", ErrInvalid, in.Quotas[k].Name)
				}
			}
		}
	}
	if len(in.Quotas) > 0 && in.hasHouseholds() {
		// The household heuristic has no quota constraints; solving
		// without them would be a silent approximation.
		return fmt.Errorf("%w: quotas with party sizes above 1 are not supported", ErrInvalid)
	}
	if len(in.Quotas) > 0 && in.Group == nil {
		return fmt.Errorf("%w: quotas given without newcomer groups", ErrInvalid)
	}
	return nil
}

// csr is the canonical compressed-row form of the edges: the edges of
// newcomer i are host[start[i]:start[i+1]], sorted by host. Every solver
// works on it, so results depend on the edge set only, not on its order.
type csr struct {
	start []int32 // len n+1
	host  []int32 // len E
	score []int32 // len E
	orig  []int32 // index into Instance.Edges, len E; nil when identical
}

// buildCSR sorts the edges by (newcomer, host) and rejects duplicates. Files
// written by gen_instance.py are already sorted, so the common case is one
// linear pass and no copy of the permutation.
func buildCSR(in *Instance) (*csr, error) {
	n := in.Newcomers
	E := len(in.Edges)
	c := &csr{start: make([]int32, n+1), host: make([]int32, E), score: make([]int32, E)}
	sorted := true
	for k := 1; k < E; k++ {
		a, b := in.Edges[k-1], in.Edges[k]
		if a.Newcomer > b.Newcomer || (a.Newcomer == b.Newcomer && a.Host >= b.Host) {
			sorted = false
			break
		}
	}
	if sorted {
		for k, e := range in.Edges {
			c.start[e.Newcomer+1]++
			c.host[k] = e.Host
			c.score[k] = e.Score
		}
		for i := 0; i < n; i++ {
			c.start[i+1] += c.start[i]
		}
		return c, nil
	}
	perm := make([]int32, E)
	for k := range perm {
		perm[k] = int32(k)
	}
	slices.SortFunc(perm, func(a, b int32) int {
		ea, eb := in.Edges[a], in.Edges[b]
		if ea.Newcomer != eb.Newcomer {
			return int(ea.Newcomer) - int(eb.Newcomer)
		}
		return int(ea.Host) - int(eb.Host)
	})
	for k, p := range perm {
		e := in.Edges[p]
		if k > 0 {
			q := in.Edges[perm[k-1]]
			if q.Newcomer == e.Newcomer && q.Host == e.Host {
				return nil, fmt.Errorf("%w: duplicate edge (%d,%d)", ErrInvalid, e.Newcomer, e.Host)
			}
		}
		c.start[e.Newcomer+1]++
		c.host[k] = e.Host
		c.score[k] = e.Score
	}
	for i := 0; i < n; i++ {
		c.start[i+1] += c.start[i]
	}
	c.orig = perm
	return c, nil
}

// parentOf returns the group containing quota group k, or -1.
func (in *Instance) parentOf(k int32) int32 {
	if in.Parent == nil {
		return -1
	}
	return in.Parent[k]
}
