package report

import (
	"slices"
	"time"
)

// Stats summarises durations, such as the waits for a match.
type Stats struct {
	// N is how many durations there were; Median and Mean are zero when
	// N is 0, so check N before showing them.
	N int
	// Median is the middle duration; with an even N, the mean of the two
	// middle ones (so [1d, 2d] has a median of 1.5 days, and ties change
	// nothing: [1d, 1d, 2d, 2d] also has 1.5 days).
	Median time.Duration
	// Mean is the arithmetic mean in whole seconds (each duration and the
	// quotient truncated toward zero).
	Mean time.Duration
}

// Summarise computes the Stats of ds; ds is not changed.
func Summarise(ds []time.Duration) Stats {
	n := len(ds)
	if n == 0 {
		return Stats{}
	}
	s := slices.Sorted(slices.Values(ds))
	med := s[n/2]
	if n%2 == 0 {
		// a/2 + b/2 cannot overflow where (a+b)/2 could; the lost halves
		// of odd nanoseconds are added back.
		a, b := s[n/2-1], s[n/2]
		med = a/2 + b/2 + (a%2+b%2)/2
	}
	// Sum whole seconds: a decade in nanoseconds times 100,000 records
	// overflows int64, in seconds it does not.
	var sum int64
	for _, d := range s {
		sum += int64(d / time.Second)
	}
	mean := time.Duration(sum/int64(n)) * time.Second
	return Stats{N: n, Median: med, Mean: mean}
}

// Days is d in whole days truncated toward zero, the unit reports show:
// 1.9 days is 1, and -0.5 days (a clock skew between services making a
// match appear before the registration it followed) is 0.
func Days(d time.Duration) int { return int(d / (24 * time.Hour)) }
