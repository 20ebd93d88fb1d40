package match

import (
	"math"
	"slices"
)

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
//
// patience ends the search early after that many rounds without a better
// assignment (0: never): on a city's many small tables the first rounds
// already find what the knapsacks can, and later rounds only cost time.
func (hs *householdState) lagrange(lp lpSolution, D int64, iters, patience int) {
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
	stall, since := 0, 0
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
		// Primal: each wanted party on its best wanting host (a subset of
		// a host's knapsack fits and keeps classes apart).
		hs.reset()
		for i := int32(0); i < int32(n); i++ {
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
			since = 0
		} else if since++; patience > 0 && since >= patience {
			break
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
	hs.reset()
	for i, h := range best {
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
	hs.group(kp, true)
	return kp.fp.solve(W, kp.items, kp.vals, kp.gstart, kp.chosen)
}
