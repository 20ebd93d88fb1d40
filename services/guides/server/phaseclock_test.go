package server_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/motesplats/motesplats/pkg/testutil/servicetest"
)

// phaseClock is a span processor that times the job kit's phase spans
// (jobs.snapshot, jobs.build, jobs.solve with its children jobs.verify and
// jobs.explain, jobs.propose) and the store's batched writes: wall clock
// from the span, CPU from the process's rusage between the span's start
// and end. The benchmark's process holds the NATS server too, so the CPU
// is everything the phase cost on this machine, the server's fsyncs and
// staging included.
type phaseClock struct {
	// snapshotBytes is the size of the last snapshot stored (the
	// jobs.snapshot span's jobs.snapshot.bytes).
	snapshotBytes atomic.Int64
	mu            sync.Mutex
	starts        map[trace.SpanID]time.Duration
	totals        map[string]*phaseTotal
}

// phaseTotal sums one span name's runs.
type phaseTotal struct {
	n         int
	wall, cpu time.Duration
}

var _ sdktrace.SpanProcessor = (*phaseClock)(nil)

func newPhaseClock() *phaseClock {
	return &phaseClock{starts: map[trace.SpanID]time.Duration{}, totals: map[string]*phaseTotal{}}
}

// timed reports whether a span is one the clock keeps.
func timed(name string) bool {
	return strings.HasPrefix(name, "jobs.") && !strings.HasPrefix(name, "jobs.run") || strings.HasPrefix(name, "store.create_batch")
}

func (p *phaseClock) OnStart(_ context.Context, s sdktrace.ReadWriteSpan) {
	if !timed(s.Name()) {
		return
	}
	cpu := servicetest.ProcessCPU()
	p.mu.Lock()
	p.starts[s.SpanContext().SpanID()] = cpu
	p.mu.Unlock()
}

func (p *phaseClock) OnEnd(s sdktrace.ReadOnlySpan) {
	if !timed(s.Name()) {
		return
	}
	cpu := servicetest.ProcessCPU()
	for _, a := range s.Attributes() {
		if a.Key == "jobs.snapshot.bytes" {
			p.snapshotBytes.Store(a.Value.AsInt64())
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	start, ok := p.starts[s.SpanContext().SpanID()]
	if !ok {
		return
	}
	delete(p.starts, s.SpanContext().SpanID())
	t := p.totals[s.Name()]
	if t == nil {
		t = &phaseTotal{}
		p.totals[s.Name()] = t
	}
	t.n++
	t.wall += s.EndTime().Sub(s.StartTime())
	t.cpu += cpu - start
}

func (p *phaseClock) Shutdown(context.Context) error   { return nil }
func (p *phaseClock) ForceFlush(context.Context) error { return nil }

// reset forgets what was timed (the seeding's batches).
func (p *phaseClock) reset() {
	p.mu.Lock()
	clear(p.totals)
	p.mu.Unlock()
}

// get returns one span name's totals.
func (p *phaseClock) get(name string) phaseTotal {
	p.mu.Lock()
	defer p.mu.Unlock()
	if t := p.totals[name]; t != nil {
		return *t
	}
	return phaseTotal{}
}

// String lists every timed span's wall and CPU seconds.
func (p *phaseClock) String() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for name, t := range p.totals {
		out = append(out, fmt.Sprintf("%s x%d: %.2fs wall %.2fs cpu", name, t.n, t.wall.Seconds(), t.cpu.Seconds()))
	}
	slices.Sort(out)
	return strings.Join(out, "; ")
}
