package match

import "slices"

// kpItem is a candidate party of one host's knapsack.
type kpItem struct {
	i    int32
	size int32
	gain int64 // value when taken into the host (lagrange: the in-edge index)
	kind int8  // 0 occupant, 1 unmatched, 2 matched elsewhere
}

// knapsack is reusable scratch for repack and lagrangeKnapsack.
type knapsack struct {
	items  []kpItem
	ivals  []int64
	vals   []float64
	ip     packer[int64]
	fp     packer[float64]
	gstart []int32
	chosen []bool
	undo   [][2]int32 // (party, host before the step)
	// Scratch of group: the order by class and the arrays it fills.
	perm    []int32
	classes []int32
	sitems  []kpItem
	svals   []float64
	sivals  []int64
}

// packer solves a multiple-choice knapsack: items come in consecutive
// groups (a conflict class, or a single party) and at most one item of a
// group is taken. Without classes every group is one item and this is the
// plain 0/1 knapsack; ties keep the earlier choice, so results repeat.
type packer[T int64 | float64] struct {
	best, next []T
	pick       []int32 // per group and capacity: the item taken, or -1
}

// solve returns the best value within capacity W and marks chosen.
func (p *packer[T]) solve(W int, items []kpItem, vals []T, gstart []int32, chosen []bool) T {
	p.best = slices.Grow(p.best[:0], W+1)[:W+1]
	p.next = slices.Grow(p.next[:0], W+1)[:W+1]
	clear(p.best)
	groups := len(gstart) - 1
	p.pick = slices.Grow(p.pick[:0], groups*(W+1))[:groups*(W+1)]
	for gi := 0; gi < groups; gi++ {
		pick := p.pick[gi*(W+1) : (gi+1)*(W+1)]
		for c := range pick {
			pick[c] = -1
		}
		if gstart[gi+1]-gstart[gi] == 1 {
			// One item: the 0/1 update in place, capacities downwards.
			t := gstart[gi]
			s, v := int(items[t].size), vals[t]
			for c := W; c >= s; c-- {
				if x := p.best[c-s] + v; x > p.best[c] {
					p.best[c] = x
					pick[c] = t
				}
			}
			continue
		}
		copy(p.next, p.best)
		for t := gstart[gi]; t < gstart[gi+1]; t++ {
			s, v := int(items[t].size), vals[t]
			for c := W; c >= s; c-- {
				// Strict > keeps the earlier (lower-id) choice on ties.
				if x := p.best[c-s] + v; x > p.next[c] {
					p.next[c] = x
					pick[c] = t
				}
			}
		}
		p.best, p.next = p.next, p.best
	}
	clear(chosen)
	c := W
	for gi := groups - 1; gi >= 0; gi-- {
		if t := p.pick[gi*(W+1)+c]; t >= 0 {
			chosen[t] = true
			c -= int(items[t].size)
		}
	}
	return p.best[W]
}

// group orders kp.items (and their values) so that parties of one conflict
// class are consecutive and fills kp.gstart; without classes every item is
// its own group and the order is kept.
func (hs *householdState) group(kp *knapsack, float bool) {
	nI := len(kp.items)
	kp.gstart = kp.gstart[:0]
	if hs.class != nil {
		// Bucket by class in order of first appearance (a counting sort:
		// a comparison sort here cost a quarter of a city solve).
		hs.stamp++
		classes := kp.classes[:0]
		for _, it := range kp.items {
			c := hs.class[it.i]
			if c < 0 {
				continue
			}
			if hs.cstamp[c] != hs.stamp {
				hs.cstamp[c], hs.ccount[c] = hs.stamp, 0
				classes = append(classes, c)
			}
			hs.ccount[c]++
		}
		pos := int32(0)
		for _, c := range classes {
			hs.ccount[c], pos = pos, pos+hs.ccount[c]
		}
		kp.perm = slices.Grow(kp.perm[:0], nI)[:nI]
		for t, it := range kp.items {
			if c := hs.class[it.i]; c >= 0 {
				kp.perm[hs.ccount[c]] = int32(t)
				hs.ccount[c]++
			} else {
				kp.perm[pos] = int32(t)
				pos++
			}
		}
		kp.classes = classes
		kp.sitems = slices.Grow(kp.sitems[:0], nI)[:nI]
		for t, p := range kp.perm {
			kp.sitems[t] = kp.items[p]
		}
		kp.items, kp.sitems = kp.sitems, kp.items
		if float {
			kp.svals = slices.Grow(kp.svals[:0], nI)[:nI]
			for t, p := range kp.perm {
				kp.svals[t] = kp.vals[p]
			}
			kp.vals, kp.svals = kp.svals, kp.vals
		} else {
			kp.sivals = slices.Grow(kp.sivals[:0], nI)[:nI]
			for t, p := range kp.perm {
				kp.sivals[t] = kp.ivals[p]
			}
			kp.ivals, kp.sivals = kp.sivals, kp.ivals
		}
	}
	for t := 0; t < nI; t++ {
		if t == 0 || hs.classOf(kp.items[t].i) < 0 || hs.classOf(kp.items[t].i) != hs.classOf(kp.items[t-1].i) {
			kp.gstart = append(kp.gstart, int32(t))
		}
	}
	kp.gstart = append(kp.gstart, int32(nI))
	kp.chosen = slices.Grow(kp.chosen[:0], nI)[:nI]
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
	kp.ivals = kp.ivals[:0]
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
		if len(kp.ivals) < len(kp.items) {
			kp.ivals = append(kp.ivals, kp.items[len(kp.items)-1].gain)
		}
	}
	hs.group(kp, false)
	if kp.ip.solve(int(C), kp.items, kp.ivals, kp.gstart, kp.chosen) <= current {
		return
	}
	chosen := kp.chosen
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
		hs.restore(kp.undo)
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

// restore puts the parties of undo back where they were.
func (hs *householdState) restore(undo [][2]int32) {
	for _, u := range undo {
		if hs.hostOf[u[0]] >= 0 {
			hs.take(u[0])
		}
	}
	for _, u := range undo {
		if u[1] >= 0 {
			hs.put(u[0], u[1])
		}
	}
}
