package match

// auctionInf is the price of a host without seats: nobody bids on it.
const auctionInf = int32(1 << 30)

// auctionState holds the seat-level prices of the forward-reverse auction.
type auctionState struct {
	s        *exact
	price    []int32 // per seat
	owner    []int32 // per seat, newcomer or -1
	seatHost []int32 // per seat
	seatOf   []int32 // per newcomer, its seat when assigned
	profit   []int32 // per newcomer: score - seat price, 0 when unassigned
	pmin     []int32 // per host, lowest seat price (aliases s.v)
	pmin2    []int32 // per host, second-lowest seat price
	minSeat  []int32 // per host, a seat with price pmin
	queue    []int32 // ring of newcomers waiting to bid
	head     int
	size     int
	rq       []int32 // seats waiting for a reverse bid
}

// auction computes near-optimal host prices (in s.v) and a matching (in
// s.mate) by a forward-reverse auction with epsilon scaling over the seats.
//
// Why: the exact searches in augment are short only when prices are close to
// their final values. From zero prices every search re-explores a crowded
// municipality while its prices creep up (about 200 newcomers settled per
// search at 100k). Forward bids raise prices in steps of (best - second best
// + eps); reverse bids let a seat that lost its newcomer lower its price to
// win another one, so that no seat ends empty with a positive price (the
// problem is asymmetric: some newcomers and some seats stay unmatched, and a
// plain forward auction would leave such seats behind at every scaling
// phase). After the phase with eps = 1 every pair is within 1 of tight and
// repair plus a few short exact searches finish the job.
//
// Seats of one host may carry different prices during the auction. A bidder
// takes the cheapest seat and counts the second-cheapest one as an
// alternative (the "similar objects" rule of Bertsekas and Castañon), so a
// host with capacity c acts like c objects without expanding the edges.
func (s *exact) auction() {
	if s.tStart == nil {
		s.transpose()
	}
	nSeats := len(s.occ)
	a := &auctionState{
		s:        s,
		price:    make([]int32, nSeats),
		owner:    make([]int32, nSeats),
		seatHost: make([]int32, nSeats),
		seatOf:   make([]int32, s.n),
		profit:   make([]int32, s.n),
		pmin:     s.v,
		pmin2:    make([]int32, s.m),
		minSeat:  make([]int32, s.m),
		queue:    make([]int32, s.n),
	}
	for k := range a.owner {
		a.owner[k] = -1
	}
	for h := int32(0); h < int32(s.m); h++ {
		for k := s.occStart[h]; k < s.occStart[h+1]; k++ {
			a.seatHost[k] = h
		}
		a.summarise(h)
	}
	for i := range a.queue {
		a.queue[i] = int32(i)
	}
	a.size = s.n
	// Phases run with eps = maxScore/32, then /32 again, down to 1. Fewer
	// phases repeat less work; a big first eps avoids the price wars that a
	// single eps = 1 phase fights (10 s instead of 0.8 s at 100k). The
	// factor 32 was the fastest of 4..128 on the gen_instance.py family.
	factor := int32(32)
	if s.epsFactor > 0 {
		factor = s.epsFactor
	}
	eps := max(s.maxScore/factor, 1)
	for {
		a.forward(eps)
		a.reverse(eps)
		if eps == 1 {
			break
		}
		eps = max(eps/factor, 1)
		a.rescale(eps)
	}
	for h := range a.pmin {
		if a.pmin[h] == auctionInf {
			a.pmin[h] = 0
		}
	}
}

// summarise recomputes the lowest and second-lowest seat price of host h.
// Capacities are small, so scanning the seats is cheaper than a heap.
func (a *auctionState) summarise(h int32) {
	lo, hi := a.s.occStart[h], a.s.occStart[h+1]
	m1, m2, ms := auctionInf, auctionInf, lo
	for k := lo; k < hi; k++ {
		p := a.price[k]
		if p < m1 {
			m1, m2, ms = p, m1, k
		} else if p < m2 {
			m2 = p
		}
	}
	a.pmin[h], a.pmin2[h], a.minSeat[h] = m1, m2, ms
}

func (a *auctionState) enqueue(i int32) {
	t := a.head + a.size
	if t >= len(a.queue) {
		t -= len(a.queue)
	}
	a.queue[t] = i
	a.size++
}

