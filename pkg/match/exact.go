package match

// exact is the state of the primal-dual solver for unit party sizes. Once
// the auction has set prices, it keeps the invariants
//
//	(I1) u[i] + v[h] >= score(i,h) for every edge, u >= 0, v >= 0;
//	(I2) every matched edge is tight: u[i] + v[h] == score(i,h);
//
// and removes, one search at a time, every violation of
//
//	(I3) v[h] > 0 only for a full host (fixed by augmentHost);
//	(I4) u[i] > 0 only for a matched newcomer (fixed by augment);
//
// so at the end (u, v) proves the matching optimal by complementary
// slackness, and Verify can check exactly that. A forward search runs
// Dijkstra over reduced costs u[i]+v[h]-score(i,h) from an unmatched
// newcomer and ends at the cheapest of: a host with a free seat, a matched
// newcomer giving up its seat (cost u[k]), or the newcomer staying
// unmatched (cost u[s]); the reverse search mirrors it from a host.
//
// Why this shape (docs/adr/0002): from zero prices these searches alone
// are slow (4.5 s at 100k: each re-explores a crowded municipality while its
// prices creep up), but from auction prices only a few percent of the
// newcomers need one and each settles a handful of nodes. Any v >= 0 is a
// valid start, which is also what makes warm starts (SolveWarm) cheap. All
// arrays are int32 over dense ids: a 2M-edge instance needs about 60 MB.
type exact struct {
	g        *csr
	n, m     int
	maxScore int32

	capacity []int32 // as given
	capy     []int32 // effective capacity: min(capacity, degree)
	load     []int32
	occStart []int32 // occupants of host h: occ[occStart[h] : occStart[h]+load[h]]
	occ      []int32
	occPos   []int32 // position of newcomer i inside occ
	mate     []int32 // host of newcomer i or -1

	u, v []int32

	// epsFactor, when set, replaces the auction's eps reduction factor of
	// 32. The household LP (seats of parties, five times oversubscribed in
	// a city) fights long reverse-bid chains at a coarse eps: factor 4 cut
	// its solve from 370-590 ms to 100-140 ms CPU on the city instances,
	// while 32 stays the fastest on the unit-size generator family.
	epsFactor int32

	// Dijkstra scratch, reused across searches; epoch stamps avoid clearing.
	epoch    uint32
	reached  []uint32 // host reached in this epoch
	settled  []uint32 // host settled in this epoch
	hdist    []int32
	hpred    []int32 // newcomer whose edge gave hdist
	ndist    []int32
	settledH []int32
	settledN []int32
	heap     []uint64 // dist<<32 | node: ties pop the lowest id, so runs repeat

	// Reverse-search state, allocated by transpose on first use.
	tStart, tNew, tScore []int32
	nReached, nSettled   []uint32
	npred                []int32 // host whose edge reached newcomer k
	hvia                 []int32 // occupant through which host h was reached
}

// newExact allocates the solver state for the canonical edges g.
func newExact(g *csr, n int, capacity []int32) *exact {
	m := len(capacity)
	s := &exact{g: g, n: n, m: m, capacity: capacity}
	deg := make([]int32, m)
	for _, h := range g.host {
		deg[h]++
	}
	for _, w := range g.score {
		s.maxScore = max(s.maxScore, w)
	}
	s.capy = make([]int32, m)
	s.occStart = make([]int32, m+1)
	for h := 0; h < m; h++ {
		c := capacity[h]
		if deg[h] < c {
			// More seats than eligible newcomers can never be used; capping
			// bounds the occupant array by the edge count.
			c = deg[h]
		}
		s.capy[h] = c
		s.occStart[h+1] = s.occStart[h] + c
	}
	s.occ = make([]int32, s.occStart[m])
	s.load = make([]int32, m)
	s.occPos = make([]int32, n)
	s.mate = make([]int32, n)
	for i := range s.mate {
		s.mate[i] = -1
	}
	s.u = make([]int32, n)
	s.v = make([]int32, m)
	s.reached = make([]uint32, m)
	s.settled = make([]uint32, m)
	s.hdist = make([]int32, m)
	s.hpred = make([]int32, m)
	s.ndist = make([]int32, n)
	return s
}

