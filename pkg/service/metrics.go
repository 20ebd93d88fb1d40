package service

// Default Prometheus endpoints (METRICS_ADDR), one port per process so
// every process of `make run` or one machine of `make up` can be scraped
// side by side: a service's gRPC port plus 2000, the gateway's HTTP port
// plus 1000, and 9000 for the embedded stack. "off" turns one off.
var defaultMetrics = map[string]string{
	Participants.Name: "127.0.0.1:9001",
	Volunteers.Name:   "127.0.0.1:9002",
	Mentoring.Name:    "127.0.0.1:9003",
	Dinners.Name:      "127.0.0.1:9004",
	Guides.Name:       "127.0.0.1:9005",
	Notify.Name:       "127.0.0.1:9006",
	"gateway":         "127.0.0.1:9080",
	"stack":           "127.0.0.1:9000",
}

// MetricsEnv is the variable that sets where a process serves /metrics.
const MetricsEnv = "METRICS_ADDR"

// DefaultMetricsAddr is the process's /metrics address when METRICS_ADDR
// is unset: the table above, or "off" for a process not in it, so an
// unknown process never takes someone else's port.
func DefaultMetricsAddr(name string) string {
	if a, ok := defaultMetrics[name]; ok {
		return a
	}
	return "off"
}
