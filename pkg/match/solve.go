package match

// Options tunes Solve. The zero value is the recommended setting.
type Options struct {
	// HouseholdRounds sets the number of Lagrangian rounds of the household
	// heuristic (0 means the default: 500 up to 2000 newcomers, fewer
	// above). The heuristic counts work, never wall time, so the same input
	// gives the same answer on any machine.
	HouseholdRounds int
}

// Solve finds the best matching for in with default options.
//
// With all party sizes 1 and no quotas the result is optimal and certified
// (Solution.Exact). With quotas it is optimal too, or the error wraps
// ErrInfeasible and names the groups whose Min cannot be met. With party
// sizes above 1 the problem is NP-hard; the result is a good feasible
// matching with a proven upper bound in Solution.Bound.
func Solve(in *Instance) (*Solution, error) {
	return SolveWith(in, Options{})
}

// SolveWith is Solve with explicit options.
func SolveWith(in *Instance, opt Options) (*Solution, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	g, err := buildCSR(in)
	if err != nil {
		return nil, err
	}
	switch {
	case in.hasHouseholds() || in.conflictClasses() != nil:
		return solveHouseholds(in, g, opt)
	case len(in.Quotas) > 0:
		return solveQuotasSplit(in, g)
	}
	s := newExact(g, in.Newcomers, in.Capacity)
	s.solveAll()
	return s.result(), nil
}
