package match

// Unmatched is the HostOf value of a newcomer left without a host.
const Unmatched = -1

// Solution is a matching with the dual values that certify it.
//
// The duals are a feasible solution of the LP dual
//
//	min  Σ_i U[i] + Σ_j Capacity[j]·V[j] + Σ_g quotaTerm(g, Gamma[g])
//	s.t. U[i] + Size[i]·V[j] + Gamma[group(i)] >= Score(i,j) for every edge
//	     (all duals in units of 1/DualScale),
//	     U >= 0, V >= 0,
//
// so Bound = that dual objective is an upper bound on every feasible
// matching. When Bound == Objective the matching is optimal; Verify checks
// all of this without trusting the solver.
type Solution struct {
	// HostOf holds, per newcomer, its host index or Unmatched.
	HostOf []int32
	// Objective is the total score of the matched pairs.
	Objective int64
	// Matched is the number of matched newcomers.
	Matched int
	// U holds the newcomer duals (the newcomer's share of its pair's score).
	U []int64
	// V holds the host duals (the marginal value of one seat of the host).
	V []int64
	// Gamma holds one dual per quota group; nil without quotas. A positive
	// value means the group's Max binds, a negative one that its Min binds.
	Gamma []int64
	// DualScale, when above 1, says U, V and Gamma are in units of
	// 1/DualScale (household bounds come from fractional LP duals); the
	// dual constraints then read U[i] + Size[i]·V[j] + Gamma >=
	// DualScale·Score(i,j). Zero means 1.
	DualScale int64
	// Bound is the dual objective (divided by DualScale, rounded down: the
	// objective is an integer), an upper bound on any feasible matching.
	Bound int64
	// Exact reports that the solver claims optimality (Bound == Objective).
	// It is false for household instances, where Bound - Objective is the
	// remaining gap.
	Exact bool
}

// Gap returns (Bound - Objective) / Bound, the proven relative distance from
// the optimum; 0 for an exact solution.
func (s *Solution) Gap() float64 {
	if s.Bound <= 0 {
		return 0
	}
	return float64(s.Bound-s.Objective) / float64(s.Bound)
}
