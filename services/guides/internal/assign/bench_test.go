package assign

import (
	"fmt"
	"math/rand/v2"
	"syscall"
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/match"
)

// national is the national scale: 50,000 entitled newcomers, 280
// guide organisations serving 290 municipalities with capacity per
// municipality and language (about 80% of the entitled in total).
func national(tb testing.TB) Input {
	tb.Helper()
	r := rand.New(rand.NewPCG(11, 2026))
	langs := []string{"ar", "so", "ti", "fa", "prs", "uk", "en", "ku"}
	munis := make([]string, 290)
	for k := range munis {
		munis[k] = fmt.Sprintf("%04d", 100+k*8)
	}
	in := Input{Weights: weights(tb), Families: []Family{GenderPerMunicipality}}
	perMuni := map[string]int{}
	for i := range 50_000 {
		// Large municipalities get more newcomers (a skewed draw).
		m := munis[min(int(r.ExpFloat64()*60), len(munis)-1)]
		perMuni[m]++
		n := Newcomer{ID: fmt.Sprintf("p%06d", i), Municipality: m, Woman: r.IntN(100) < 47,
			Languages: []string{langs[r.IntN(len(langs))]}, WaitMonths: r.IntN(20)}
		if r.IntN(3) == 0 {
			n.Languages = append(n.Languages, langs[r.IntN(len(langs))])
		}
		in.Newcomers = append(in.Newcomers, n)
	}
	// Every municipality is served by about three organisations; each
	// offers Swedish and one or two other languages there.
	for o := range 280 {
		org := fmt.Sprintf("org%03d", o)
		for k := range 4 {
			m := munis[(o*4+k*73)%len(munis)]
			cap := max(perMuni[m]*8/(10*4*3), 1)
			in.Units = append(in.Units, Unit{Organisation: org, Municipality: m, Language: Swedish, Free: cap * 2})
			in.Units = append(in.Units, Unit{Organisation: org, Municipality: m, Language: langs[(o+k)%len(langs)], Free: cap})
		}
	}
	return in
}

// BenchmarkNationalSolve is the exact solve with its certificate checked
// at national scale, with a gender quota per municipality (target: 2 s).
func BenchmarkNationalSolve(b *testing.B) { benchNational(b) }

// BenchmarkNationalSolveNested is the same with the nested families:
// women within each municipality and each municipality's total (a tree of
// quota groups, ADR 0091), exact with the certificate checked.
func BenchmarkNationalSolveNested(b *testing.B) { benchNational(b, MunicipalityTotal) }

func benchNational(b *testing.B, more ...Family) {
	in := national(b)
	in.Families = append(in.Families, more...)
	built, err := Build(in)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(len(built.Instance.Edges)), "edges")
	b.ResetTimer()
	// CPU time beside wall time: on a machine shared by many processes
	// the wall clock mostly measures waiting for a core.
	cpu0 := cpuTime()
	for b.Loop() {
		sol, err := match.Solve(built.Instance)
		if err != nil {
			b.Fatal(err)
		}
		cert, err := match.Verify(built.Instance, sol)
		if err != nil || !cert.Optimal {
			b.Fatalf("certificate %+v, %v", cert, err)
		}
		b.ReportMetric(float64(sol.Matched), "assigned")
	}
	b.ReportMetric(float64((cpuTime()-cpu0).Milliseconds())/float64(b.N), "cpu-ms/op")
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkNationalBuild is turning the snapshot into the instance.
func BenchmarkNationalBuild(b *testing.B) {
	benchBuild(b, national(b))
}

// benchBuild times Build of in, with the CPU time beside the wall time
// (see benchNational).
func benchBuild(b *testing.B, in Input) {
	cpu0 := cpuTime()
	for b.Loop() {
		if _, err := Build(in); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64((cpuTime()-cpu0).Milliseconds())/float64(b.N), "cpu-ms/op")
}