// attach puts newcomer i on host h (which must have a free seat).
func (s *exact) attach(i, h int32) {
	p := s.occStart[h] + s.load[h]
	s.occ[p] = i
	s.occPos[i] = p
	s.load[h]++
	s.mate[i] = h
}

// detach removes newcomer i from its host, filling the hole with the last
// occupant so occupants stay contiguous.
func (s *exact) detach(i int32) {
	h := s.mate[i]
	s.load[h]--
	last := s.occStart[h] + s.load[h]
	p := s.occPos[i]
	if p != last {
		o := s.occ[last]
		s.occ[p] = o
		s.occPos[o] = p
	}
	s.mate[i] = -1
}

// bestValue returns max(0, max_h score - v[h]) over the edges of i and the
// first host reaching it (-1 if the value is 0).
func (s *exact) bestValue(i int32) (int32, int32) {
	best, arg := int32(0), int32(-1)
	g := s.g
	for e := g.start[i]; e < g.start[i+1]; e++ {
		h := g.host[e]
		if val := g.score[e] - s.v[h]; val > best {
			best, arg = val, h
		}
	}
	return best, arg
}

// solveAll finds an optimal matching: an auction gives near-optimal
// prices and a matching, repair turns them into a state that satisfies
// (I1)-(I3), and exact searches then fix the few newcomers and hosts that
// still break (I4) or (I3).
func (s *exact) solveAll() {
	s.auction()
	for _, i := range s.repair() {
		s.augment(i)
	}
	s.fillHosts()
}

// repair derives the newcomer values u from the host prices v (left by the
// auction or a warm start) and keeps only the given pairs that are tight
// and fit. It returns the
// newcomers that need a forward search (unmatched with u > 0).
func (s *exact) repair() []int32 {
	g := s.g
	var pending []int32
	mate := s.mate
	clear(s.load)
	for i := int32(0); i < int32(s.n); i++ {
		val, _ := s.bestValue(i)
		s.u[i] = val
		h := mate[i]
		mate[i] = -1
		if h >= 0 {
			// The auction pair stays if it is tight under the host price.
			for e := g.start[i]; e < g.start[i+1]; e++ {
				if g.host[e] == h {
					if g.score[e]-s.v[h] == val && s.load[h] < s.capy[h] {
						s.attach(i, h)
					}
					break
				}
			}
		}
		if mate[i] < 0 && val > 0 {
			pending = append(pending, i)
		}
	}
	return pending
}

// fillHosts runs reverse searches until no host with a free seat has a
// positive price (I3). Forward searches never create such hosts, so this
// runs once, after them.
func (s *exact) fillHosts() {
	for h := int32(0); h < int32(s.m); h++ {
		for s.load[h] < s.capy[h] && s.v[h] > 0 {
			s.augmentHost(h)
		}
	}
}

// heap helpers: a plain binary min-heap on packed keys.
func (s *exact) push(k uint64) {
	h := append(s.heap, k)
	j := len(h) - 1
	for j > 0 {
		p := (j - 1) / 2
		if h[p] <= k {
			break
		}
		h[j] = h[p]
		j = p
	}
	h[j] = k
	s.heap = h
}

func (s *exact) pop() uint64 {
	h := s.heap
	top := h[0]
	last := h[len(h)-1]
	h = h[:len(h)-1]
	n := len(h)
	j := 0
	for {
		c := 2*j + 1
		if c >= n {
			break
		}
		if c+1 < n && h[c+1] < h[c] {
			c++
		}
		if h[c] >= last {
			break
		}
		h[j] = h[c]
		j = c
	}
	if n > 0 {
		h[j] = last
	}
	s.heap = h
	return top
}

// nextEpoch starts a search: stamps from older searches become stale
// without clearing any array.
func (s *exact) nextEpoch() uint32 {
	s.epoch++
	if s.epoch == 0 {
		// Stamps wrapped after 2^32 searches: clear them once.
		clear(s.reached)
		clear(s.settled)
		clear(s.nReached)
		clear(s.nSettled)
		s.epoch = 1
	}
	return s.epoch
}

// Terminal kinds of a search.
const (
	endSource   = iota // the new newcomer stays unmatched
	endFree            // a host with a free seat takes the last newcomer on the path
	endDisplace        // a matched newcomer gives up its seat
)

