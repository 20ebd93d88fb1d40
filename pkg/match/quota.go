package match

import (
	"fmt"
	"strings"
)

// mcf is a small general min-cost-flow network solved by successive
// shortest paths with Dijkstra and potentials. It serves the quota variant,
// whose group nodes and lower bounds do not fit the specialised solver, and
// is deliberately simple: quota programmes are small (thousands of
// newcomers), and it doubles as an independent check of the fast solver in
// tests.
type mcf struct {
	first []int32 // per node, first arc or -1
	next  []int32 // per arc
	to    []int32
	capa  []int64 // residual capacity
	cost  []int64
	pot   []int64
}

func newMCF(nodes int) *mcf {
	f := &mcf{first: make([]int32, nodes), pot: make([]int64, nodes)}
	for k := range f.first {
		f.first[k] = -1
	}
	return f
}

// arc adds a→b with capacity c and cost w, plus its reverse; it returns the
// index of the forward arc (the reverse is index^1).
func (f *mcf) arc(a, b int32, c, w int64) int32 {
	k := int32(len(f.to))
	f.to = append(f.to, b, a)
	f.capa = append(f.capa, c, 0)
	f.cost = append(f.cost, w, -w)
	f.next = append(f.next, f.first[a], f.first[b])
	f.first[a], f.first[b] = k, k+1
	return k
}

// bellmanFord sets pot to shortest distances from root over residual arcs
// (queue-based; the networks here have no negative cycles). Unreachable
// nodes get a potential no residual arc can violate.
func (f *mcf) bellmanFord(root int32) {
	const unreached = int64(1) << 62
	n := len(f.first)
	for k := range f.pot {
		f.pot[k] = unreached
	}
	inq := make([]bool, n)
	q := []int32{root}
	f.pot[root] = 0
	inq[root] = true
	for len(q) > 0 {
		a := q[0]
		q = q[1:]
		inq[a] = false
		for k := f.first[a]; k >= 0; k = f.next[k] {
			if f.capa[k] == 0 {
				continue
			}
			b := f.to[k]
			if d := f.pot[a] + f.cost[k]; d < f.pot[b] {
				f.pot[b] = d
				if !inq[b] {
					inq[b] = true
					q = append(q, b)
				}
			}
		}
	}
}

// augmentWhileProfitable sends flow from s to t one shortest path at a
// time while the path has negative cost, keeping potentials valid.
func (f *mcf) augmentWhileProfitable(s, t int32) {
	n := len(f.first)
	const inf = int64(1) << 62
	dist := make([]int64, n)
	via := make([]int32, n)
	done := make([]bool, n)
	var h pairHeap
	for {
		for k := range dist {
			dist[k], done[k] = inf, false
		}
		dist[s] = 0
		h = h[:0]
		h.push(0, s)
		for len(h) > 0 {
			d, a := h.pop()
			if done[a] || d != dist[a] {
				continue
			}
			done[a] = true
			if a == t {
				// Every node nearer than t is final; the rest get
				// dist[t] below, which keeps reduced costs >= 0.
				break
			}
			for k := f.first[a]; k >= 0; k = f.next[k] {
				if f.capa[k] == 0 {
					continue
				}
				b := f.to[k]
				nd := d + f.cost[k] + f.pot[a] - f.pot[b]
				if nd < dist[b] {
					dist[b] = nd
					via[b] = k
					h.push(nd, b)
				}
			}
		}
		if dist[t] == inf || dist[t]+f.pot[t]-f.pot[s] >= 0 {
			return
		}
		for k := range dist {
			if dist[k] < dist[t] {
				f.pot[k] += dist[k]
			} else {
				f.pot[k] += dist[t]
			}
		}
		for b := t; b != s; {
			k := via[b]
			f.capa[k]--
			f.capa[k^1]++
			b = f.to[k^1]
		}
	}
}

// pairHeap is a binary min-heap of (distance, node).
type pairHeap []struct {
	d int64
	n int32
}

func (h *pairHeap) push(d int64, n int32) {
	*h = append(*h, struct {
		d int64
		n int32
	}{d, n})
	a := *h
	j := len(a) - 1
	for j > 0 {
		p := (j - 1) / 2
		if a[p].d <= a[j].d {
			break
		}
		a[p], a[j] = a[j], a[p]
		j = p
	}
}

func (h *pairHeap) pop() (int64, int32) {
	a := *h
	top := a[0]
	last := len(a) - 1
	a[0] = a[last]
	a = a[:last]
	j := 0
	for {
		c := 2*j + 1
		if c >= len(a) {
			break
		}
		if c+1 < len(a) && a[c+1].d < a[c].d {
			c++
		}
		if a[j].d <= a[c].d {
			break
		}
		a[j], a[c] = a[c], a[j]
		j = c
	}
	*h = a
	return top.d, top.n
}

