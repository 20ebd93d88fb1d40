package testutil

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// Int64Gauge collects r, the way an exporter would, and returns the value
// of the int64 gauge name on the series whose attributes include every
// pair of attrs (key, value, key, value...); -1 when no series matches,
// so a test tells "not served" from 0.
func Int64Gauge(t testing.TB, r *sdkmetric.ManualReader, name string, attrs ...string) int64 {
	t.Helper()
	return int64Point(t, r, name, attrs, func(d metricdata.Aggregation) ([]metricdata.DataPoint[int64], bool) {
		g, ok := d.(metricdata.Gauge[int64])
		return g.DataPoints, ok
	})
}

// Int64Sum is Int64Gauge for an int64 counter (a sum): its value on the
// series with attrs, -1 when no such series is served. A counter that is
// served at 0 before anything happened is what lets Prometheus's
// increase() see the first increment.
func Int64Sum(t testing.TB, r *sdkmetric.ManualReader, name string, attrs ...string) int64 {
	t.Helper()
	return int64Point(t, r, name, attrs, func(d metricdata.Aggregation) ([]metricdata.DataPoint[int64], bool) {
		s, ok := d.(metricdata.Sum[int64])
		return s.DataPoints, ok
	})
}

// int64Point collects r and returns the value on the first series of the
// metric name whose points points can read and whose attributes hold attrs;
// -1 when there is none.
func int64Point(t testing.TB, r *sdkmetric.ManualReader, name string, attrs []string,
	points func(metricdata.Aggregation) ([]metricdata.DataPoint[int64], bool)) int64 {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := r.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			dps, ok := points(m.Data)
			if m.Name != name || !ok {
				continue
			}
			for _, dp := range dps {
				if hasAll(dp.Attributes, attrs) {
					return dp.Value
				}
			}
		}
	}
	return -1
}

func hasAll(set attribute.Set, pairs []string) bool {
	for i := 0; i+1 < len(pairs); i += 2 {
		if v, ok := set.Value(attribute.Key(pairs[i])); !ok || v.Emit() != pairs[i+1] {
			return false
		}
	}
	return true
}
