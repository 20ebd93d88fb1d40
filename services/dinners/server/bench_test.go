package server_test

import (
	"context"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"google.golang.org/protobuf/proto"

	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	"github.com/motesplats/motesplats/pkg/jobs"
	"github.com/motesplats/motesplats/pkg/testutil/servicetest"
)

// BenchmarkCityJob times one city-scale matching job, from
// StartMatchingJob to success: 2,000 guest parties (sizes 1 to 5) and 400
// dinners over eight weeks (50 hosts, one dinner a week each) in one
// organisation's two municipalities: snapshot, build, the household-mode
// solve, verify, explain, every seating written and the result stored.
// Loading the city is not timed. It reports the seatings, the objective's
// gap to the engine's proven bound in parts per million, the snapshot's
// size in bytes (the jobs.snapshot span's figure), and where the time
// goes: wall and CPU milliseconds per phase (queue: start until the job
// runs; solve includes verify and explain; done: the result stored, the
// job committed and seen) and the whole job's CPU beside its wall time,
// with the load average of the same run. CPU is the process's (service,
// embedded NATS with its fsyncs, gRPC), so on a loaded machine cpu_ms/job
// says what the job costs when the wall time cannot.
func BenchmarkCityJob(b *testing.B) { benchCity(b, false) }

// BenchmarkCityJobAgain times the city's second job, run after the first
// one's proposals took most seats (the first is not timed): the parties
// still waiting against dinners that are mostly full. Full dinners stay
// in its snapshot with no free seat (ADR 0165), so this is where the
// snapshot grows; it reports what BenchmarkCityJob does.
func BenchmarkCityJobAgain(b *testing.B) { benchCity(b, true) }

func benchCity(b *testing.B, again bool) {
	ctx := context.Background()
	c := newCity(21, 2000, 50, 8)
	var proposals, dinners, unseated int32
	var reasons map[pb.UnseatedReason]int
	var gap int64
	var resultBytes, countedBytes int
	ph := &phases{}
	size := &servicetest.SnapshotSize{}
	o := serverOptions()
	o.JobHooks = &jobs.Hooks{OnReport: func(_ jobs.Job, phase string, _ int) { ph.mark(phase) }}
	o.TracerProvider = sdktrace.NewTracerProvider(sdktrace.WithSampler(size), sdktrace.WithSpanProcessor(size))
	load := loadAvg()
	for b.Loop() {
		b.StopTimer()
		e := startEnv(b, 1, o)
		e.load(ctx, c)
		cl := e.as(admin)
		parties := int32(2000)
		if again {
			first := e.runJob(ctx, cl, "bench-first", "0180", "0184")
			parties -= first.GetCounts().GetProposals()
		}
		ph.reset()
		b.StartTimer()
		job := e.runJob(ctx, cl, "bench", "0180", "0184")
		ph.mark("end")
		proposals, gap, dinners, unseated = job.GetCounts().GetProposals(), job.GetGapPpm(), job.GetCounts().GetDinners(), job.GetCounts().GetUnseated()
		if (!again && dinners != 400) || job.GetCounts().GetParties() != parties {
			b.Fatalf("job input: %v, want %d parties", job.GetCounts(), parties)
		}
		b.StopTimer()
		reasons = unseatedReasons(ctx, b, cl, job.GetId())
		resultBytes, countedBytes = storedResult(ctx, b, e, job.GetId())
		b.StartTimer()
	}
	// The first job fills most dinners; what is left may fit nobody, so
	// the second need not seat anyone, but it must explain everyone.
	if (!again && proposals == 0) || (again && unseated == 0) {
		b.Fatalf("the job seated %d and left %d out", proposals, unseated)
	}
	b.ReportMetric(float64(proposals), "seatings/job")
	b.ReportMetric(float64(unseated), "unseated/job")
	for r, n := range reasons {
		b.ReportMetric(float64(n), strings.ToLower(strings.TrimPrefix(r.String(), "UNSEATED_REASON_"))+"/job")
	}
	b.ReportMetric(float64(dinners), "free_dinners/job")
	b.ReportMetric(float64(gap), "gap_ppm")
	b.ReportMetric(float64(size.Bytes()), "snapshot_bytes")
	b.ReportMetric(float64(resultBytes), "result_bytes")
	b.ReportMetric(float64(countedBytes), "result_counted_bytes")
	ph.report(b)
	b.ReportMetric((load+loadAvg())/2, "load1")
}

// storedResult is the size of job's stored result, and of the part of it
// that lets its full dinners' totals be counted again after an erasure
// (the counted dinners and each party's places in them, ADR 0180).
func storedResult(ctx context.Context, b *testing.B, e *env, job string) (all, counted int) {
	store, err := e.nats.JS.ObjectStore(ctx, "dinners_job_data")
	if err != nil {
		b.Fatal(err)
	}
	raw, err := store.GetBytes(ctx, job+".result")
	if err != nil {
		b.Fatal(err)
	}
	var res pb.JobResult
	if err := proto.Unmarshal(raw, &res); err != nil {
		b.Fatal(err)
	}
	res.CountedDinners = nil
	for _, u := range res.GetUnseated() {
		u.CountedDinners = nil
	}
	return len(raw), len(raw) - proto.Size(&res)
}

// unseatedReasons counts the parties job left out per reason.
func unseatedReasons(ctx context.Context, b *testing.B, c pb.DinnerServiceClient, job string) map[pb.UnseatedReason]int {
	out := map[pb.UnseatedReason]int{}
	for _, u := range servicetest.All(b, func(tok string) ([]*pb.UnseatedParty, string, error) {
		res, err := c.ListUnseated(ctx, &pb.ListUnseatedRequest{JobId: job, PageSize: 500, PageToken: tok})
		return res.GetUnseated(), res.GetNextPageToken(), err
	}) {
		out[u.GetReason()]++
	}
	return out
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
	p.names, p.wall, p.cpu = []string{"queue"}, []time.Time{time.Now()}, []time.Duration{servicetest.ProcessCPU()}
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
	p.names, p.wall, p.cpu = append(p.names, phase), append(p.wall, time.Now()), append(p.cpu, servicetest.ProcessCPU())
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

// loadAvg is the one-minute load average (0 where /proc is missing).
func loadAvg() float64 {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f, _ := strconv.ParseFloat(strings.Fields(string(raw))[0], 64)
	return f
}
