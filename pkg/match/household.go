package match

import (
	"math"
	"slices"
)

// Household instances (party sizes above 1) are generalised assignment
// problems: NP-hard, and the LP relaxation is no longer integral. The
// approach here, in three steps:
//
//  1. Bound. The LP relaxation is itself a transportation problem once a
//     party of size s is split into s unit "seats" that each earn score/s:
//     y_ij = s_i·x_ij turns Σ_i s_i x_ij <= c_j into a plain capacity. With
//     scores scaled by D = lcm(sizes) the per-seat scores are integers, so
//     the exact unit solver computes the LP optimum and its duals in well
//     under a second even at 10k newcomers. The host duals V (in 1/D units)
//     give U_i = max(0, max_j D·w_ij - s_i·V_j) and the bound
//     floor((ΣU + Σ c_j V_j) / D), which Verify recomputes: any V >= 0
//     gives a valid bound, and the LP duals give the best one.
//  2. Start. Parties whose seats the LP put all on one host keep that host
//     (those placements fit, since the LP respects capacities); the split
//     ones are inserted greedily, best score first.
//  3. Improve. A worklist of hosts is re-packed one host at a time by an
//     exact knapsack over: its occupants (keep or eject), unmatched parties
//     (take or not) and parties matched elsewhere (move in for the score
//     difference). Capacities are small, so each knapsack costs
//     O(candidates · capacity). Ejected parties are re-inserted where they
//     fit; any host whose content changed goes back on the worklist. Every
//     accepted step strictly raises the objective, so it terminates; a
//     round limit in Options bounds it deterministically.

// solveHouseholds returns a feasible matching and an LP-based bound.
func solveHouseholds(in *Instance, g *csr, opt Options) (*Solution, error) {
	n, m := in.Newcomers, len(in.Capacity)
	D, lp := lpRelaxation(in, g)
	hs := newHouseholdState(in, g)
	hs.start(lp)
	hs.improve(50)
	// The default effort is a work count, not a clock, so results repeat
	// across machines: about 0.7 s at 1k and 4.5 s at 10k newcomers on the
	// 2-core VM (BENCH.md), inside the 1 s and 10 s targets with margin.
	iters, pairRounds := 500, 3
	if n > 2000 {
		iters, pairRounds = max(40, 1500000/n), 1
	}
	if opt.HouseholdRounds > 0 {
		iters = opt.HouseholdRounds
	}
	hs.lagrange(lp, D, iters)
	hs.pairSearch(pairRounds)

	sol := &Solution{
		HostOf:    hs.hostOf,
		U:         make([]int64, n),
		V:         make([]int64, m),
		DualScale: D,
	}
	for i := 0; i < n; i++ {
		if hs.hostOf[i] >= 0 {
			sol.Matched++
			sol.Objective += int64(hs.scoreOf(int32(i), hs.hostOf[i]))
		}
	}
	// Certificate: V from the LP, U the smallest value that covers every
	// edge, so the bound is valid whatever V is.
	for j := 0; j < m; j++ {
		sol.V[j] = lp.v[j]
	}
	var total int64
	for i := 0; i < n; i++ {
		s := int64(in.sizeOf(int32(i)))
		var u int64
		for e := g.start[i]; e < g.start[i+1]; e++ {
			u = max(u, D*int64(g.score[e])-s*sol.V[g.host[e]])
		}
		sol.U[i] = u
		total += u
	}
	for j := 0; j < m; j++ {
		total += int64(in.Capacity[j]) * sol.V[j]
	}
	sol.Bound = total / D
	sol.Exact = sol.Bound == sol.Objective
	return sol, nil
}

// lpSolution is the LP relaxation in seat form: for each newcomer, the hosts
// its seats went to (Unmatched for seats left out), and the host duals
// scaled by D.
type lpSolution struct {
	seatStart []int32 // seats of newcomer i: seatHost[seatStart[i]:seatStart[i+1]]
	seatHost  []int32
	v         []int64
}