// forward lets every queued newcomer bid until the queue is empty. A
// newcomer whose best value is not positive stays unmatched.
func (a *auctionState) forward(eps int32) {
	s, g := a.s, a.s.g
	for a.size > 0 {
		i := a.queue[a.head]
		a.head++
		if a.head == len(a.queue) {
			a.head = 0
		}
		a.size--
		best1, best2 := int32(0), int32(0)
		bestH, bestW := int32(-1), int32(0)
		for e := g.start[i]; e < g.start[i+1]; e++ {
			h := g.host[e]
			val := g.score[e] - a.pmin[h]
			if val > best2 {
				if val > best1 {
					best2, best1 = best1, val
					bestH, bestW = h, g.score[e]
				} else {
					best2 = val
				}
			}
		}
		if bestH < 0 {
			a.profit[i] = 0
			continue
		}
		if v2 := bestW - a.pmin2[bestH]; v2 > best2 {
			best2 = v2
		}
		seat := a.minSeat[bestH]
		a.price[seat] = bestW - best2 + eps
		if o := a.owner[seat]; o >= 0 {
			s.mate[o] = -1
			a.profit[o] = 0
			a.enqueue(o)
		}
		a.owner[seat] = i
		s.mate[i] = bestH
		a.seatOf[i] = seat
		a.profit[i] = best2 - eps
		a.summarise(bestH)
	}
}

// reverse lets every empty seat with a positive price bid for a newcomer by
// lowering its price, until all empty seats are free (price 0). A seat that
// loses its newcomer to another seat bids in turn. Each bid raises the
// winner's profit by at least eps, which bounds the work.
func (a *auctionState) reverse(eps int32) {
	s := a.s
	a.rq = a.rq[:0]
	for k, o := range a.owner {
		if o < 0 && a.price[k] > 0 {
			a.rq = append(a.rq, int32(k))
		}
	}
	for len(a.rq) > 0 {
		k := a.rq[len(a.rq)-1]
		a.rq = a.rq[:len(a.rq)-1]
		if a.owner[k] >= 0 || a.price[k] == 0 {
			continue
		}
		h := a.seatHost[k]
		b1, b2 := int32(-1<<30), int32(-1<<30)
		win, winW := int32(-1), int32(0)
		for e := s.tStart[h]; e < s.tStart[h+1]; e++ {
			i := s.tNew[e]
			if s.mate[i] == h {
				continue // moving within the host gains nothing
			}
			b := s.tScore[e] - a.profit[i]
			if b > b2 {
				if b > b1 {
					b2, b1 = b1, b
					win, winW = i, s.tScore[e]
				} else {
					b2 = b
				}
			}
		}
		if win < 0 || b1 <= eps {
			// Nobody gains more than eps from this seat even for free: it
			// stays empty at price 0, as an optimal dual requires.
			a.price[k] = 0
			a.summarise(h)
			continue
		}
		p := max(b2-eps, 0)
		a.price[k] = p
		if old := s.mate[win]; old >= 0 {
			ks := a.seatOf[win]
			a.owner[ks] = -1
			if a.price[ks] > 0 {
				a.rq = append(a.rq, ks)
			}
		}
		a.owner[k] = win
		s.mate[win] = h
		a.seatOf[win] = k
		a.profit[win] = winW - p
		a.summarise(h)
		// The old host's summary is unchanged: its seat keeps its price.
	}
}

// rescale starts a phase with a smaller eps: newcomers whose pair is not
// eps-optimal any more lose their seat and bid again.
func (a *auctionState) rescale(eps int32) {
	s, g := a.s, a.s.g
	a.head, a.size = 0, 0
	for i := int32(0); i < int32(s.n); i++ {
		best := int32(0)
		for e := g.start[i]; e < g.start[i+1]; e++ {
			if val := g.score[e] - a.pmin[g.host[e]]; val > best {
				best = val
			}
		}
		if s.mate[i] < 0 {
			if best > eps {
				a.enqueue(i)
			}
			continue
		}
		if a.profit[i] < best-eps {
			a.owner[a.seatOf[i]] = -1
			s.mate[i] = -1
			a.profit[i] = 0
			a.enqueue(i)
		}
	}
}