// augment adds the unmatched newcomer src: one Dijkstra search from src,
// a dual update that keeps (I1)-(I3), and a flip of the path found.
func (s *exact) augment(src int32) {
	ep := s.nextEpoch()
	g := s.g
	u, v := s.u, s.v
	s.heap = s.heap[:0]
	s.settledH = s.settledH[:0]
	s.settledN = s.settledN[:0]

	best := u[src]
	kind, endNode, endPred := endSource, src, int32(-1)

	s.ndist[src] = 0
	s.settledN = append(s.settledN, src)
	// relax scans the edges of settled newcomer k at distance d.
	relax := func(k, d int32) {
		uk := u[k]
		mk := s.mate[k]
		for e := g.start[k]; e < g.start[k+1]; e++ {
			h := g.host[e]
			if h == mk {
				continue
			}
			nd := d + uk + v[h] - g.score[e]
			if nd >= best {
				continue
			}
			if s.load[h] < s.capy[h] {
				// A free seat ends the path here at cost nd (v[h] is 0 by I3).
				best, kind, endNode, endPred = nd, endFree, h, k
				continue
			}
			if s.reached[h] != ep {
				s.reached[h] = ep
			} else if s.settled[h] == ep || nd >= s.hdist[h] {
				continue
			}
			s.hdist[h] = nd
			s.hpred[h] = k
			s.push(uint64(nd)<<32 | uint64(h))
		}
	}
	relax(src, 0)
	for len(s.heap) > 0 {
		top := s.pop()
		d, h := int32(top>>32), int32(uint32(top))
		if d >= best {
			break
		}
		if s.settled[h] == ep || d != s.hdist[h] {
			continue // stale entry
		}
		s.settled[h] = ep
		s.settledH = append(s.settledH, h)
		base := s.occStart[h]
		for p := base; p < base+s.load[h]; p++ {
			k := s.occ[p]
			s.ndist[k] = d
			s.settledN = append(s.settledN, k)
			if d+u[k] < best {
				best, kind, endNode = d+u[k], endDisplace, k
			}
			relax(k, d)
		}
	}

	// Dual update: everything settled closer than best moves by best-dist,
	// which makes the path tight and keeps all reduced costs >= 0.
	for _, h := range s.settledH {
		v[h] += best - s.hdist[h]
	}
	for _, k := range s.settledN {
		u[k] -= best - s.ndist[k]
	}

	// Flip the path backwards from its end to src.
	var h, k int32
	switch kind {
	case endSource:
		return
	case endFree:
		h, k = endNode, endPred
	case endDisplace:
		h = s.mate[endNode]
		s.detach(endNode)
		k = s.hpred[h]
	}
	for {
		old := s.mate[k]
		if old >= 0 {
			s.detach(k)
		}
		s.attach(k, h)
		if k == src {
			return
		}
		h = old
		k = s.hpred[h]
	}
}

// result packs the state into a Solution with int64 duals.
func (s *exact) result() *Solution {
	sol := &Solution{
		HostOf: make([]int32, s.n),
		U:      make([]int64, s.n),
		V:      make([]int64, s.m),
		Exact:  true,
	}
	g := s.g
	for i := 0; i < s.n; i++ {
		h := s.mate[i]
		sol.HostOf[i] = h
		sol.U[i] = int64(s.u[i])
		if h < 0 {
			continue
		}
		sol.Matched++
		for e := g.start[i]; e < g.start[i+1]; e++ {
			if g.host[e] == h {
				sol.Objective += int64(g.score[e])
				break
			}
		}
	}
	for h := 0; h < s.m; h++ {
		if s.v[h] > 0 && s.capy[h] < s.capacity[h] {
			// The host looked full only because its seats were capped at
			// its degree. Moving its price onto its occupants (all of its
			// eligible newcomers) keeps every edge covered and tight and
			// makes V zero on a host with truly free seats.
			base := s.occStart[h]
			for p := base; p < base+s.load[h]; p++ {
				sol.U[s.occ[p]] += int64(s.v[h])
			}
			continue
		}
		sol.V[h] = int64(s.v[h])
	}
	for _, x := range sol.U {
		sol.Bound += x
	}
	for h, x := range sol.V {
		sol.Bound += int64(s.capacity[h]) * x
	}
	return sol
}
