package server_test

import (
	"context"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/jobs"
)

// BenchmarkCityJob times one city-scale matching job, from
// StartMatchingJob to success: 2,000 guest parties (sizes 1 to 5) and 400
// dinners over eight weeks (50 hosts, one dinner a week each) in one
// organisation's two municipalities: snapshot, build, the household-mode
// solve, verify, explain, every seating written and the result stored.
// Loading the city is not timed. It reports the seatings, the objective's
// gap to the engine's proven bound in parts per million, and where the
// time goes: wall and CPU milliseconds per phase (queue: start until the
// job runs; solve includes verify and explain; done: the result stored,
// the job committed and seen) and the whole job's CPU beside its wall
// time, with the load average of the same run. CPU is the process's
// (service, embedded NATS with its fsyncs, gRPC), so on a loaded machine
// cpu_ms/job says what the job costs when the wall time cannot.
func BenchmarkCityJob(b *testing.B) {
	ctx := context.Background()
	c := newCity(21, 2000, 50, 8)
	var proposals int32
	var gap int64
	ph := &phases{}
	o := serverOptions()
	o.JobHooks = &jobs.Hooks{OnReport: func(_ jobs.Job, phase string, _ int) { ph.mark(phase) }}
	load := loadAvg()
	for b.Loop() {
		b.StopTimer()
		e := startEnv(b, 1, o)
		e.load(ctx, c)
		cl := e.as(admin)
		ph.reset()
		b.StartTimer()
		job := e.runJob(ctx, cl, "bench", "0180", "0184")
		ph.mark("end")
		proposals, gap = job.GetCounts().GetProposals(), job.GetGapPpm()
		if job.GetCounts().GetDinners() != 400 || job.GetCounts().GetParties() != 2000 {
			b.Fatalf("job input: %v", job.GetCounts())
		}
	}
	if proposals == 0 {
		b.Fatal("the job seated nobody")
	}
	b.ReportMetric(float64(proposals), "seatings/job")
	b.ReportMetric(float64(gap), "gap_ppm")
	ph.report(b)
	b.ReportMetric((load+loadAvg())/2, "load1")
}

// phases records wall and process CPU time at each phase change of a job.
type phases struct {
	mu    sync.Mutex
	names []string
	wall  []time.Time
	cpu   []time.Duration
	sum   map[string][2]time.Duration // per phase: wall, CPU over all runs
	runs  int
}

func (p *phases) reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.names, p.wall, p.cpu = []string{"queue"}, []time.Time{time.Now()}, []time.Duration{cpuTime()}
}

// mark starts phase (the hook runs at every report; only a change counts).
// "end" closes the run and adds it up.
func (p *phases) mark(phase string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.names) == 0 || p.names[len(p.names)-1] == phase {
		return
	}
	if phase == "result" {
		phase = "done" // the result's encoding, storing and the job's commit
	}
	p.names, p.wall, p.cpu = append(p.names, phase), append(p.wall, time.Now()), append(p.cpu, cpuTime())
	if phase != "end" {
		return
	}
	if p.sum == nil {
		p.sum = map[string][2]time.Duration{}
	}
	p.runs++
	for k := range len(p.names) - 1 {
		s := p.sum[p.names[k]]
		s[0] += p.wall[k+1].Sub(p.wall[k])
		s[1] += p.cpu[k+1] - p.cpu[k]
		p.sum[p.names[k]] = s
	}
	s := p.sum["job"]
	s[0] += p.wall[len(p.wall)-1].Sub(p.wall[0])
	s[1] += p.cpu[len(p.cpu)-1] - p.cpu[0]
	p.sum["job"] = s
	p.names = nil
}

func (p *phases) report(b *testing.B) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for name, s := range p.sum {
		ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(max(p.runs, 1)) }
		if name == "job" {
			b.ReportMetric(ms(s[0]), "wall_ms/job")
			b.ReportMetric(ms(s[1]), "cpu_ms/job")
			continue
		}
		b.ReportMetric(ms(s[0]), name+"_wall_ms")
		b.ReportMetric(ms(s[1]), name+"_cpu_ms")
	}
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loadAvg is the one-minute load average (0 where /proc is missing).
func loadAvg() float64 {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f, _ := strconv.ParseFloat(strings.Fields(string(raw))[0], 64)
	return f
}
