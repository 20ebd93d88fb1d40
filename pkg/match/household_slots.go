package match

import (
	"cmp"
	"slices"
)

// reassignSlots re-optimises, exactly, which parties fill the places the
// current assignment gives each party size. Holding the number of parties
// of size s at every host fixed, choosing the parties of size s is a
// transportation problem with unit sizes, which the exact solver answers:
// every chain of same-size exchanges across any number of hosts at once,
// which no local move reaches. Loads do not change, so capacities hold;
// conflict classes are checked afterwards, and the assignment of a size is
// kept only if it breaks no class and scores more. It reports whether the
// objective rose.
func (hs *householdState) reassignSlots() bool {
	in, g := hs.in, hs.g
	m := len(in.Capacity)
	bySize := map[int32][]int32{}
	var sizes []int32
	for i := int32(0); i < int32(in.Newcomers); i++ {
		s := in.sizeOf(i)
		if _, ok := bySize[s]; !ok {
			sizes = append(sizes, s)
		}
		bySize[s] = append(bySize[s], i)
	}
	improved := false
	slots := make([]int32, m)
	for _, s := range sizes {
		parties := bySize[s]
		clear(slots)
		var before int64
		for _, i := range parties {
			if h := hs.hostOf[i]; h >= 0 {
				slots[h]++
				before += int64(hs.cur[i])
			}
		}
		sub := &csr{start: make([]int32, len(parties)+1)}
		for k, i := range parties {
			for e := g.start[i]; e < g.start[i+1]; e++ {
				if slots[g.host[e]] > 0 {
					sub.host = append(sub.host, g.host[e])
					sub.score = append(sub.score, g.score[e])
				}
			}
			sub.start[k+1] = int32(len(sub.host))
		}
		if len(sub.host) == 0 {
			continue
		}
		ex := newExact(sub, len(parties), slots)
		ex.solveAll()
		if hs.mu == nil {
			hs.mu = make([]float64, in.Newcomers)
		}
		for k, i := range parties {
			hs.mu[i] = float64(ex.u[k])
		}
		var after int64
		for k, i := range parties {
			if h := ex.mate[k]; h >= 0 {
				after += int64(hs.scoreOf(i, h))
			}
		}
		if after <= before {
			continue
		}
		old := make([]int32, len(parties))
		for k, i := range parties {
			old[k] = hs.hostOf[i]
			if old[k] >= 0 {
				hs.take(i)
			}
		}
		for k, i := range parties {
			if h := ex.mate[k]; h >= 0 {
				hs.put(i, h)
			}
		}
		if hs.class != nil {
			// The transport does not see classes: a party that now shares
			// a host with its class leaves (the lower score of the two)
			// and is inserted elsewhere; the size's change is kept only if
			// it still gains.
			var out []int32
			for _, i := range parties {
				h := hs.hostOf[i]
				if h < 0 {
					continue
				}
				for _, o := range hs.occ[h] {
					if o != i && hs.class[o] == hs.class[i] && (hs.cur[o] > hs.cur[i] || (hs.cur[o] == hs.cur[i] && o < i)) {
						out = append(out, i)
						break
					}
				}
			}
			for _, i := range out {
				hs.take(i)
			}
			hs.insertAllQuiet(out)
			var now int64
			for _, i := range parties {
				if hs.hostOf[i] >= 0 {
					now += int64(hs.cur[i])
				}
			}
			if now <= before || hs.anyClash(parties) {
				for k, i := range parties {
					if hs.hostOf[i] >= 0 {
						hs.take(i)
					}
					if old[k] >= 0 {
						hs.put(i, old[k])
					}
				}
				continue
			}
		}
		improved = true
		for _, i := range parties {
			if h := hs.hostOf[i]; h >= 0 {
				hs.touch(h)
			}
		}
	}
	return improved
}

// anyClash reports whether a listed party shares its host with another
// party of its conflict class.
func (hs *householdState) anyClash(list []int32) bool {
	for _, i := range list {
		if h := hs.hostOf[i]; h >= 0 && hs.clash(h, hs.class[i], i) {
			return true
		}
	}
	return false
}

// patternStep changes the size pattern of hosts where a different packing
// is worth more at the parties' current opportunity values (mu, the party
// duals of the last slot reassignment: what each party earns where it
// sits, 0 when unseated). Each such host takes its best knapsack of
// parties at score - mu; a party wanted by two hosts goes to the host that
// gains more. Slot reassignment and repacking then repair the holes left
// behind. The step is kept only if the objective rose.
func (hs *householdState) patternStep() bool {
	if hs.mu == nil {
		return false
	}
	in := hs.in
	m := int32(len(in.Capacity))
	type change struct {
		h    int32
		gain float64
		take []int32
	}
	var changes []change
	kp := &knapsack{}
	for h := int32(0); h < m; h++ {
		if in.Capacity[h] == 0 {
			continue
		}
		var now float64
		for _, i := range hs.occ[h] {
			now += float64(hs.cur[i]) - hs.mu[i]
		}
		val := hs.lagrangeKnapsack(h, hs.mu, kp)
		if val <= now+0.5 {
			continue
		}
		c := change{h: h, gain: val - now}
		for t, it := range kp.items {
			if kp.chosen[t] {
				c.take = append(c.take, it.i)
			}
		}
		changes = append(changes, c)
	}
	if len(changes) == 0 {
		return false
	}
	slices.SortStableFunc(changes, func(a, b change) int { return cmp.Compare(b.gain, a.gain) })
	improved := false
	for _, c := range changes {
		before := hs.objective()
		hs.begin()
		var ejected []int32
		for _, i := range slices.Clone(hs.occ[c.h]) {
			if !slices.Contains(c.take, i) {
				hs.take(i)
				ejected = append(ejected, i)
			}
		}
		for _, i := range c.take {
			if old := hs.hostOf[i]; old != c.h {
				if old >= 0 {
					hs.take(i)
					hs.touch(old)
				}
				if !hs.fits(i, c.h) {
					continue
				}
				hs.put(i, c.h)
			}
		}
		hs.insertAll(ejected)
		hs.improveQueued(20)
		if hs.objective() > before {
			hs.commit()
			improved = true
			continue
		}
		hs.rollback()
	}
	return improved
}

// polish alternates exact slot reassignment and pattern steps until
// neither gains, at most a few times each (each is one pass over the
// instance: about 10 and 80 ms on a city of 2,000 parties).
func (hs *householdState) polish() {
	for r := 0; r < 3; r++ {
		for k := 0; k < 3 && hs.reassignSlots(); k++ {
		}
		hs.improveQueued(20)
		if !hs.patternStep() {
			return
		}
	}
}
