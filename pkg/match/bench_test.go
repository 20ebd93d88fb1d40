package match

import (
	"math/rand/v2"
	"testing"
)

// Benchmarks use genInstance (the gen_instance.py model in Go), so
// `go test -bench .` needs no Python. bench/run.sh compares against LEMON
// on the real generator's files.

func benchSolve(b *testing.B, n int, sizes bool) {
	in := genInstance(n, 20, 1, sizes)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		sol, err := Solve(in)
		if err != nil {
			b.Fatal(err)
		}
		if sizes {
			b.ReportMetric(sol.Gap()*100, "gap%")
		}
	}
}

func BenchmarkSolve1k(b *testing.B)   { benchSolve(b, 1000, false) }
func BenchmarkSolve10k(b *testing.B)  { benchSolve(b, 10000, false) }
func BenchmarkSolve100k(b *testing.B) { benchSolve(b, 100000, false) }

func BenchmarkHouseholds1k(b *testing.B)  { benchSolve(b, 1000, true) }
func BenchmarkHouseholds10k(b *testing.B) { benchSolve(b, 10000, true) }

func BenchmarkVerify100k(b *testing.B) {
	in := genInstance(100000, 20, 1, false)
	sol, err := Solve(in)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := Verify(in, sol); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWarm100k re-solves after a 1% change (newcomers replaced,
// capacities changed) from the previous solution; compare with
// BenchmarkSolve100k.
func BenchmarkWarm100k(b *testing.B) {
	in := genInstance(100000, 20, 1, false)
	sol, err := Solve(in)
	if err != nil {
		b.Fatal(err)
	}
	changed, warm := perturb(rand.New(rand.NewPCG(1, 1)), in, sol, 0.01)
	b.ResetTimer()
	for b.Loop() {
		if _, err := SolveWarm(changed, warm); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkQuotas1k(b *testing.B) {
	in := genInstance(1000, 20, 1, false)
	in.Group = make([]int32, in.Newcomers)
	for i := range in.Group {
		in.Group[i] = int32(i % 3)
	}
	in.Quotas = []Quota{{Name: "g0", Min: 300, Max: -1}, {Name: "g1", Min: 0, Max: 250}, {Name: "g2", Min: 0, Max: -1}}
	b.ResetTimer()
	for b.Loop() {
		if _, err := Solve(in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParse(b *testing.B) {
	in := genInstance(10000, 20, 1, false)
	sol := &Solution{}
	_ = sol
	var buf []byte
	buf = append(buf, "p match "...)
	buf = appendInts(buf, in.Newcomers, len(in.Capacity), len(in.Edges))
	for j, c := range in.Capacity {
		buf = append(buf, 'h', ' ')
		buf = appendInts(buf, j, int(c))
	}
	for _, e := range in.Edges {
		buf = append(buf, 'e', ' ')
		buf = appendInts(buf, int(e.Newcomer), int(e.Host), int(e.Score))
	}
	b.SetBytes(int64(len(buf)))
	b.ResetTimer()
	for b.Loop() {
		if _, err := ParseMATCH1(buf); err != nil {
			b.Fatal(err)
		}
	}
}

func appendInts(buf []byte, xs ...int) []byte {
	for k, x := range xs {
		if k > 0 {
			buf = append(buf, ' ')
		}
		var tmp [20]byte
		p := len(tmp)
		for {
			p--
			tmp[p] = byte('0' + x%10)
			x /= 10
			if x == 0 {
				break
			}
		}
		buf = append(buf, tmp[p:]...)
	}
	return append(buf, '\n')
}
