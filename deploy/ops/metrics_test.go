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

// checkMetrics scrapes every service process and logs the names.
func (s *system) checkMetrics(t *testing.T) map[string]map[string]*dto.MetricFamily {
	t.Helper()
	all := map[string]map[string]*dto.MetricFamily{}
	for _, p := range s.Procs {
		if p.Kind == "nats" || p.Kind == "redis" {
			continue
		}
		f, err := scrape(p.Health)
		if err != nil {
			t.Errorf("%s /metrics: %v", p.Name, err)
			continue
		}
		all[p.Name] = f
		t.Logf("%s: %v", p.Name, names(f))
	}
	return all
}
