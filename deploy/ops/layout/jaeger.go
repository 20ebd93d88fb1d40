package layout

import (
	"fmt"
	"path/filepath"
)

// jaegerProc is Jaeger all-in-one (Jaeger v2, an OpenTelemetry Collector
// build) with in-memory storage: an OTLP/gRPC receiver every service
// exports its spans to, and the query service with its UI and HTTP API
// (/api/traces). It starts with NATS, before any service, so no span of
// a starting service is lost.
func jaegerProc(o Options) Proc {
	conf := filepath.Join(o.Dir, "conf", "jaeger.yaml")
	return Proc{
		Name: "jaeger", Kind: "jaeger", Path: o.Jaeger, Args: []string{"--config", conf},
		Addr: loop(o.Ports("jaeger-otlp")), Health: loop(o.Ports("jaeger-query")),
		Config: conf, ConfigText: jaegerConfig(o),
	}
}

// jaegerConfig is the collector configuration: only loopback listeners
// on the layout's ports (the stock all-in-one file also opens the Jaeger,
// Zipkin and sampling ports, and metrics on 8888), memory storage, and no
// telemetry of its own. The processes send their OTLP metrics to the same
// endpoint as their spans: a metrics pipeline into the nop exporter takes
// them, where Jaeger without one answered Unimplemented and every process
// logged a WARN "telemetry export" each minute (ADR 0193). Prometheus
// scrapes /metrics; these are dropped.
func jaegerConfig(o Options) string {
	return fmt.Sprintf(`service:
  extensions: [jaeger_storage, jaeger_query]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [jaeger_storage_exporter]
    metrics:
      receivers: [otlp]
      exporters: [nop]
  telemetry:
    metrics:
      level: none
    logs:
      level: warn
extensions:
  jaeger_storage:
    backends:
      memstore:
        memory:
          max_traces: 100000
  jaeger_query:
    storage:
      traces: memstore
    http:
      endpoint: %s
    grpc:
      endpoint: %s
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: %s
processors:
  batch:
exporters:
  jaeger_storage_exporter:
    trace_storage: memstore
  nop:
`, loop(o.Ports("jaeger-query")), loop(o.Ports("jaeger-query-grpc")), loop(o.Ports("jaeger-otlp")))
}
