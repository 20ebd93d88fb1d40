package match

// transpose builds the host-side adjacency: the edges into host h are
// tNew[tStart[h]:tStart[h+1]] with scores tScore. Only reverse searches need
// it, so it is built on first use.
func (s *exact) transpose() {
	g := s.g
	s.tStart = make([]int32, s.m+1)
	for _, h := range g.host {
		s.tStart[h+1]++
	}
	for h := 0; h < s.m; h++ {
		s.tStart[h+1] += s.tStart[h]
	}
	s.tNew = make([]int32, len(g.host))
	s.tScore = make([]int32, len(g.host))
	fill := make([]int32, s.m)
	copy(fill, s.tStart[:s.m])
	for i := int32(0); i < int32(s.n); i++ {
		for e := g.start[i]; e < g.start[i+1]; e++ {
			h := g.host[e]
			s.tNew[fill[h]] = i
			s.tScore[fill[h]] = g.score[e]
			fill[h]++
		}
	}
	s.nReached = make([]uint32, s.n)
	s.nSettled = make([]uint32, s.n)
	s.npred = make([]int32, s.n)
	s.hvia = make([]int32, s.m)
}

// augmentHost fills one free seat of host src, whose price is positive
// (breaking I3), by the mirror image of augment: a Dijkstra search over
// newcomers that could move into the tree, ending at the cheapest of: an
// unmatched newcomer taking a seat (cost dist), a host giving up an
// occupant and dropping its price to 0 (cost dist + v), or src itself
// dropping its price to 0 (cost v[src]). The dual update raises u and lowers
// v of everything settled, so it keeps (I1) and (I2) and never breaks (I4).
//
// A host and all its occupants are settled together: lowering v[h] must be
// matched by the same rise of u on every occupant to keep their pairs tight.
func (s *exact) augmentHost(src int32) {
	if s.tStart == nil {
		s.transpose()
	}
	ep := s.nextEpoch()
	u, v := s.u, s.v
	s.heap = s.heap[:0]
	s.settledH = s.settledH[:0]
	s.settledN = s.settledN[:0]

	best := v[src]
	kind, endNode := endSource, src

	// settleHost settles host h at distance d with all its occupants and
	// relaxes the edges into h.
	settleHost := func(h, d int32) {
		s.settled[h] = ep
		s.hdist[h] = d
		s.settledH = append(s.settledH, h)
		if d+v[h] < best && h != src {
			best, kind, endNode = d+v[h], endDisplace, h
		}
		base := s.occStart[h]
		for p := base; p < base+s.load[h]; p++ {
			k := s.occ[p]
			s.nSettled[k] = ep
			s.ndist[k] = d
			s.settledN = append(s.settledN, k)
		}
		vh := v[h]
		for e := s.tStart[h]; e < s.tStart[h+1]; e++ {
			k := s.tNew[e]
			if s.mate[k] == h || s.nSettled[k] == ep {
				continue
			}
			nd := d + u[k] + vh - s.tScore[e]
			if nd >= best {
				continue
			}
			if s.mate[k] < 0 {
				// An unmatched newcomer (u = 0 by I4) ends the path here.
				best, kind, endNode = nd, endFree, k
				s.npred[k] = h
				continue
			}
			if s.nReached[k] != ep {
				s.nReached[k] = ep
			} else if nd >= s.ndist[k] {
				continue
			}
			s.ndist[k] = nd
			s.npred[k] = h
			s.push(uint64(nd)<<32 | uint64(k))
		}
	}
	settleHost(src, 0)
	for len(s.heap) > 0 {
		top := s.pop()
		d, k := int32(top>>32), int32(uint32(top))
		if d >= best {
			break
		}
		if s.nSettled[k] == ep || d != s.ndist[k] {
			continue
		}
		h := s.mate[k]
		s.hvia[h] = k
		settleHost(h, d)
	}

	for _, h := range s.settledH {
		v[h] -= best - s.hdist[h]
	}
	for _, k := range s.settledN {
		u[k] += best - s.ndist[k]
	}

	var cur int32
	switch kind {
	case endSource:
		return
	case endFree:
		cur = endNode
	case endDisplace:
		cur = s.hvia[endNode]
		s.detach(cur)
	}
	for {
		y := s.npred[cur]
		if y == src {
			s.attach(cur, y)
			return
		}
		nxt := s.hvia[y]
		s.detach(nxt)
		s.attach(cur, y)
		cur = nxt
	}
}