// lpRelaxation solves the LP relaxation of the household problem exactly
// (see the file comment) and returns the scale D with the solution.
func lpRelaxation(in *Instance, g *csr) (int64, lpSolution) {
	n := in.Newcomers
	D := int64(1)
	var maxW int64
	for _, w := range g.score {
		maxW = max(maxW, int64(w))
	}
	exactScale := true
	for _, s := range in.Size {
		l := lcm(D, int64(s))
		if l*maxW > 1<<28 {
			// Scores too large for exact scaling: use the largest D that
			// fits; per-seat scores get rounded, the duals are then only
			// near-optimal, and the bound stays valid but is looser.
			exactScale = false
			break
		}
		D = l
	}
	if !exactScale {
		D = max(1, (1<<28)/maxW)
	}
	seatStart := make([]int32, n+1)
	for i := 0; i < n; i++ {
		seatStart[i+1] = seatStart[i] + in.sizeOf(int32(i))
	}
	seats := int(seatStart[n])
	ex := &csr{start: make([]int32, seats+1)}
	edges := 0
	for i := 0; i < n; i++ {
		edges += int(in.sizeOf(int32(i))) * int(g.start[i+1]-g.start[i])
	}
	ex.host = make([]int32, 0, edges)
	ex.score = make([]int32, 0, edges)
	k := 0
	for i := 0; i < n; i++ {
		s := int64(in.sizeOf(int32(i)))
		for c := int64(0); c < s; c++ {
			for e := g.start[i]; e < g.start[i+1]; e++ {
				w := max(1, D*int64(g.score[e])/s)
				ex.host = append(ex.host, g.host[e])
				ex.score = append(ex.score, int32(w))
			}
			k++
			ex.start[k] = int32(len(ex.host))
		}
	}
	solver := newExact(ex, seats, in.Capacity)
	solver.solveAll()
	lp := lpSolution{seatStart: seatStart, seatHost: solver.mate, v: make([]int64, len(in.Capacity))}
	for j, x := range solver.v {
		if solver.capy[j] < in.Capacity[j] {
			continue // seats beyond the host's degree: its true dual is 0
		}
		lp.v[j] = int64(x)
	}
	return D, lp
}

func gcd(a, b int64) int64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

func lcm(a, b int64) int64 { return a / gcd(a, b) * b }

// householdState is the primal side: a feasible assignment and host loads.
type householdState struct {
	in     *Instance
	g      *csr
	hostOf []int32
	cur    []int32 // score of each party's current pair, 0 if unmatched
	load   []int32
	occ    [][]int32 // occupants per host
	// In-edges per host, for the knapsack candidates.
	tStart, tNew, tScore []int32
	queued               []bool
	work                 []int32
}

func newHouseholdState(in *Instance, g *csr) *householdState {
	n, m := in.Newcomers, len(in.Capacity)
	hs := &householdState{in: in, g: g, hostOf: make([]int32, n), cur: make([]int32, n), load: make([]int32, m), occ: make([][]int32, m), queued: make([]bool, m)}
	for i := range hs.hostOf {
		hs.hostOf[i] = Unmatched
	}
	hs.tStart = make([]int32, m+1)
	for _, h := range g.host {
		hs.tStart[h+1]++
	}
	for j := 0; j < m; j++ {
		hs.tStart[j+1] += hs.tStart[j]
	}
	hs.tNew = make([]int32, len(g.host))
	hs.tScore = make([]int32, len(g.host))
	fill := slices.Clone(hs.tStart[:m])
	for i := int32(0); i < int32(n); i++ {
		for e := g.start[i]; e < g.start[i+1]; e++ {
			h := g.host[e]
			hs.tNew[fill[h]], hs.tScore[fill[h]] = i, g.score[e]
			fill[h]++
		}
	}
	return hs
}

// scoreOf returns the score of edge (i, h); rows are sorted by host.
func (hs *householdState) scoreOf(i, h int32) int32 {
	g := hs.g
	row := g.host[g.start[i]:g.start[i+1]]
	k, ok := slices.BinarySearch(row, h)
	if !ok {
		return 0
	}
	return g.score[int(g.start[i])+k]
}

func (hs *householdState) put(i, h int32) {
	hs.hostOf[i] = h
	hs.cur[i] = hs.scoreOf(i, h)
	hs.load[h] += hs.in.sizeOf(i)
	hs.occ[h] = append(hs.occ[h], i)
}

func (hs *householdState) take(i int32) {
	h := hs.hostOf[i]
	hs.hostOf[i] = Unmatched
	hs.cur[i] = 0
	hs.load[h] -= hs.in.sizeOf(i)
	o := hs.occ[h]
	k := slices.Index(o, i)
	hs.occ[h] = slices.Delete(o, k, k+1)
}

