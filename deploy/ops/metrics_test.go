package ops_test

import (
	"fmt"
	"net/http"
	"sort"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// scrape reads one process's /metrics with the Prometheus text parser.
func scrape(addr string) (map[string]*dto.MetricFamily, error) {
	res, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s", addr, res.Status)
	}
	p := expfmt.NewTextParser(model.LegacyValidation)
	return p.TextToMetricFamilies(res.Body)
}

func names(f map[string]*dto.MetricFamily) []string {
	var out []string
	for n := range f {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// gauge sums a family's values over its series; ok is false without series.
func sum(f *dto.MetricFamily) (total float64, ok bool) {
	for _, m := range f.GetMetric() {
		ok = true
		total += m.GetGauge().GetValue() + m.GetCounter().GetValue()
	}
	return total, ok
}

// wantMetrics are the Prometheus names each kind of process must serve
// once it has done work; the alert rules use them (TestAlertRules checks
// that every name a rule uses is one of these or served).
var wantMetrics = map[string][]string{
	"*": {"target_info", "go_goroutines", "process_resident_memory_bytes"},
	"participants": {"rpc_server_call_duration_seconds", "store_outbox_backlog", "store_outbox_oldest_age_seconds", "store_outbox_published_total",
		"cache_hits_total", "cache_misses_total"},
	"volunteers": {"rpc_server_call_duration_seconds", "store_outbox_backlog", "store_outbox_published_total"},
	"mentoring": {"rpc_server_call_duration_seconds", "store_outbox_backlog", "events_consumer_lag",
		"pool_feed_lag", "jobs_run_duration_seconds", "jobs_size", "events_handled_total", "jobs_attempts_total"},
	// Counters the alerts take increase() of are served at 0 from the
	// start, so their first increment is one Prometheus sees (ADR 0193).
	"notify":  {"events_handled_total", "motesplats_notifications_failed_total", "motesplats_notifications_queue"},
	"gateway": {"http_server_request_duration_seconds"},
}

// rareMetrics appear only once their event has happened (a Redis call
// failed, a write conflicted), so the live test cannot wait for them:
// their OTel name must still be declared in the named file.
var rareMetrics = map[string][2]string{
	"cache_errors_total":    {"pkg/cache/cache.go", `"cache.errors"`},
	"store_conflicts_total": {"pkg/store/store.go", `"store.conflicts"`},
	// A histogram has no series before its first handled message.
	"events_handle_duration_seconds": {"pkg/events/consumer_metrics.go", `"events.handle.duration"`},
	// The gateway's count of the DEADLETTER stream (ADR 0059).
	"events_deadletters_waiting": {"pkg/events/deadletters.go", `"events.deadletters.waiting"`},
	// Notify's sent series appear once it has sent a message.
	"motesplats_notifications_sent_total": {"services/notify/server/metrics.go", `"motesplats.notifications.sent"`},
	// Served only by a process connected to NATS in TLS (ADR 0241).
	"nats_tls_expiry_seconds": {"pkg/service/natsexpiry.go", `"nats.tls.expiry"`},
}

// requireMetrics scrapes every process of the layout that serves
// /metrics, parses it with the Prometheus text parser and checks the
// names. A replica that was killed is skipped.
func (s *system) requireMetrics(t *testing.T) map[string]map[string]*dto.MetricFamily {
	t.Helper()
	all := map[string]map[string]*dto.MetricFamily{}
	for _, p := range s.Procs {
		if p.Kind == "nats" || p.Kind == "redis" || s.Pid(p.Name) == 0 {
			continue
		}
		f, err := scrape(p.Health)
		if err != nil {
			t.Errorf("%s /metrics: %v", p.Name, err)
			continue
		}
		all[p.Name] = f
		for _, n := range append(wantMetrics["*"], wantMetrics[p.Kind]...) {
			if f[n] == nil {
				t.Errorf("%s /metrics has no %s; it has %v", p.Name, n, names(f))
			}
		}
	}
	if len(all) == 0 {
		t.Fatal("no process served /metrics")
	}
	return all
}
