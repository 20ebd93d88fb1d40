package ops_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// ruleFile is the Prometheus rule file's shape (the fields we use).
type ruleFile struct {
	Groups []struct {
		Name  string `yaml:"name"`
		Rules []struct {
			Alert       string            `yaml:"alert"`
			Expr        string            `yaml:"expr"`
			For         string            `yaml:"for"`
			Labels      map[string]string `yaml:"labels"`
			Annotations map[string]string `yaml:"annotations"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

var (
	quoted   = regexp.MustCompile(`"[^"]*"`)
	matchers = regexp.MustCompile(`\{[^}]*\}`)
	ranges   = regexp.MustCompile(`\[[^\]]*\]`)
	grouping = regexp.MustCompile(`\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)`)
	ident    = regexp.MustCompile(`[a-zA-Z_:][a-zA-Z0-9_:]*(\s*\()?`)
	duration = regexp.MustCompile(`^([0-9]+(ms|s|m|h|d|w|y))+$`)
	keywords = []string{"and", "or", "unless", "bool", "offset"}
)

// metricsOf returns the metric names a PromQL expression selects: what is
// left after dropping strings, label matchers, ranges, grouping clauses,
// function calls and keywords. The promql parser would pull in the whole
// Prometheus server; this is enough for the expressions in alerts.yaml,
// whose syntax the check below keeps to.
func metricsOf(expr string) []string {
	s := quoted.ReplaceAllString(expr, `""`)
	s = matchers.ReplaceAllString(s, " ")
	s = ranges.ReplaceAllString(s, " ")
	s = grouping.ReplaceAllString(s, " ")
	var out []string
	for _, m := range ident.FindAllString(s, -1) {
		if strings.HasSuffix(m, "(") || slices.Contains(keywords, m) {
			continue
		}
		out = append(out, m)
	}
	return out
}

// TestAlertRules: deploy/prometheus/alerts.yaml is a valid rule file in
// shape (groups of rules, each with an alert name, an expression, a
// duration, a severity, a summary and a runbook link to a section that
// exists), its expressions are balanced, and every metric they use is one
// the processes serve (wantMetrics, checked live by TestUp), so a renamed
// instrument breaks this test instead of silencing an alert.
func TestAlertRules(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(filepath.Join(root, "deploy", "prometheus", "alerts.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var f ruleFile
	dec := yaml.NewDecoder(strings.NewReader(string(raw)))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		t.Fatalf("alerts.yaml: %v", err)
	}
	runbook, err := os.ReadFile(filepath.Join(root, "docs", "runbook.md"))
	if err != nil {
		t.Fatal(err)
	}
	served := map[string]bool{"up": true}
	for _, ns := range wantMetrics {
		for _, n := range ns {
			served[n] = true
			for _, suffix := range []string{"_count", "_sum", "_bucket"} {
				served[n+suffix] = true
			}
		}
	}
	for name, decl := range rareMetrics {
		src, err := os.ReadFile(filepath.Join(root, decl[0]))
		if err != nil || !strings.Contains(string(src), decl[1]) {
			t.Errorf("%s: %s does not declare %s (%v)", name, decl[0], decl[1], err)
		}
		served[name] = true
	}
	alerts := map[string]bool{}
	if len(f.Groups) == 0 {
		t.Fatal("no rule groups")
	}
	for _, g := range f.Groups {
		for _, r := range g.Rules {
			if r.Alert == "" || alerts[r.Alert] {
				t.Errorf("group %s: rule without a unique alert name: %q", g.Name, r.Alert)
			}
			alerts[r.Alert] = true
			if r.For != "" && !duration.MatchString(r.For) {
				t.Errorf("%s: for %q is not a duration", r.Alert, r.For)
			}
			if !slices.Contains([]string{"page", "ticket", "info"}, r.Labels["severity"]) {
				t.Errorf("%s: severity %q, want page, ticket or info", r.Alert, r.Labels["severity"])
			}
			if r.Annotations["summary"] == "" {
				t.Errorf("%s: no summary", r.Alert)
			}
			anchor := "alert-" + strings.ToLower(r.Alert)
			if r.Annotations["runbook"] != "docs/runbook.md#"+anchor || !strings.Contains(strings.ToLower(string(runbook)), "### alert: "+strings.ToLower(r.Alert)) {
				t.Errorf("%s: runbook %q; want docs/runbook.md#%s and a heading '### Alert: %s' there", r.Alert, r.Annotations["runbook"], anchor, r.Alert)
			}
			for _, pair := range []string{"()", "{}", "[]"} {
				if strings.Count(r.Expr, pair[:1]) != strings.Count(r.Expr, pair[1:]) {
					t.Errorf("%s: unbalanced %s in %q", r.Alert, pair, r.Expr)
				}
			}
			ms := metricsOf(r.Expr)
			if len(ms) == 0 {
				t.Errorf("%s: selects no metric: %q", r.Alert, r.Expr)
			}
			for _, m := range ms {
				if !served[m] && !regexp.MustCompile(`^[0-9.e]+$`).MatchString(m) {
					t.Errorf("%s: uses %s, which no process serves", r.Alert, m)
				}
			}
		}
	}
	for _, want := range []string{"DeadLettersGrowing", "ConsumerLagging", "JobsFailing", "CacheNotWorking"} {
		if !alerts[want] {
			t.Errorf("no alert %s", want)
		}
	}
}

// TestMetricsOf: the extraction finds the metrics and nothing else.
func TestMetricsOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want []string
	}{
		{`sum by (consumer) (increase(events_handled_total{outcome="dead_letter"}[15m])) > 0`, []string{"events_handled_total"}},
		{`a_total / (b_total + c{x=~"y|z"}) < 0.2 and d > 1`, []string{"a_total", "b_total", "c", "d"}},
		{`up == 0`, []string{"up"}},
	}
	for _, tt := range tests {
		got := metricsOf(tt.in)
		got = slices.DeleteFunc(got, func(s string) bool { return regexp.MustCompile(`^[0-9.e]+$`).MatchString(s) })
		if !slices.Equal(got, tt.want) {
			t.Errorf("metricsOf(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}