// start places the parties the LP did not split and inserts the rest
// greedily.
func (hs *householdState) start(lp lpSolution) {
	n := hs.in.Newcomers
	var rest []int32
	for i := 0; i < n; i++ {
		seats := lp.seatHost[lp.seatStart[i]:lp.seatStart[i+1]]
		h := seats[0]
		whole := true
		for _, x := range seats {
			if x != h {
				whole = false
				break
			}
		}
		switch {
		case whole && h >= 0:
			hs.put(int32(i), h)
		case !whole:
			rest = append(rest, int32(i))
		}
	}
	hs.insertAll(rest)
}

// insertAll places each party of list on its best host with room, best
// scores first; ties go to the lower id so the result is reproducible.
func (hs *householdState) insertAll(list []int32) {
	hs.insert(list, true)
}

// insertAllQuiet is insertAll without queueing the hosts that received
// parties; repack queues them itself once it keeps the change.
func (hs *householdState) insertAllQuiet(list []int32) {
	hs.insert(list, false)
}

func (hs *householdState) insert(list []int32, touch bool) {
	type cand struct {
		w    int32
		i, h int32
	}
	var cs []cand
	g := hs.g
	for _, i := range list {
		for e := g.start[i]; e < g.start[i+1]; e++ {
			cs = append(cs, cand{g.score[e], i, g.host[e]})
		}
	}
	slices.SortFunc(cs, func(a, b cand) int {
		if a.w != b.w {
			return int(b.w) - int(a.w)
		}
		if a.i != b.i {
			return int(a.i) - int(b.i)
		}
		return int(a.h) - int(b.h)
	})
	for _, c := range cs {
		if hs.hostOf[c.i] >= 0 {
			continue
		}
		if hs.load[c.h]+hs.in.sizeOf(c.i) <= hs.in.Capacity[c.h] {
			hs.put(c.i, c.h)
			if touch {
				hs.touch(c.h)
			}
		}
	}
}

func (hs *householdState) touch(h int32) {
	if !hs.queued[h] {
		hs.queued[h] = true
		hs.work = append(hs.work, h)
	}
}

// improve runs knapsack re-packing over a worklist of hosts until no host
// improves or the round limit is reached.
func (hs *householdState) improve(rounds int) {
	m := len(hs.in.Capacity)
	for h := int32(0); h < int32(m); h++ {
		hs.touch(h)
	}
	kp := &knapsack{}
	for r := 0; r < rounds && len(hs.work) > 0; r++ {
		work := hs.work
		hs.work = nil
		for _, h := range work {
			hs.queued[h] = false
		}
		for _, h := range work {
			hs.repack(h, kp)
		}
	}
}

// knapsack is reusable scratch for repack.
type knapsack struct {
	items  []kpItem
	best   []int64
	take   []bool // per item and capacity: item taken in the best solution
	vals   []float64
	fbest  []float64
	chosen []bool
	undo   [][2]int32 // (party, host before the step)
}

type kpItem struct {
	i    int32
	size int32
	gain int64 // value when taken into the host
	kind int8  // 0 occupant, 1 unmatched, 2 matched elsewhere
}