// solveQuotas solves the unit-size problem with group quotas exactly as a
// min-cost flow S → group → newcomer → host → T; nested groups (Parent)
// make a tree of group nodes, S → outer group → inner group → newcomer. A group's Min is an arc of
// capacity Min and cost -big, big being more than any total score, so the
// flow meets as many lower bounds as possible before it looks at scores;
// Min arcs left unsaturated name the infeasible groups.
func solveQuotas(in *Instance, g *csr) (*Solution, error) {
	n, m, q := int32(in.Newcomers), int32(len(in.Capacity)), int32(len(in.Quotas))
	// Node numbering: S, groups, newcomers, hosts, T.
	S, T := int32(0), 1+q+n+m
	gNode := func(k int32) int32 { return 1 + k }
	nNode := func(i int32) int32 { return 1 + q + i }
	hNode := func(j int32) int32 { return 1 + q + n + j }
	f := newMCF(int(T) + 1)
	var maxW int64
	for _, w := range g.score {
		maxW = max(maxW, int64(w))
	}
	big := int64(n)*maxW + 1
	// members[k] counts the newcomers of group k and of every group inside
	// it; up(k) is the node group k's flow comes from (its parent, or S).
	members := make([]int64, q)
	for i := int32(0); i < n; i++ {
		for gr := in.Group[i]; gr >= 0; gr = in.parentOf(gr) {
			members[gr]++
		}
	}
	up := func(k int32) int32 {
		if p := in.parentOf(k); p >= 0 {
			return gNode(p)
		}
		return S
	}
	// Every Min arc costs -big a unit, also nested ones: the flow then
	// maximises the total flow on Min arcs, which saturates all of them
	// whenever that is feasible.
	minArc := make([]int32, q)
	for k := int32(0); k < q; k++ {
		qt := in.Quotas[k]
		hi := members[k]
		if qt.Max >= 0 {
			hi = min(hi, int64(qt.Max))
		}
		lo := int64(qt.Min)
		minArc[k] = -1
		if lo > 0 {
			minArc[k] = f.arc(up(k), gNode(k), lo, -big)
		}
		if hi > lo {
			f.arc(up(k), gNode(k), hi-lo, 0)
		}
	}
	for i := int32(0); i < n; i++ {
		from := S
		if gr := in.Group[i]; gr >= 0 {
			from = gNode(gr)
		}
		f.arc(from, nNode(i), 1, 0)
		for e := g.start[i]; e < g.start[i+1]; e++ {
			f.arc(nNode(i), hNode(g.host[e]), 1, -int64(g.score[e]))
		}
	}
	for j := int32(0); j < m; j++ {
		f.arc(hNode(j), T, int64(in.Capacity[j]), 0)
	}
	f.bellmanFord(S)
	f.augmentWhileProfitable(S, T)

	var short []string
	for k, a := range minArc {
		if a >= 0 && f.capa[a] > 0 {
			qt := in.Quotas[k]
			short = append(short, fmt.Sprintf("%q needs %d matched, at most %d possible", qt.Name, qt.Min, int64(qt.Min)-f.capa[a]))
		}
	}
	if len(short) > 0 {
		return nil, fmt.Errorf("%w: %s", ErrInfeasible, strings.Join(short, "; "))
	}

	sol := &Solution{
		HostOf: make([]int32, n),
		U:      make([]int64, n),
		V:      make([]int64, m),
		Gamma:  make([]int64, q),
		Exact:  true,
	}
	for i := int32(0); i < n; i++ {
		sol.HostOf[i] = Unmatched
		for k := f.first[nNode(i)]; k >= 0; k = f.next[k] {
			// Forward newcomer→host arcs are even; a used one has no
			// residual capacity left.
			if k&1 == 0 && f.capa[k] == 0 && f.to[k] > nNode(n-1) && f.to[k] != T {
				sol.HostOf[i] = f.to[k] - hNode(0)
				sol.Objective += -f.cost[k]
				sol.Matched++
			}
		}
	}
	// Duals: shortest distances from T in the final residual network with
	// a free T→S arc (and S→T when flow moved) are optimal potentials p of
	// the circulation; rewritten as u, v, gamma they satisfy the LP dual
	// of the quota problem with equal objective (see Solution).
	f.arc(T, S, int64(n)+1, 0)
	if sol.Matched > 0 {
		f.arc(S, T, int64(n)+1, 0)
	}
	f.bellmanFord(T)
	p := f.pot
	for j := int32(0); j < m; j++ {
		sol.V[j] = max(0, -p[hNode(j)])
	}
	for k := int32(0); k < q; k++ {
		// Telescoping along a chain: the Gammas of a newcomer's groups sum
		// to p[its group] - p[S], as the single-level duals do.
		sol.Gamma[k] = p[gNode(k)] - p[up(k)]
	}
	for i := int32(0); i < n; i++ {
		from := S
		if gr := in.Group[i]; gr >= 0 {
			from = gNode(gr)
		}
		sol.U[i] = max(0, p[nNode(i)]-p[from])
	}
	for k := int32(0); k < q; k++ {
		if qt := in.Quotas[k]; sol.Gamma[k] > 0 && (qt.Max < 0 || int64(qt.Max) > members[k]) {
			// The group is capped only by its size (every member matched):
			// its dual belongs to the members, not to a Max that does not
			// bind, so move it onto them.
			for i := int32(0); i < n; i++ {
				if in.inGroup(i, k) {
					sol.U[i] += sol.Gamma[k]
				}
			}
			sol.Gamma[k] = 0
		}
	}
	for _, x := range sol.U {
		sol.Bound += x
	}
	for j, x := range sol.V {
		sol.Bound += int64(in.Capacity[j]) * x
	}
	for k, x := range sol.Gamma {
		switch qt := in.Quotas[k]; {
		case x > 0:
			sol.Bound += int64(qt.Max) * x
		case x < 0:
			sol.Bound += int64(qt.Min) * x
		}
	}
	return sol, nil
}

// inGroup reports whether newcomer i counts toward group k (its own group
// or one inside k).
func (in *Instance) inGroup(i, k int32) bool {
	for gr := in.Group[i]; gr >= 0; gr = in.parentOf(gr) {
		if gr == k {
			return true
		}
	}
	return false
}
