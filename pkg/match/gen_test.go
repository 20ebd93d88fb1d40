package match

import (
	"math"
	"math/rand/v2"
	"slices"
)

// genInstance builds an instance shaped like shared/bench/gen_instance.py
// (Zipf municipalities, ~k eligible hosts per newcomer, 75% local, score =
// U{1..600} + 250 local + 149 shared language) from a PCG seed, so that
// benchmarks run without Python. It is not bit-identical to the script.
func genInstance(n int, k float64, seed uint64, sizes bool) *Instance {
	rng := rand.New(rand.NewPCG(seed, 0x6d61746368))
	size := make([]int32, n)
	var total int
	for i := range size {
		size[i] = 1
		if sizes {
			size[i] = pick(rng, []int32{1, 2, 3, 4}, []float64{.70, .20, .08, .02})
		}
		total += int(size[i])
	}
	capVals, capP := []int32{1, 2, 3, 4}, []float64{.50, .30, .15, .05}
	if sizes {
		capVals, capP = []int32{2, 3, 4, 6}, []float64{.30, .35, .25, .10}
	}
	var mean float64
	for t, v := range capVals {
		mean += float64(v) * capP[t]
	}
	m := max(1, int(math.Round(float64(total)/mean)))
	in := &Instance{Newcomers: n, Capacity: make([]int32, m)}
	if sizes {
		in.Size = size
	}
	for j := range in.Capacity {
		in.Capacity[j] = pick(rng, capVals, capP)
	}
	R := max(1, n/250)
	regN := zipfDraw(rng, R, 0.9, n)
	regH := zipfDraw(rng, R, 0.7, m)
	hostsBy := make([][]int32, R)
	for j, r := range regH {
		hostsBy[r] = append(hostsBy[r], int32(j))
	}
	langN := make([]int, n)
	for i := range langN {
		langN[i] = rng.IntN(8)
	}
	lang1, lang2 := make([]int, m), make([]int, m)
	for j := range lang1 {
		lang1[j] = rng.IntN(8)
		lang2[j] = -1
		if rng.Float64() < 0.4 {
			lang2[j] = rng.IntN(8)
		}
	}
	var hs []int32
	for i := 0; i < n; i++ {
		r := regN[i]
		kk := max(1, poisson(rng, k))
		hs = hs[:0]
		for t := 0; t < kk; t++ {
			var pool []int32
			if rng.Float64() < 0.75 || R == 1 {
				pool = hostsBy[r]
			} else {
				pool = hostsBy[(r+1+2*rng.IntN(2)*(R-1))%R]
			}
			if len(pool) > 0 {
				hs = append(hs, pool[rng.IntN(len(pool))])
			}
		}
		slices.Sort(hs)
		hs = slices.Compact(hs)
		for _, h := range hs {
			w := int32(1 + rng.IntN(600))
			if regH[h] == r {
				w += 250
			}
			if lang1[h] == langN[i] || lang2[h] == langN[i] {
				w += 149
			}
			in.Edges = append(in.Edges, Edge{Newcomer: int32(i), Host: h, Score: w})
		}
	}
	return in
}

func pick(rng *rand.Rand, vals []int32, p []float64) int32 {
	x := rng.Float64()
	for t, q := range p {
		if x < q {
			return vals[t]
		}
		x -= q
	}
	return vals[len(vals)-1]
}

func zipfDraw(rng *rand.Rand, R int, a float64, count int) []int {
	cum := make([]float64, R)
	var s float64
	for r := 0; r < R; r++ {
		s += 1 / math.Pow(float64(r+1), a)
		cum[r] = s
	}
	out := make([]int, count)
	for t := range out {
		x := rng.Float64() * s
		r, _ := slices.BinarySearch(cum, x)
		out[t] = min(r, R-1)
	}
	return out
}

func poisson(rng *rand.Rand, lambda float64) int {
	// Knuth's method is fine for lambda around 20.
	l, k, p := math.Exp(-lambda), 0, 1.0
	for {
		p *= rng.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

// randomSmall makes a tiny instance for brute-force comparison: ties (few
// distinct scores), zero-capacity hosts and isolated newcomers are common.
func randomSmall(rng *rand.Rand, sizes, quotas bool) *Instance {
	n, m := rng.IntN(8), rng.IntN(5)
	in := &Instance{Newcomers: n, Capacity: make([]int32, m)}
	for j := range in.Capacity {
		in.Capacity[j] = int32(rng.IntN(4))
		if sizes {
			in.Capacity[j] = int32(rng.IntN(6))
		}
	}
	if sizes {
		in.Size = make([]int32, n)
		for i := range in.Size {
			in.Size[i] = int32(1 + rng.IntN(3))
		}
	}
	maxW := []int{2, 5, 1000}[rng.IntN(3)]
	for i := 0; i < n; i++ {
		for j := 0; j < m; j++ {
			if rng.IntN(2) == 0 {
				in.Edges = append(in.Edges, Edge{Newcomer: int32(i), Host: int32(j), Score: int32(1 + rng.IntN(maxW))})
			}
		}
	}
	rng.Shuffle(len(in.Edges), func(a, b int) { in.Edges[a], in.Edges[b] = in.Edges[b], in.Edges[a] })
	if quotas && n > 0 {
		nq := 1 + rng.IntN(2)
		in.Group = make([]int32, n)
		for i := range in.Group {
			in.Group[i] = int32(rng.IntN(nq+1)) - 1
		}
		for k := 0; k < nq; k++ {
			lo := rng.IntN(3)
			hi := -1
			if rng.IntN(2) == 0 {
				hi = lo + rng.IntN(3)
			}
			in.Quotas = append(in.Quotas, Quota{Name: string(rune('a' + k)), Min: lo, Max: hi})
		}
	}
	return in
}

// bruteForce returns the best objective by enumeration, or -1 when no
// assignment meets the quotas.
func bruteForce(in *Instance) int64 {
	n := in.Newcomers
	adj := make([][]Edge, n)
	for _, e := range in.Edges {
		adj[e.Newcomer] = append(adj[e.Newcomer], e)
	}
	left := slices.Clone(in.Capacity)
	count := make([]int, len(in.Quotas))
	// taken[(host, class)]: a newcomer of the conflict class sits there.
	taken := map[[2]int32]bool{}
	best := int64(-1)
	var rec func(i int, acc int64)
	rec = func(i int, acc int64) {
		if i == n {
			for k, q := range in.Quotas {
				if count[k] < q.Min || (q.Max >= 0 && count[k] > q.Max) {
					return
				}
			}
			best = max(best, acc)
			return
		}
		rec(i+1, acc)
		s := in.sizeOf(int32(i))
		for _, e := range adj[i] {
			if left[e.Host] < s {
				continue
			}
			key := [2]int32{e.Host, -1}
			if in.Class != nil {
				key[1] = in.Class[i]
			}
			if key[1] >= 0 && taken[key] {
				continue
			}
			taken[key] = key[1] >= 0
			left[e.Host] -= s
			gr := int32(-1)
			if in.Group != nil {
				gr = in.Group[i]
			}
			for k := gr; k >= 0; k = in.parentOf(k) {
				count[k]++
			}
			rec(i+1, acc+int64(e.Score))
			for k := gr; k >= 0; k = in.parentOf(k) {
				count[k]--
			}
			left[e.Host] += s
			delete(taken, key)
		}
	}
	rec(0, 0)
	return best
}