// repack solves host h's knapsack exactly and applies it if it gains.
// The value of a candidate is what the total objective gains if it ends up
// in h: an occupant keeps its score (ejected: 0, re-inserted later if it
// fits anywhere), an unmatched party brings its score, a party matched
// elsewhere brings the difference and frees room at its old host.
func (hs *householdState) repack(h int32, kp *knapsack) {
	in := hs.in
	C := in.Capacity[h]
	if C == 0 {
		return
	}
	kp.items = kp.items[:0]
	var current int64
	for e := hs.tStart[h]; e < hs.tStart[h+1]; e++ {
		i := hs.tNew[e]
		s := in.sizeOf(i)
		if s > C {
			continue
		}
		w := int64(hs.tScore[e])
		switch cur := hs.hostOf[i]; {
		case cur == h:
			// Keeping an occupant is worth its score minus what it would
			// score on its best other host with room now, so the knapsack
			// sees moves "out to a free seat elsewhere" too.
			gain := w - int64(hs.altScore(i, h))
			kp.items = append(kp.items, kpItem{i, s, gain, 0})
			current += max(gain, 0)
		case cur < 0:
			kp.items = append(kp.items, kpItem{i, s, w, 1})
		default:
			if gain := w - int64(hs.cur[i]); gain > 0 {
				kp.items = append(kp.items, kpItem{i, s, gain, 2})
			}
		}
	}
	nI := len(kp.items)
	W := int(C)
	kp.best = slices.Grow(kp.best[:0], W+1)[:W+1]
	clear(kp.best)
	kp.take = slices.Grow(kp.take[:0], nI*(W+1))[:nI*(W+1)]
	for t, it := range kp.items {
		row := kp.take[t*(W+1) : (t+1)*(W+1)]
		clear(row)
		s := int(it.size)
		for c := W; c >= s; c-- {
			// Strict > keeps the earlier (lower-id) choice on ties.
			if v := kp.best[c-s] + it.gain; v > kp.best[c] {
				kp.best[c] = v
				row[c] = true
			}
		}
	}
	if kp.best[W] <= current {
		return
	}
	// Recover the chosen set, then apply: eject, move in, re-insert.
	chosen := make([]bool, nI)
	c := W
	for t := nI - 1; t >= 0; t-- {
		if kp.take[t*(W+1)+c] {
			chosen[t] = true
			c -= int(kp.items[t].size)
		}
	}
	// Apply, then measure the true change: several ejected occupants may
	// count on the same free seat, so the knapsack value is optimistic.
	// Undo when the objective did not rise.
	kp.undo = kp.undo[:0]
	var before int64
	for _, it := range kp.items {
		cur := hs.hostOf[it.i]
		kp.undo = append(kp.undo, [2]int32{it.i, cur})
		if cur >= 0 {
			before += int64(hs.cur[it.i])
		}
	}
	var ejected []int32
	for t, it := range kp.items {
		if it.kind == 0 && !chosen[t] {
			hs.take(it.i)
			ejected = append(ejected, it.i)
		}
	}
	var olds []int32
	for t, it := range kp.items {
		if !chosen[t] {
			continue
		}
		switch it.kind {
		case 1:
			hs.put(it.i, h)
		case 2:
			old := hs.hostOf[it.i]
			hs.take(it.i)
			hs.put(it.i, h)
			olds = append(olds, old)
		}
	}
	if len(ejected) > 0 {
		hs.insertAllQuiet(ejected)
	}
	var after int64
	for _, u := range kp.undo {
		if cur := hs.hostOf[u[0]]; cur >= 0 {
			after += int64(hs.cur[u[0]])
		}
	}
	if after <= before {
		for _, u := range kp.undo {
			if hs.hostOf[u[0]] >= 0 {
				hs.take(u[0])
			}
		}
		for _, u := range kp.undo {
			if u[1] >= 0 {
				hs.put(u[0], u[1])
			}
		}
		return
	}
	hs.touch(h)
	for _, o := range olds {
		hs.touch(o)
	}
	for _, i := range ejected {
		if x := hs.hostOf[i]; x >= 0 {
			hs.touch(x)
		}
	}
}

// altScore returns the best score party i gets on a host other than h that
// has room for it now (0 if none).
func (hs *householdState) altScore(i, h int32) int32 {
	g, in := hs.g, hs.in
	s := in.sizeOf(i)
	var best int32
	for e := g.start[i]; e < g.start[i+1]; e++ {
		x := g.host[e]
		if x != h && g.score[e] > best && hs.load[x]+s <= in.Capacity[x] {
			best = g.score[e]
		}
	}
	return best
}

// objective returns the score of the current assignment.
func (hs *householdState) objective() int64 {
	var o int64
	for i, h := range hs.hostOf {
		if h >= 0 {
			o += int64(hs.cur[i])
		}
	}
	return o
}

