package match

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
)

// solveQuotasSplit solves a quota instance one connected component at a
// time. Newcomers, hosts and quota groups are joined by edges and by group
// membership; no edge, capacity or quota crosses two components, so the LP
// and its dual separate, and the union of the components' exact solutions
// and duals is an exact solution with a valid certificate of the whole.
// This matters because the quota flow is solved by successive shortest
// paths over the whole network: a national instance whose newcomers may
// only go to hosts in their own municipality, with a quota per
// municipality, is hundreds of small flows instead of one large one
// (issue 11: 50,000 newcomers in 290 municipalities).
func solveQuotasSplit(in *Instance, g *csr) (*Solution, error) {
	n, m, q := in.Newcomers, len(in.Capacity), len(in.Quotas)
	parent := make([]int32, n+m+q)
	for k := range parent {
		parent[k] = int32(k)
	}
	find := func(a int32) int32 {
		for parent[a] != a {
			parent[a] = parent[parent[a]]
			a = parent[a]
		}
		return a
	}
	union := func(a, b int32) {
		if ra, rb := find(a), find(b); ra != rb {
			parent[max(ra, rb)] = min(ra, rb)
		}
	}
	for i := range n {
		for e := g.start[i]; e < g.start[i+1]; e++ {
			union(int32(i), int32(n)+g.host[e])
		}
		if gr := in.Group[i]; gr >= 0 {
			union(int32(i), int32(n+m)+gr)
		}
	}
	for k := range int32(q) {
		if p := in.parentOf(k); p >= 0 {
			union(int32(n+m)+k, int32(n+m)+p)
		}
	}
	// Components in order of their smallest member, which makes the
	// order (and so the result) independent of map iteration.
	comp := make([]int32, n+m+q)
	count := int32(0)
	ids := map[int32]int32{}
	for k := range comp {
		r := find(int32(k))
		c, ok := ids[r]
		if !ok {
			c = count
			ids[r] = c
			count++
		}
		comp[k] = c
	}
	if count <= 1 {
		return solveQuotas(in, g)
	}
	type part struct {
		newcomers, hosts, groups []int32
	}
	parts := make([]part, count)
	for i := range n {
		parts[comp[i]].newcomers = append(parts[comp[i]].newcomers, int32(i))
	}
	for j := range m {
		parts[comp[n+j]].hosts = append(parts[comp[n+j]].hosts, int32(j))
	}
	for k := range q {
		parts[comp[n+m+k]].groups = append(parts[comp[n+m+k]].groups, int32(k))
	}
	sol := &Solution{HostOf: make([]int32, n), U: make([]int64, n), V: make([]int64, m), Gamma: make([]int64, q), Exact: true}
	local := make([]int32, n+m+q) // global index -> index in its component
	// Components are independent: solve them on every core, each writing
	// only its own members' entries of local and of its result, then
	// merge in component order so the outcome does not depend on which
	// worker finished first.
	type outcome struct {
		s          *Solution
		infeasible string
		err        error
	}
	outs := make([]outcome, len(parts))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(parts)) {
		wg.Go(func() {
			for c := int(next.Add(1) - 1); c < len(parts); c = int(next.Add(1) - 1) {
				p := parts[c]
				if len(p.newcomers) == 0 && len(p.groups) == 0 {
					continue // hosts nobody may use: dual 0 is feasible and tight
				}
				s, err := solvePart(in, g, local, p.newcomers, p.hosts, p.groups)
				if errors.Is(err, ErrInfeasible) {
					outs[c].infeasible = strings.TrimPrefix(err.Error(), ErrInfeasible.Error()+": ")
					continue
				}
				outs[c].s, outs[c].err = s, err
			}
		})
	}
	wg.Wait()
	var infeasible []string
	for c, p := range parts {
		o := outs[c]
		if o.infeasible != "" {
			infeasible = append(infeasible, o.infeasible)
		}
		if o.err != nil {
			return nil, o.err
		}
		s := o.s
		if s == nil {
			continue
		}
		for k, i := range p.newcomers {
			sol.HostOf[i], sol.U[i] = Unmatched, s.U[k]
			if h := s.HostOf[k]; h != Unmatched {
				sol.HostOf[i] = p.hosts[h]
			}
		}
		for k, j := range p.hosts {
			sol.V[j] = s.V[k]
		}
		for k, gr := range p.groups {
			sol.Gamma[gr] = s.Gamma[k]
		}
		sol.Objective += s.Objective
		sol.Bound += s.Bound
		sol.Matched += s.Matched
	}
	if len(infeasible) > 0 {
		return nil, fmt.Errorf("%w: %s", ErrInfeasible, strings.Join(infeasible, "; "))
	}
	return sol, nil
}

// solvePart solves the component of newcomers, hosts and groups (global
// indices) as an instance of its own, recording each member's index in it
// in local.
func solvePart(in *Instance, g *csr, local []int32, newcomers, hosts, groups []int32) (*Solution, error) {
	n, m := in.Newcomers, len(in.Capacity)
	sub := &Instance{Newcomers: len(newcomers), Capacity: make([]int32, len(hosts)),
		Group: make([]int32, len(newcomers)), Quotas: make([]Quota, len(groups))}
	for k, j := range hosts {
		local[n+int(j)] = int32(k)
		sub.Capacity[k] = in.Capacity[j]
	}
	for k, gr := range groups {
		local[n+m+int(gr)] = int32(k)
		sub.Quotas[k] = in.Quotas[gr]
	}
	if in.Parent != nil {
		// A group and its parent are always in one component.
		sub.Parent = make([]int32, len(groups))
		for k, gr := range groups {
			sub.Parent[k] = -1
			if par := in.Parent[gr]; par >= 0 {
				sub.Parent[k] = local[n+m+int(par)]
			}
		}
	}
	for k, i := range newcomers {
		sub.Group[k] = -1
		if gr := in.Group[i]; gr >= 0 {
			sub.Group[k] = local[n+m+int(gr)]
		}
		for e := g.start[i]; e < g.start[i+1]; e++ {
			sub.Edges = append(sub.Edges, Edge{Newcomer: int32(k), Host: local[n+int(g.host[e])], Score: g.score[e]})
		}
	}
	sg, err := buildCSR(sub)
	if err != nil {
		return nil, err
	}
	return solveQuotas(sub, sg)
}
