package match

// Warm is a previous solution mapped onto a changed instance, to start the
// exact solver from instead of from scratch.
type Warm struct {
	// HostOf holds, per newcomer of the new instance, the host it had
	// before (new host index) or Unmatched; new newcomers are Unmatched.
	HostOf []int32
	// V holds, per host of the new instance, its previous dual (0 for new
	// hosts).
	V []int64
}

// SolveWarm solves in exactly, starting from warm. After a small change
// (newcomers or seats added or removed) most old pairs stay tight under the
// old host prices; only the newcomers and hosts the change touched need a
// search, so a 1% change costs a few percent of a full solve (BENCH.md).
//
// The result is optimal and certified like Solve's, but when several
// optima tie it may pick a different one than a cold Solve. Instances with
// households, conflict classes or quotas ignore warm and run Solve.
func SolveWarm(in *Instance, warm *Warm) (*Solution, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	if in.hasHouseholds() || in.conflictClasses() != nil || len(in.Quotas) > 0 || warm == nil ||
		len(warm.HostOf) != in.Newcomers || len(warm.V) != len(in.Capacity) {
		return Solve(in)
	}
	g, err := buildCSR(in)
	if err != nil {
		return nil, err
	}
	s := newExact(g, in.Newcomers, in.Capacity)
	for j, x := range warm.V {
		// Any v >= 0 is a valid start (u is derived from it); clamping to
		// the score range only keeps the int32 arithmetic safe.
		s.v[j] = int32(min(max(x, 0), int64(s.maxScore)))
	}
	m := int32(len(in.Capacity))
	for i, h := range warm.HostOf {
		if h >= m {
			h = Unmatched
		}
		s.mate[i] = h
	}
	for _, i := range s.repair() {
		s.augment(i)
	}
	s.fillHosts()
	return s.result(), nil
}

// Warm maps sol, a solution of prev, onto b by person IDs, for SolveWarm.
func (b *Built) Warm(prev *Built, sol *Solution) *Warm {
	hostIdx := make(map[string]int32, len(b.HostIDs))
	for j, id := range b.HostIDs {
		hostIdx[id] = int32(j)
	}
	prevNew := make(map[string]int32, len(prev.NewcomerIDs))
	for i, id := range prev.NewcomerIDs {
		prevNew[id] = int32(i)
	}
	w := &Warm{HostOf: make([]int32, len(b.NewcomerIDs)), V: make([]int64, len(b.HostIDs))}
	for i, id := range b.NewcomerIDs {
		w.HostOf[i] = Unmatched
		if pi, ok := prevNew[id]; ok {
			if h := sol.HostOf[pi]; h >= 0 {
				if nh, ok := hostIdx[prev.HostIDs[h]]; ok {
					w.HostOf[i] = nh
				}
			}
		}
	}
	for j, id := range prev.HostIDs {
		if nh, ok := hostIdx[id]; ok && j < len(sol.V) {
			w.V[nh] = sol.V[j]
		}
	}
	return w
}