// lagrange searches for better assignments guided by a Lagrangian
// relaxation of the one-host-per-party constraints: with a price mu[i] per
// party, every host independently packs its best knapsack of parties
// (score - mu). Parties wanted by several hosts get dearer, unwanted ones
// cheaper (subgradient steps aimed at the best known objective). Each
// round's knapsacks are turned into a feasible assignment (a party wanted
// twice goes to its best host, then greedy insertion and repacking) and
// the best one is kept. The knapsacks see the packing structure (which
// party sizes fill which seat counts) that the LP blurs, which is where the
// LP-rounded start loses most.
func (hs *householdState) lagrange(lp lpSolution, D int64, iters int) {
	in, g := hs.in, hs.g
	n, m := in.Newcomers, len(in.Capacity)
	mu := make([]float64, n)
	// Theta 2 with halving after 5 stalled rounds was the best of
	// {0.5,1,2} x {3,5,10,20} on the 1k household instance.
	// Start from the LP duals of the parties: optimal for the LP, and a
	// good first guess here.
	for i := 0; i < n; i++ {
		s := int64(in.sizeOf(int32(i)))
		var u int64
		for e := g.start[i]; e < g.start[i+1]; e++ {
			u = max(u, D*int64(g.score[e])-s*lp.v[g.host[e]])
		}
		mu[i] = float64(u) / float64(D)
	}
	best := slices.Clone(hs.hostOf)
	bestObj := hs.objective()
	count := make([]int32, n)
	wantBy := make([]int32, n)
	wantW := make([]int32, n)
	theta := 2.0
	lastBound := math.Inf(1)
	stall := 0
	kp := &knapsack{}
	for it := 0; it < iters; it++ {
		clear(count)
		bound := 0.0
		for _, x := range mu {
			bound += x
		}
		for h := int32(0); h < int32(m); h++ {
			val := hs.lagrangeKnapsack(h, mu, kp)
			bound += val
			for t, it := range kp.items {
				if !kp.chosen[t] {
					continue
				}
				i := it.i
				count[i]++
				if count[i] == 1 || hs.tScore[it.gain] > wantW[i] || (hs.tScore[it.gain] == wantW[i] && h < wantBy[i]) {
					wantBy[i], wantW[i] = h, hs.tScore[it.gain]
				}
			}
		}
		// Primal: each wanted party on its best wanting host.
		for h := range hs.occ {
			hs.occ[h] = hs.occ[h][:0]
			hs.load[h] = 0
		}
		for i := int32(0); i < int32(n); i++ {
			hs.hostOf[i], hs.cur[i] = Unmatched, 0
			if count[i] > 0 {
				hs.put(i, wantBy[i])
			}
		}
		var rest []int32
		for i := int32(0); i < int32(n); i++ {
			if count[i] == 0 {
				rest = append(rest, i)
			}
		}
		hs.insertAll(rest)
		hs.improve(20)
		if obj := hs.objective(); obj > bestObj {
			bestObj = obj
			copy(best, hs.hostOf)
		}
		// Subgradient step towards the best objective (Polyak), halving
		// theta when the bound stalls.
		if bound < lastBound-1e-9 {
			stall = 0
		} else if stall++; stall >= 5 {
			theta /= 2
			stall = 0
		}
		lastBound = min(lastBound, bound)
		var norm float64
		for i := 0; i < n; i++ {
			d := float64(1 - count[i])
			norm += d * d
		}
		if norm == 0 {
			break
		}
		step := theta * (bound - float64(bestObj)) / norm
		if step <= 0 {
			break
		}
		for i := 0; i < n; i++ {
			mu[i] = max(0, mu[i]-step*float64(1-count[i]))
		}
	}
	// Restore the best assignment.
	for h := range hs.occ {
		hs.occ[h] = hs.occ[h][:0]
		hs.load[h] = 0
	}
	for i, h := range best {
		hs.hostOf[i], hs.cur[i] = Unmatched, 0
		if h >= 0 {
			hs.put(int32(i), h)
		}
	}
}

// lagrangeKnapsack packs host h with the parties of best score - mu and
// returns the packed value; kp.items/kp.chosen describe the choice (gain
// holds the in-edge index, to find the score again).
func (hs *householdState) lagrangeKnapsack(h int32, mu []float64, kp *knapsack) float64 {
	in := hs.in
	W := int(in.Capacity[h])
	kp.items = kp.items[:0]
	kp.vals = kp.vals[:0]
	for e := hs.tStart[h]; e < hs.tStart[h+1]; e++ {
		i := hs.tNew[e]
		s := in.sizeOf(i)
		if int(s) > W {
			continue
		}
		if v := float64(hs.tScore[e]) - mu[i]; v > 0 {
			kp.items = append(kp.items, kpItem{i: i, size: s, gain: int64(e)})
			kp.vals = append(kp.vals, v)
		}
	}
	nI := len(kp.items)
	kp.fbest = slices.Grow(kp.fbest[:0], W+1)[:W+1]
	clear(kp.fbest)
	kp.take = slices.Grow(kp.take[:0], nI*(W+1))[:nI*(W+1)]
	for t, it := range kp.items {
		row := kp.take[t*(W+1) : (t+1)*(W+1)]
		clear(row)
		s := int(it.size)
		for c := W; c >= s; c-- {
			if v := kp.fbest[c-s] + kp.vals[t]; v > kp.fbest[c] {
				kp.fbest[c] = v
				row[c] = true
			}
		}
	}
	kp.chosen = slices.Grow(kp.chosen[:0], nI)[:nI]
	clear(kp.chosen)
	c := W
	for t := nI - 1; t >= 0; t-- {
		if kp.take[t*(W+1)+c] {
			kp.chosen[t] = true
			c -= int(kp.items[t].size)
		}
	}
	return kp.fbest[W]
}

