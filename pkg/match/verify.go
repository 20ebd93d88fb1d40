package match

import (
	"errors"
	"fmt"
)

// ErrNotVerified is wrapped by every error Verify returns.
var ErrNotVerified = errors.New("solution not verified")

// Certificate is what Verify proved about a solution.
type Certificate struct {
	// Objective is the recomputed total score of the matching.
	Objective int64
	// Bound is the recomputed dual objective: no feasible matching of the
	// instance scores more.
	Bound int64
	// Optimal reports Bound == Objective.
	Optimal bool
}

// Verify checks sol against in without using any solver code: the matching
// is feasible (eligible pairs, capacities counted in party sizes, quotas,
// conflict classes), Objective is its true score, and the duals (U, V,
// Gamma) are feasible for the LP dual, so their objective is a valid upper
// bound. If sol.Exact it
// also requires the bound to equal the objective, which proves optimality
// by weak duality. It runs in O(edges) and allocates O(newcomers + hosts).
func Verify(in *Instance, sol *Solution) (Certificate, error) {
	var cert Certificate
	fail := func(format string, args ...any) (Certificate, error) {
		return cert, fmt.Errorf("%w: %s", ErrNotVerified, fmt.Sprintf(format, args...))
	}
	n, m := in.Newcomers, len(in.Capacity)
	if len(sol.HostOf) != n || len(sol.U) != n || len(sol.V) != m {
		return fail("sizes: %d hosts-of, %d U, %d V for %d newcomers and %d hosts",
			len(sol.HostOf), len(sol.U), len(sol.V), n, m)
	}
	if len(in.Quotas) > 0 && len(sol.Gamma) != len(in.Quotas) {
		return fail("%d quota duals for %d quotas", len(sol.Gamma), len(in.Quotas))
	}
	size := func(i int32) int64 {
		if in.Size == nil {
			return 1
		}
		return int64(in.Size[i])
	}
	group := func(i int32) int32 {
		if in.Group == nil {
			return -1
		}
		return in.Group[i]
	}
	scale := sol.DualScale
	if scale == 0 {
		scale = 1
	}
	if scale < 0 || scale > 1<<30 {
		return fail("dual scale %d", scale)
	}
	for i, x := range sol.U {
		if x < 0 {
			return fail("U[%d] = %d < 0", i, x)
		}
	}
	for j, x := range sol.V {
		if x < 0 {
			return fail("V[%d] = %d < 0", j, x)
		}
	}
	// Nested quota groups: a newcomer's constraint carries the Gamma of
	// its group and of every group above it.
	q := len(in.Quotas)
	if in.Parent != nil && len(in.Parent) != q {
		return fail("%d quota parents for %d quotas", len(in.Parent), q)
	}
	parent := func(k int32) int32 {
		if in.Parent == nil {
			return -1
		}
		return in.Parent[k]
	}
	gammaUp := make([]int64, q)
	for k := range int32(q) {
		steps := 0
		for p := k; p >= 0; p = parent(p) {
			if int(p) >= q || steps > q {
				return fail("quota %d: parents out of range or in a cycle", k)
			}
			if sol.Gamma != nil {
				gammaUp[k] += sol.Gamma[p]
			}
			steps++
		}
	}
	// One pass over the edges: dual feasibility of every edge, and the
	// score of each newcomer's chosen pair (found = the pair is eligible).
	found := make([]bool, n)
	var obj int64
	for k, e := range in.Edges {
		i, j := e.Newcomer, e.Host
		if i < 0 || int(i) >= n || j < 0 || int(j) >= m {
			return fail("edge %d out of range", k)
		}
		lhs := sol.U[i] + size(i)*sol.V[j]
		if g := group(i); g >= 0 {
			lhs += gammaUp[g]
		}
		if lhs < scale*int64(e.Score) {
			return fail("edge (%d,%d): dual %d below score %d (scale %d)", i, j, lhs, e.Score, scale)
		}
		if sol.HostOf[i] == j {
			if found[i] {
				return fail("edge (%d,%d) listed twice", i, j)
			}
			found[i] = true
			obj += int64(e.Score)
		}
	}
	load := make([]int64, m)
	matched := 0
	var groupCount []int64
	if len(in.Quotas) > 0 {
		groupCount = make([]int64, len(in.Quotas))
	}
	for i, j := range sol.HostOf {
		if j == Unmatched {
			continue
		}
		if j < 0 || int(j) >= m {
			return fail("newcomer %d: host %d out of range", i, j)
		}
		if !found[i] {
			return fail("newcomer %d: pair with host %d is not eligible", i, j)
		}
		load[j] += size(int32(i))
		matched++
		for g := group(int32(i)); g >= 0; g = parent(g) {
			groupCount[g]++
		}
	}
	for j, l := range load {
		if l > int64(in.Capacity[j]) {
			return fail("host %d: load %d over capacity %d", j, l, in.Capacity[j])
		}
	}
	if in.Class != nil {
		if len(in.Class) != n {
			return fail("%d conflict classes for %d newcomers", len(in.Class), n)
		}
		// At most one newcomer of a conflict class per host.
		seen := make(map[[2]int32]int32)
		for i, j := range sol.HostOf {
			c := in.Class[i]
			if j == Unmatched || c < 0 {
				continue
			}
			if o, ok := seen[[2]int32{j, c}]; ok {
				return fail("host %d: newcomers %d and %d share conflict class %d", j, o, i, c)
			}
			seen[[2]int32{j, c}] = int32(i)
		}
	}
	for g, q := range in.Quotas {
		c := groupCount[g]
		if c < int64(q.Min) || (q.Max >= 0 && c > int64(q.Max)) {
			return fail("group %q: %d matched, quota [%d,%d]", q.Name, c, q.Min, q.Max)
		}
	}
	if obj != sol.Objective {
		return fail("objective %d claimed, %d recomputed", sol.Objective, obj)
	}
	if matched != sol.Matched {
		return fail("matched %d claimed, %d counted", sol.Matched, matched)
	}
	var bound int64
	for _, x := range sol.U {
		bound += x
	}
	for j, x := range sol.V {
		bound += int64(in.Capacity[j]) * x
	}
	for g, x := range sol.Gamma {
		q := in.Quotas[g]
		switch {
		case x > 0 && q.Max < 0:
			// An unbounded group cannot charge for its Max: the dual
			// variable of a missing constraint is zero.
			return fail("group %q has no Max but dual %d > 0", q.Name, x)
		case x > 0:
			bound += int64(q.Max) * x
		case x < 0:
			bound += int64(q.Min) * x
		}
	}
	// The objective is an integer, so rounding the bound down keeps it valid.
	bound /= scale
	cert = Certificate{Objective: obj, Bound: bound, Optimal: bound == obj}
	if bound < obj {
		return fail("dual bound %d below objective %d: duals or matching wrong", bound, obj)
	}
	if bound != sol.Bound {
		return fail("bound %d claimed, %d recomputed", sol.Bound, bound)
	}
	if sol.Exact && bound != obj {
		return fail("claimed optimal, but dual bound %d exceeds objective %d", bound, obj)
	}
	return cert, nil
}
