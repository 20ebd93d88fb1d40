package match

import (
	"cmp"
	"slices"
)

// householdState is the primal side of the household heuristic: a feasible
// assignment, host loads and occupants, and the reverse adjacency the
// knapsacks read. Every change goes through put and take, which keep the
// invariants: no host over capacity and, with conflict classes, no two
// parties of one class at a host.
type householdState struct {
	in     *Instance
	g      *csr
	class  []int32 // per newcomer, conflict class or -1; nil without classes
	hostOf []int32
	cur    []int32 // score of each party's current pair, 0 if unmatched
	load   []int32
	occ    [][]int32 // occupants per host
	// In-edges per host, for the knapsack candidates.
	tStart, tNew, tScore []int32
	// ordNew and ordHost list every edge by score descending, then
	// newcomer and host ascending: the order greedy insertion tries pairs.
	ordNew, ordHost []int32
	queued          []bool
	work            []int32
	mark            []int32   // per newcomer: stamp of the insertion that lists it
	mu              []float64 // per newcomer: its dual in the last slot reassignment
	cstamp, ccount  []int32   // per class: scratch of knapsack grouping
	stamp           int32
	// With journal set, put and take log (party, host before) so that
	// rollback can undo a tentative step in time proportional to it.
	journal bool
	log     [][2]int32
}

func newHouseholdState(in *Instance, g *csr) *householdState {
	n, m := in.Newcomers, len(in.Capacity)
	hs := &householdState{in: in, g: g, class: in.conflictClasses(), hostOf: make([]int32, n), cur: make([]int32, n),
		load: make([]int32, m), occ: make([][]int32, m), queued: make([]bool, m), mark: make([]int32, n)}
	for i := range hs.hostOf {
		hs.hostOf[i] = Unmatched
	}
	if hs.class != nil {
		nc := int32(0)
		for _, c := range hs.class {
			nc = max(nc, c+1)
		}
		hs.cstamp, hs.ccount = make([]int32, nc), make([]int32, nc)
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
	// CSR edges are sorted by (newcomer, host), so a stable sort by score
	// gives the full tie order.
	order := make([]int32, len(g.host))
	for e := range order {
		order[e] = int32(e)
	}
	slices.SortStableFunc(order, func(a, b int32) int { return cmp.Compare(g.score[b], g.score[a]) })
	hs.ordNew, hs.ordHost = make([]int32, len(order)), make([]int32, len(order))
	row := make([]int32, len(order))
	for i := int32(0); i < int32(n); i++ {
		for e := g.start[i]; e < g.start[i+1]; e++ {
			row[e] = i
		}
	}
	for k, e := range order {
		hs.ordNew[k], hs.ordHost[k] = row[e], g.host[e]
	}
	return hs
}

// classOf returns newcomer i's conflict class, or -1.
func (hs *householdState) classOf(i int32) int32 {
	if hs.class == nil {
		return -1
	}
	return hs.class[i]
}

// clash reports whether host h seats a party of class c already (other
// than skip). Hosts seat a handful of parties, so a scan is cheapest.
func (hs *householdState) clash(h, c, skip int32) bool {
	if c < 0 {
		return false
	}
	for _, o := range hs.occ[h] {
		if o != skip && hs.class[o] == c {
			return true
		}
	}
	return false
}

// fits reports whether party i can join host h as it is now.
func (hs *householdState) fits(i, h int32) bool {
	return hs.load[h]+hs.in.sizeOf(i) <= hs.in.Capacity[h] && !hs.clash(h, hs.classOf(i), -1)
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
	if hs.journal {
		hs.log = append(hs.log, [2]int32{i, hs.hostOf[i]})
	}
	hs.hostOf[i] = h
	hs.cur[i] = hs.scoreOf(i, h)
	hs.load[h] += hs.in.sizeOf(i)
	hs.occ[h] = append(hs.occ[h], i)
}

func (hs *householdState) take(i int32) {
	h := hs.hostOf[i]
	if hs.journal {
		hs.log = append(hs.log, [2]int32{i, h})
	}
	hs.hostOf[i] = Unmatched
	hs.cur[i] = 0
	hs.load[h] -= hs.in.sizeOf(i)
	o := hs.occ[h]
	k := slices.Index(o, i)
	hs.occ[h] = slices.Delete(o, k, k+1)
}

// begin starts a tentative step.
func (hs *householdState) begin() {
	hs.journal = true
	hs.log = hs.log[:0]
}

// commit keeps the tentative step.
func (hs *householdState) commit() { hs.journal = false }

// rollback undoes the tentative step.
func (hs *householdState) rollback() {
	hs.journal = false
	for k := len(hs.log) - 1; k >= 0; k-- {
		i, h := hs.log[k][0], hs.log[k][1]
		if hs.hostOf[i] == h {
			continue
		}
		if hs.hostOf[i] >= 0 {
			hs.take(i)
		}
		if h >= 0 {
			hs.put(i, h)
		}
	}
	hs.log = hs.log[:0]
}

// reset empties every host.
func (hs *householdState) reset() {
	for h := range hs.occ {
		hs.occ[h] = hs.occ[h][:0]
		hs.load[h] = 0
	}
	for i := range hs.hostOf {
		hs.hostOf[i], hs.cur[i] = Unmatched, 0
	}
}

// start places the parties the LP did not split and inserts the rest
// greedily. An unsplit party that clashes with a class already seated
// there is inserted greedily too.
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
		case whole && h >= 0 && !hs.clash(h, hs.classOf(int32(i)), -1):
			hs.put(int32(i), h)
		case !whole || h >= 0:
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

// insert tries the pairs of the listed parties in the order of hs.order.
// A short list sorts its own edges; a long one (the Lagrangian rounds
// insert most parties) filters the presorted order instead of sorting
// tens of thousands of edges again. Both visit the same sequence.
func (hs *householdState) insert(list []int32, touch bool) {
	g := hs.g
	try := func(i, h int32) {
		if hs.hostOf[i] < 0 && hs.fits(i, h) {
			hs.put(i, h)
			if touch {
				hs.touch(h)
			}
		}
	}
	edges := 0
	for _, i := range list {
		edges += int(g.start[i+1] - g.start[i])
	}
	if edges*8 > len(hs.ordNew) {
		hs.stamp++
		for _, i := range list {
			hs.mark[i] = hs.stamp
		}
		for k, i := range hs.ordNew {
			if hs.mark[i] == hs.stamp {
				try(i, hs.ordHost[k])
			}
		}
		return
	}
	type cand struct {
		w    int32
		i, h int32
	}
	cs := make([]cand, 0, edges)
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
		try(c.i, c.h)
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

// improveQueued is improve over the hosts already queued only.
func (hs *householdState) improveQueued(rounds int) {
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

// altScore returns the best score party i gets on a host other than h that
// has room for it now (0 if none).
func (hs *householdState) altScore(i, h int32) int32 {
	return hs.altScore2(i, h, h)
}

// altScore2 is altScore excluding two hosts.
func (hs *householdState) altScore2(i, h1, h2 int32) int32 {
	g, in := hs.g, hs.in
	s := in.sizeOf(i)
	var best int32
	for e := g.start[i]; e < g.start[i+1]; e++ {
		x := g.host[e]
		if x != h1 && x != h2 && g.score[e] > best && hs.load[x]+s <= in.Capacity[x] && !hs.clash(x, hs.classOf(i), -1) {
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
