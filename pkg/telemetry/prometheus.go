package telemetry

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
)

// MetricsPath is where ServeMetrics answers Prometheus scrapes.
const MetricsPath = "/metrics"

// newPrometheus builds the pull reader every process has: a private
// registry (so two Setup calls in one test binary do not collide on the
// global one) with the OTel instruments, the Go runtime and the process.
// Prometheus scrapes it; nothing is sent anywhere, so it costs nothing
// until scraped.
func newPrometheus() (*otelprom.Exporter, http.Handler, error) {
	reg := prometheus.NewRegistry()
	if err := reg.Register(collectors.NewGoCollector()); err != nil {
		return nil, nil, fmt.Errorf("prometheus go collector: %w", err)
	}
	if err := reg.Register(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})); err != nil {
		return nil, nil, fmt.Errorf("prometheus process collector: %w", err)
	}
	exp, err := otelprom.New(otelprom.WithRegisterer(reg))
	if err != nil {
		return nil, nil, fmt.Errorf("prometheus exporter: %w", err)
	}
	h := promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		// A collection error (a lag lookup timing out, say) still serves
		// the rest rather than failing the whole scrape.
		ErrorHandling: promhttp.ContinueOnError,
	})
	return exp, h, nil
}

// MetricsHandler serves the process's metrics in the Prometheus text
// format. Mount it where the process already serves HTTP, or call
// ServeMetrics for a listener of its own.
func (t *Telemetry) MetricsHandler() http.Handler { return t.metrics }

// ServeMetrics listens on addr and serves MetricsPath until Shutdown. An
// empty addr or "off" serves nothing and returns a nil address. Listening
// happens before it returns, so a taken port fails the start-up instead
// of silently leaving the process unscraped; serving errors later are
// logged, because metrics must never take a service down.
func (t *Telemetry) ServeMetrics(addr string) (net.Addr, error) {
	if addr == "" || addr == MetricsOff {
		return nil, nil
	}
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics: listen %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET "+MetricsPath, t.metrics)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	t.mu.Lock()
	t.servers = append(t.servers, srv)
	t.mu.Unlock()
	go func() {
		if err := srv.Serve(lis); err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.Logger.Warn("metrics endpoint stopped", "err", err)
		}
	}()
	t.Logger.Info("serving metrics", "addr", lis.Addr().String(), "path", MetricsPath)
	return lis.Addr(), nil
}

// MetricsOff is the METRICS_ADDR value that turns the endpoint off.
const MetricsOff = "off"

// stopServers closes the metrics listeners; part of Shutdown.
func (t *Telemetry) stopServers(ctx context.Context) error {
	t.mu.Lock()
	srvs := t.servers
	t.servers = nil
	t.mu.Unlock()
	var errs []error
	for _, s := range srvs {
		errs = append(errs, s.Shutdown(ctx))
	}
	return errors.Join(errs...)
}
