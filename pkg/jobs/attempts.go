package jobs

import (
	"context"
	"fmt"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// The jobs.outcome an attempt ends with (handle sets one of them).
const (
	outcomeSucceeded = "succeeded"
	outcomeFailed    = "failed"
	outcomeRetry     = "retry"
	outcomeLost      = "lost"
	outcomeShutdown  = "shutdown"
)

// outcomes are every jobs.outcome, each served at 0 from the start.
var outcomes = []string{outcomeSucceeded, outcomeFailed, outcomeRetry, outcomeLost, outcomeShutdown}

// attemptsCounter is jobs.attempts (jobs_attempts_total), the count of
// attempts by kind and outcome, with every outcome of kind at 0 from the
// start. The alerts JobsFailing and JobsRetrying count with increase(),
// which sees nothing in a series whose first sample is already 1: on
// jobs_run_duration_seconds_count, a histogram that cannot start at 0,
// the first failed job of each process never fired JobsFailing (ADR 0193).
func attemptsCounter(meter metric.Meter, kind string) (metric.Int64Counter, error) {
	c, err := meter.Int64Counter("jobs.attempts", metric.WithUnit("{attempt}"),
		metric.WithDescription("attempts of jobs, by kind and outcome; every outcome starts at 0"))
	if err != nil {
		return nil, fmt.Errorf("jobs: metric: %w", err)
	}
	for _, o := range outcomes {
		c.Add(context.Background(), 0, metric.WithAttributes(attribute.String("jobs.kind", kind), attribute.String("jobs.outcome", o)))
	}
	return c, nil
}
