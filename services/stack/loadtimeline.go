package main

import (
	"bufio"
	"fmt"
	"os"
	"runtime/trace"
	"slices"
	"time"
)

// timeline writes every create's timing of a load run as CSV, so the slow
// creates can be lined up against time (a periodic stall shows as slow
// creates at a fixed interval; a queue as a slope). A nil timeline writes
// nothing.
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

// write adds one step's creates, ordered by when they were sent.
func (t *timeline) write(rate int, start time.Time, ts []timing) {
	if t == nil {
		return
	}
	ts = slices.Clone(ts)
	slices.SortFunc(ts, func(a, b timing) int { return a.sent.Compare(b.sent) })
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
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
