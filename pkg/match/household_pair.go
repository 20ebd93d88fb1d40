package match

import "slices"

// pairSearch re-packs pairs of hosts jointly until no pair improves or
// rounds run out, and reports whether any pair improved. A pair (h1, h2) is tried when some occupant of h1 is
// eligible for h2: the joint knapsack then sees swaps and moves between the
// two that single-host repacking cannot, such as a party of 3 moving to
// make room for a party of 2 and a party of 1.
//
// With lp given, h1 runs only over hosts that lose against the LP bound
// (an occupant on a pair that is not tight under the LP duals, or a free
// seat with a positive price): the objective can only rise where the
// assignment falls short of the bound, and on a city instance that is
// one host in four.
func (hs *householdState) pairSearch(rounds int, lp *lpSolution, D int64) bool {
	g := hs.g
	m := int32(len(hs.in.Capacity))
	pk := newPairKnapsack(hs.in.Newcomers)
	seen := make([]int32, m)
	any := false
	for r := 0; r < rounds; r++ {
		for k := range seen {
			seen[k] = -1
		}
		improved := false
		var lossy []bool
		if lp != nil {
			lossy = hs.lossHosts(lp, D)
		}
		for h1 := int32(0); h1 < m; h1++ {
			if hs.in.Capacity[h1] == 0 || (lossy != nil && !lossy[h1]) {
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
		if !improved {
			break
		}
		any = true
	}
	return any
}

// lossHosts marks the hosts whose occupants or free seats fall short of
// the LP duals' (lp.v, scaled by D) share of the bound.
func (hs *householdState) lossHosts(lp *lpSolution, D int64) []bool {
	in, g := hs.in, hs.g
	lossy := make([]bool, len(in.Capacity))
	for h, c := range in.Capacity {
		if hs.load[h] < c && lp.v[h] > 0 {
			lossy[h] = true
		}
	}
	for i := int32(0); i < int32(in.Newcomers); i++ {
		h := hs.hostOf[i]
		if h < 0 || lossy[h] {
			continue
		}
		s := int64(in.sizeOf(i))
		var u int64
		for e := g.start[i]; e < g.start[i+1]; e++ {
			u = max(u, D*int64(g.score[e])-s*lp.v[g.host[e]])
		}
		if u+s*lp.v[h] > D*int64(hs.cur[i]) {
			lossy[h] = true
		}
	}
	return lossy
}

// pairCand is a party of a joint knapsack of two hosts.
type pairCand struct {
	i     int32
	size  int32
	gain  [2]int64 // gain of going to h1 / h2 over the party's outside value
	ok    [2]bool
	occ   bool // seated at h1 or h2 now
	class int32
}

// pairKnapsack is reusable scratch for repackPair.
type pairKnapsack struct {
	cands   []pairCand
	keep    []bool
	parties []pairCand
	gstart  []int32
	best    []int64
	next    []int64
	pick    [][2]int32 // per group and state: item to h1, item to h2 (-1 none)
	sc      [2][]int32 // per party: score at h1 / h2, valid when st == stamp
	st      [2][]int32
	seen    []int32
	stamp   int32
	top     [2][][]int32 // per host side and size: candidate indices, best first
	dest    []int32
	undo    [][2]int32
}

func newPairKnapsack(n int) *pairKnapsack {
	pk := &pairKnapsack{seen: make([]int32, n)}
	for k := range 2 {
		pk.sc[k] = make([]int32, n)
		pk.st[k] = make([]int32, n)
	}
	return pk
}

// shortlist keeps, per party size s, the best C1/s + C2/s outside
// candidates by their gain at each host. That is exact for the joint
// knapsack: a party of size s placed at h1 but outside that list can be
// swapped for a listed one of the same size that is placed nowhere (at
// most C1/s - 1 others sit at h1 and C2/s at h2), which gains at least as
// much. With conflict classes the swap could break the class rule, so the
// lists are twice as long and the cut is a heuristic. Occupants are
// always kept.
func (pk *pairKnapsack) shortlist(C1, C2 int, classes bool) {
	maxS := max(C1, C2)
	for k := range 2 {
		for len(pk.top[k]) <= maxS {
			pk.top[k] = append(pk.top[k], nil)
		}
		for s := 0; s <= maxS; s++ {
			pk.top[k][s] = pk.top[k][s][:0]
		}
	}
	pk.keep = slices.Grow(pk.keep[:0], len(pk.cands))[:len(pk.cands)]
	for t := range pk.cands {
		c := &pk.cands[t]
		pk.keep[t] = c.occ
		if pk.keep[t] {
			continue
		}
		s := int(c.size)
		limit := C1/s + C2/s
		if classes {
			// A listed party may be barred by its class, so the swap
			// argument no longer holds: keep twice as many (a heuristic
			// cut; the move is measured before it is kept).
			limit *= 2
		}
		for k := range 2 {
			if !c.ok[k] || c.gain[k] <= 0 {
				continue
			}
			list := pk.top[k][s]
			// Insert by gain, earlier candidates first on ties; drop the
			// tail beyond the limit.
			pos := len(list)
			for pos > 0 && pk.cands[list[pos-1]].gain[k] < c.gain[k] {
				pos--
			}
			if pos >= limit {
				continue
			}
			list = slices.Insert(list, pos, int32(t))
			if len(list) > limit {
				list = list[:limit]
			}
			pk.top[k][s] = list
		}
	}
	for k := range 2 {
		for _, list := range pk.top[k][:maxS+1] {
			for _, t := range list {
				pk.keep[t] = true
			}
		}
	}
}

// repackPair solves the joint knapsack of hosts h1 and h2 and keeps the
// result if the true objective rises. Each candidate party either stays
// outside the pair (an occupant then goes to its best other host with
// room, an unmatched party stays unmatched, a party matched elsewhere stays
// there) or goes to h1 or h2; parties of one conflict class take at most
// one place at each host.
func (hs *householdState) repackPair(h1, h2 int32, pk *pairKnapsack) bool {
	in := hs.in
	C1, C2 := int(in.Capacity[h1]), int(in.Capacity[h2])
	pk.stamp++
	stamp := pk.stamp
	for k, h := range [2]int32{h1, h2} {
		for e := hs.tStart[h]; e < hs.tStart[h+1]; e++ {
			i := hs.tNew[e]
			pk.sc[k][i], pk.st[k][i] = hs.tScore[e], stamp
		}
	}
	pk.cands = pk.cands[:0]
	var current int64
	for _, h := range [2]int32{h1, h2} {
		for e := hs.tStart[h]; e < hs.tStart[h+1]; e++ {
			i := hs.tNew[e]
			if pk.seen[i] == stamp {
				continue
			}
			pk.seen[i] = stamp
			s := in.sizeOf(i)
			cur := hs.hostOf[i]
			occ := cur == h1 || cur == h2
			var out int64
			switch {
			case occ:
				out = int64(hs.altScore2(i, h1, h2))
			case cur >= 0:
				out = int64(hs.cur[i])
			}
			c := pairCand{i: i, size: s, occ: occ, class: hs.classOf(i)}
			for k, x := range [2]int32{h1, h2} {
				if pk.st[k][i] == stamp && s <= in.Capacity[x] {
					c.gain[k], c.ok[k] = int64(pk.sc[k][i])-out, true
				}
			}
			if !occ && (!c.ok[0] || c.gain[0] <= 0) && (!c.ok[1] || c.gain[1] <= 0) {
				continue // never worth bringing in
			}
			if cur == h1 {
				current += c.gain[0]
			} else if cur == h2 {
				current += c.gain[1]
			}
			pk.cands = append(pk.cands, c)
		}
	}
	pk.shortlist(C1, C2, hs.class != nil)
	pk.parties = pk.parties[:0]
	for t, c := range pk.cands {
		if pk.keep[t] {
			pk.parties = append(pk.parties, c)
		}
	}
	if hs.class != nil {
		slices.SortStableFunc(pk.parties, func(a, b pairCand) int {
			ka, kb := int64(a.class), int64(b.class)
			if ka < 0 {
				ka = 1 << 40
			}
			if kb < 0 {
				kb = 1 << 40
			}
			return int(min(max(ka-kb, -1), 1))
		})
	}
	pk.gstart = pk.gstart[:0]
	for t, c := range pk.parties {
		if t == 0 || c.class < 0 || c.class != pk.parties[t-1].class {
			pk.gstart = append(pk.gstart, int32(t))
		}
	}
	pk.gstart = append(pk.gstart, int32(len(pk.parties)))
	bestK, bestV := pk.solve(C1, C2)
	if bestV <= current {
		return false
	}
	return hs.applyPair(h1, h2, pk, bestK)
}

// solve runs the joint DP: best[a*(C2+1)+b] is the best gain using
// exactly a seats of h1 and b of h2. It returns the best state and value.
func (pk *pairKnapsack) solve(C1, C2 int) (int, int64) {
	S := (C1 + 1) * (C2 + 1)
	const neg = int64(-1 << 60)
	pk.best = slices.Grow(pk.best[:0], S)[:S]
	pk.next = slices.Grow(pk.next[:0], S)[:S]
	for k := range pk.best {
		pk.best[k] = neg
	}
	pk.best[0] = 0
	groups := len(pk.gstart) - 1
	pk.pick = slices.Grow(pk.pick[:0], groups*S)[:groups*S]
	for gi := 0; gi < groups; gi++ {
		pick := pk.pick[gi*S : (gi+1)*S]
		for k := range pick {
			pick[k] = [2]int32{-1, -1}
		}
		copy(pk.next, pk.best)
		lo, hi := int(pk.gstart[gi]), int(pk.gstart[gi+1])
		for a := 0; a <= C1; a++ {
			for b := 0; b <= C2; b++ {
				cur := pk.best[a*(C2+1)+b]
				if cur == neg {
					continue
				}
				for x := lo; x < hi; x++ {
					p := &pk.parties[x]
					s := int(p.size)
					if p.ok[0] && a+s <= C1 {
						k := (a+s)*(C2+1) + b
						if v := cur + p.gain[0]; v > pk.next[k] {
							pk.next[k], pick[k] = v, [2]int32{int32(x), -1}
						}
					}
					if p.ok[1] && b+s <= C2 {
						k := a*(C2+1) + b + s
						if v := cur + p.gain[1]; v > pk.next[k] {
							pk.next[k], pick[k] = v, [2]int32{-1, int32(x)}
						}
					}
					// Two parties of one class: one at each host.
					if !p.ok[0] || a+s > C1 {
						continue
					}
					for y := lo; y < hi; y++ {
						q := &pk.parties[y]
						if y == x || !q.ok[1] || b+int(q.size) > C2 {
							continue
						}
						k := (a+s)*(C2+1) + b + int(q.size)
						if v := cur + p.gain[0] + q.gain[1]; v > pk.next[k] {
							pk.next[k], pick[k] = v, [2]int32{int32(x), int32(y)}
						}
					}
				}
			}
		}
		pk.best, pk.next = pk.next, pk.best
	}
	bestK, bestV := 0, neg
	for k, v := range pk.best {
		if v > bestV {
			bestK, bestV = k, v
		}
	}
	return bestK, bestV
}

// applyPair moves the parties to the DP's choice in state bestK, keeps the
// change if the true objective rose and undoes it otherwise.
func (hs *householdState) applyPair(h1, h2 int32, pk *pairKnapsack, bestK int) bool {
	C2 := int(hs.in.Capacity[h2])
	S := (int(hs.in.Capacity[h1]) + 1) * (C2 + 1)
	nP := len(pk.parties)
	pk.dest = slices.Grow(pk.dest[:0], nP)[:nP]
	dest := pk.dest
	for t := range dest {
		dest[t] = -1
	}
	a, b := bestK/(C2+1), bestK%(C2+1)
	for gi := len(pk.gstart) - 2; gi >= 0; gi-- {
		p := pk.pick[gi*S+a*(C2+1)+b]
		if p[0] >= 0 {
			dest[p[0]] = h1
			a -= int(pk.parties[p[0]].size)
		}
		if p[1] >= 0 {
			dest[p[1]] = h2
			b -= int(pk.parties[p[1]].size)
		}
	}
	pk.undo = pk.undo[:0]
	var before int64
	for _, p := range pk.parties {
		cur := hs.hostOf[p.i]
		pk.undo = append(pk.undo, [2]int32{p.i, cur})
		if cur >= 0 {
			before += int64(hs.cur[p.i])
		}
	}
	// Take out everything that changes, then put back.
	var ejected []int32
	for t, p := range pk.parties {
		cur := hs.hostOf[p.i]
		if dest[t] == cur {
			continue
		}
		if dest[t] < 0 && cur != h1 && cur != h2 {
			continue // stays where it is, outside the pair
		}
		if cur >= 0 {
			hs.take(p.i)
		}
		if dest[t] < 0 {
			ejected = append(ejected, p.i)
		}
	}
	for t, p := range pk.parties {
		if dest[t] >= 0 && hs.hostOf[p.i] != dest[t] {
			hs.put(p.i, dest[t])
		}
	}
	hs.insertAllQuiet(ejected)
	var after int64
	for _, u := range pk.undo {
		if hs.hostOf[u[0]] >= 0 {
			after += int64(hs.cur[u[0]])
		}
	}
	if after > before {
		return true
	}
	hs.restore(pk.undo)
	return false
}
