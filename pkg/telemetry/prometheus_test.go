package telemetry

import (
	"bytes"
	"context"
	"net/http"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"go.opentelemetry.io/otel/metric"

	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestServeMetrics: an instrument recorded through the provider appears on
// /metrics in a form the Prometheus text parser reads, with the
// Prometheus name the alert rules use; Shutdown closes the listener.
func TestServeMetrics(t *testing.T) {
	tel, err := Setup(testutil.Context(t), Config{ServiceName: "metrics-test", LogWriter: &bytes.Buffer{}})
	if err != nil {
		t.Fatal(err)
	}
	addr, err := tel.ServeMetrics("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c, err := tel.MeterProvider.Meter("test").Int64Counter("things.done", metric.WithUnit("{thing}"))
	if err != nil {
		t.Fatal(err)
	}
	c.Add(context.Background(), 3)

	url := "http://" + addr.String() + MetricsPath
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatalf("parse %s: %v", url, err)
	}
	for _, name := range []string{"things_done_total", "go_goroutines", "process_cpu_seconds_total", "target_info"} {
		if fams[name] == nil {
			t.Errorf("%s has no %s", url, name)
		}
	}
	if f := fams["things_done_total"]; f != nil && f.GetMetric()[0].GetCounter().GetValue() != 3 {
		t.Errorf("things_done_total = %v, want 3", f.GetMetric()[0].GetCounter().GetValue())
	}

	if err := tel.Shutdown(testutil.Context(t)); err != nil {
		t.Fatal(err)
	}
	if resp, err := http.Get(url); err == nil {
		resp.Body.Close()
		t.Errorf("%s still answers after Shutdown", url)
	}
}

// TestServeMetrics_Off: "off" and "" serve nothing.
func TestServeMetrics_Off(t *testing.T) {
	tel, err := Setup(testutil.Context(t), Config{ServiceName: "metrics-off", LogWriter: &bytes.Buffer{}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tel.Shutdown(context.Background()) })
	for _, a := range []string{"", MetricsOff} {
		if got, err := tel.ServeMetrics(a); got != nil || err != nil {
			t.Errorf("ServeMetrics(%q) = %v, %v; want nothing served", a, got, err)
		}
	}
}