// pairSearch re-packs pairs of hosts jointly until no pair improves or
// rounds run out. A pair (h1, h2) is tried when some occupant of h1 is
// eligible for h2: the joint knapsack then sees swaps and moves between the
// two that single-host repacking cannot, such as a party of 3 moving to
// make room for a party of 2 and a party of 1.
func (hs *householdState) pairSearch(rounds int) {
	g := hs.g
	m := int32(len(hs.in.Capacity))
	pk := &pairKnapsack{}
	seen := make([]int32, m)
	for k := range seen {
		seen[k] = -1
	}
	for r := 0; r < rounds; r++ {
		improved := false
		for h1 := int32(0); h1 < m; h1++ {
			if hs.in.Capacity[h1] == 0 {
				continue
			}
			for t := 0; t < len(hs.occ[h1]); t++ {
				i := hs.occ[h1][t]
				for e := g.start[i]; e < g.start[i+1]; e++ {
					h2 := g.host[e]
					if h2 == h1 || seen[h2] == h1 || hs.in.Capacity[h2] == 0 {
						continue
					}
					seen[h2] = h1
					if hs.repackPair(h1, h2, pk) {
						improved = true
					}
				}
			}
			// The occupant list of h1 may have changed; pairs are
			// revisited next round.
		}
		for k := range seen {
			seen[k] = -1
		}
		if !improved {
			return
		}
	}
}

// pairKnapsack is reusable scratch for repackPair.
type pairKnapsack struct {
	parties []int32
	gain    [][2]int64 // gain of going to h1 / h2 over the party's outside value
	ok      [][2]bool
	best    []int64
	choice  []int8  // per party and state: 0 outside, 1 h1, 2 h2
	mark    []int32 // per party: call stamp when already a candidate
	stamp   int32
	next    []int64
	dest    []int32
	undo    [][2]int32
}

