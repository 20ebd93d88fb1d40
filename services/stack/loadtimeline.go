package main

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"slices"
	"time"
)

// timeline writes every create's timing of a load run as CSV, so the slow
// creates can be lined up against time (a periodic stall shows as slow
// creates at a fixed interval; a queue as a slope) and against the ends
// of garbage collection cycles. A nil timeline writes nothing.
type timeline struct {
	f *os.File
	w *bufio.Writer
}

func openTimeline(path string) (*timeline, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "rate,sent_ms,answer_ms,consumer_ms")
	return &timeline{f: f, w: w}, nil
}

// watchGC notes when each garbage collection cycle of this process ends
// during a step (polled every millisecond), so the timeline can show
// whether the slow creates were sent while the collector ran. The
// returned function stops watching and gives the cycles' end times.
func (t *timeline) watchGC(start time.Time) func() []time.Duration {
	if t == nil {
		return func() []time.Duration { return nil }
	}
	done := make(chan struct{})
	out := make(chan []time.Duration, 1)
	go func() {
		var at []time.Duration
		last := gcCycles()
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				out <- at
				return
			case <-tick.C:
				if c := gcCycles(); c != last {
					last = c
					at = append(at, time.Since(start))
				}
			}
		}
	}()
	return func() []time.Duration { close(done); return <-out }
}

// write adds one step's creates, ordered by when they were sent, and the
// ends of the garbage collection cycles meanwhile (rows "gc").
func (t *timeline) write(rate int, start time.Time, ts []timing, gcAt []time.Duration) {
	if t == nil {
		return
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	for _, d := range gcAt {
		fmt.Fprintf(t.w, "%d,%.1f,gc,gc\n", rate, ms(d))
	}
	ts = slices.Clone(ts)
	slices.SortFunc(ts, func(a, b timing) int { return a.sent.Compare(b.sent) })
	for _, x := range ts {
		fmt.Fprintf(t.w, "%d,%.1f,%.2f,%.2f\n", rate, ms(x.sent.Sub(start)), ms(x.answered.Sub(x.sent)), ms(x.handled.Sub(x.sent)))
	}
}

// Close flushes the file.
func (t *timeline) Close() error {
	if t == nil {
		return nil
	}
	if err := t.w.Flush(); err != nil {
		t.f.Close()
		return err
	}
	return t.f.Close()
}

// startTrace starts a Go execution trace into path (nothing when path is
// empty) and returns the function that stops it: where the create path
// blocks (fsync, locks, the scheduler) shows in `go tool trace -pprof`.
func startTrace(path string) (func(), error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := trace.Start(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { trace.Stop(); f.Close() }, nil
}

// writeHeapProfile writes the live heap (after a collection) to path;
// nothing when path is empty.
func writeHeapProfile(path string) error {
	if path == "" {
		return nil
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	runtime.GC()
	if err := pprof.WriteHeapProfile(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
