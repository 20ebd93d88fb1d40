package main

import (
	"fmt"
	"runtime/metrics"
	"slices"
	"time"
)

// spikes says where a step's slow creates come from (docs/adr/0013): the
// part of send->consumer spent before the create's answer (its durable
// writes) against after it (delivery to the consumer), how many distinct
// 100 ms windows the slow ones were sent in (one stall hits every create
// in flight, so few windows mean stalls, many mean a queue), and the Go
// garbage collector's stop-the-world pauses in this process meanwhile.
type spikes struct {
	ackP99, afterP99 time.Duration // p99 send->answer, answer->consumer
	slow, windows    int           // creates over the limit, and the 100 ms windows they were sent in
	gcCycles         uint64
	gcPauseMax       time.Duration // the longest pause's histogram bucket (upper bound)
}

// timing is one create's send, answer and consumer times.
type timing struct{ sent, answered, handled time.Time }

// gcState is a snapshot of the collector's counters.
type gcState struct {
	cycles uint64
	pauses []uint64 // counts per bucket of /sched/pauses/total/gc:seconds
	bounds []float64
}

func readGC() gcState {
	s := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}, {Name: "/sched/pauses/total/gc:seconds"}}
	metrics.Read(s)
	var g gcState
	if s[0].Value.Kind() == metrics.KindUint64 {
		g.cycles = s[0].Value.Uint64()
	}
	if s[1].Value.Kind() == metrics.KindFloat64Histogram {
		h := s[1].Value.Float64Histogram()
		g.pauses, g.bounds = slices.Clone(h.Counts), h.Buckets
	}
	return g
}

// gcCycles reads only the collector's cycle count: the timeline polls it
// every millisecond, and reading the pause histogram too (readGC) cost
// 1.6% of the create phase's CPU in a profile with -timeline.
func gcCycles() uint64 {
	s := [1]metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}}
	metrics.Read(s[:])
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}

// analyse fills spikes from the step's timings and the collector's
// counters before and after it.
func analyse(ts []timing, limit time.Duration, gc0, gc1 gcState) spikes {
	var s spikes
	var ack, after []time.Duration
	windows := map[int64]bool{}
	for _, t := range ts {
		ack = append(ack, t.answered.Sub(t.sent))
		after = append(after, max(t.handled.Sub(t.answered), 0))
		if t.handled.Sub(t.sent) > limit {
			s.slow++
			windows[t.sent.UnixMilli()/100] = true
		}
	}
	s.windows = len(windows)
	s.ackP99, s.afterP99 = p99(ack), p99(after)
	s.gcCycles = gc1.cycles - gc0.cycles
	if len(gc0.pauses) == len(gc1.pauses) {
		for i := len(gc1.pauses) - 1; i >= 0; i-- {
			if gc1.pauses[i] > gc0.pauses[i] {
				s.gcPauseMax = time.Duration(gc1.bounds[i+1] * float64(time.Second))
				break
			}
		}
	}
	return s
}

func p99(xs []time.Duration) time.Duration {
	if len(xs) == 0 {
		return 0
	}
	slices.Sort(xs)
	return xs[min(len(xs)-1, int(0.99*float64(len(xs))))].Round(100 * time.Microsecond)
}

func (s spikes) String() string {
	return fmt.Sprintf("    p99 send->answer %v, answer->consumer %v; %d over the limit, sent in %d windows of 100 ms; GC %d cycles, longest pause <= %v",
		s.ackP99, s.afterP99, s.slow, s.windows, s.gcCycles, s.gcPauseMax.Round(time.Microsecond))
}