// repackPair solves the joint knapsack of hosts h1 and h2 and keeps the
// result if the true objective rises. Each candidate party either stays
// outside the pair (an occupant then goes to its best other host with
// room, an unmatched party stays unmatched, a party matched elsewhere stays
// there) or goes to h1 or h2.
func (hs *householdState) repackPair(h1, h2 int32, pk *pairKnapsack) bool {
	in := hs.in
	C1, C2 := int(in.Capacity[h1]), int(in.Capacity[h2])
	pk.parties = pk.parties[:0]
	pk.gain = pk.gain[:0]
	pk.ok = pk.ok[:0]
	if pk.mark == nil {
		pk.mark = make([]int32, in.Newcomers)
	}
	pk.stamp++
	var current int64
	add := func(h int32) {
		for e := hs.tStart[h]; e < hs.tStart[h+1]; e++ {
			i := hs.tNew[e]
			if pk.mark[i] == pk.stamp {
				continue
			}
			pk.mark[i] = pk.stamp
			s := int(in.sizeOf(i))
			cur := hs.hostOf[i]
			var out int64
			switch {
			case cur == h1 || cur == h2:
				out = int64(hs.altScore2(i, h1, h2))
			case cur >= 0:
				out = int64(hs.cur[i])
			}
			var gn [2]int64
			var ok [2]bool
			for k, x := range [2]int32{h1, h2} {
				w := hs.tScore[e] // the edge into h, the host being scanned
				if x != h {
					w = hs.scoreOf(i, x)
				}
				if w > 0 && s <= int(in.Capacity[x]) {
					gn[k], ok[k] = int64(w)-out, true
				}
			}
			if (!ok[0] || gn[0] <= 0) && (!ok[1] || gn[1] <= 0) && cur != h1 && cur != h2 {
				continue // never worth bringing in
			}
			if cur == h1 {
				current += gn[0]
			} else if cur == h2 {
				current += gn[1]
			}
			pk.parties = append(pk.parties, i)
			pk.gain = append(pk.gain, gn)
			pk.ok = append(pk.ok, ok)
		}
	}
	add(h1)
	add(h2)
	S := (C1 + 1) * (C2 + 1)
	nP := len(pk.parties)
	pk.best = slices.Grow(pk.best[:0], S)[:S]
	const neg = int64(-1 << 60)
	for k := range pk.best {
		pk.best[k] = neg
	}
	pk.best[0] = 0
	pk.choice = slices.Grow(pk.choice[:0], nP*S)[:nP*S]
	// best[a*(C2+1)+b] = best gain using exactly a seats of h1, b of h2.
	pk.next = slices.Grow(pk.next[:0], S)[:S]
	next := pk.next
	for t := 0; t < nP; t++ {
		i := pk.parties[t]
		s := int(in.sizeOf(i))
		ch := pk.choice[t*S : (t+1)*S]
		copy(next, pk.best)
		clear(ch)
		for a := 0; a <= C1; a++ {
			for b := 0; b <= C2; b++ {
				cur := pk.best[a*(C2+1)+b]
				if cur == neg {
					continue
				}
				if pk.ok[t][0] && a+s <= C1 {
					k := (a+s)*(C2+1) + b
					if v := cur + pk.gain[t][0]; v > next[k] {
						next[k], ch[k] = v, 1
					}
				}
				if pk.ok[t][1] && b+s <= C2 {
					k := a*(C2+1) + b + s
					if v := cur + pk.gain[t][1]; v > next[k] {
						next[k], ch[k] = v, 2
					}
				}
			}
		}
		pk.best, next = next, pk.best
	}
	pk.next = next
	bestK, bestV := 0, neg
	for k, v := range pk.best {
		if v > bestV {
			bestK, bestV = k, v
		}
	}
	if bestV <= current {
		return false
	}
	// Recover the choices backwards.
	pk.dest = slices.Grow(pk.dest[:0], nP)[:nP]
	dest := pk.dest
	a, b := bestK/(C2+1), bestK%(C2+1)
	for t := nP - 1; t >= 0; t-- {
		s := int(in.sizeOf(pk.parties[t]))
		switch pk.choice[t*S+a*(C2+1)+b] {
		case 1:
			dest[t] = h1
			a -= s
		case 2:
			dest[t] = h2
			b -= s
		default:
			dest[t] = -1
		}
	}
	pk.undo = pk.undo[:0]
	var before int64
	for _, i := range pk.parties {
		cur := hs.hostOf[i]
		pk.undo = append(pk.undo, [2]int32{i, cur})
		if cur >= 0 {
			before += int64(hs.cur[i])
		}
	}
	// Take out everything that changes, then put back.
	var ejected []int32
	for t, i := range pk.parties {
		cur := hs.hostOf[i]
		if dest[t] == cur {
			continue
		}
		if dest[t] < 0 && cur != h1 && cur != h2 {
			continue // stays where it is, outside the pair
		}
		if cur >= 0 {
			hs.take(i)
		}
		if dest[t] < 0 {
			ejected = append(ejected, i)
		}
	}
	for t, i := range pk.parties {
		if dest[t] >= 0 && hs.hostOf[i] != dest[t] {
			hs.put(i, dest[t])
		}
	}
	hs.insertAllQuiet(ejected)
	var after int64
	for _, u := range pk.undo {
		if cur := hs.hostOf[u[0]]; cur >= 0 {
			after += int64(hs.cur[u[0]])
		}
	}
	if after > before {
		return true
	}
	for _, u := range pk.undo {
		if hs.hostOf[u[0]] >= 0 {
			hs.take(u[0])
		}
	}
	for _, u := range pk.undo {
		if u[1] >= 0 {
			hs.put(u[0], u[1])
		}
	}
	return false
}

// altScore2 is altScore excluding two hosts.
func (hs *householdState) altScore2(i, h1, h2 int32) int32 {
	g, in := hs.g, hs.in
	s := in.sizeOf(i)
	var best int32
	for e := g.start[i]; e < g.start[i+1]; e++ {
		x := g.host[e]
		if x != h1 && x != h2 && g.score[e] > best && hs.load[x]+s <= in.Capacity[x] {
			best = g.score[e]
		}
	}
	return best
}
