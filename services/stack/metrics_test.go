package main

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// TestStack_OneMetricsEndpoint: the one-process stack serves one /metrics
// for everything in it, announced at start-up, with the services' gRPC
// instruments and the stores' outbox gauges in it.
func TestStack_OneMetricsEndpoint(t *testing.T) {
	_, out, _ := startStack(t, testConfig(t, t.TempDir()))
	m := regexp.MustCompile(`metrics\s+(http://\S+/metrics)`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("start-up output names no metrics endpoint:\n%s", out.String())
	}
	res, err := http.Get(m[1])
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", m[1], res.Status)
	}
	for _, want := range []string{"store_outbox_backlog{", `bucket="participants"`, `bucket="volunteers"`, "go_goroutines "} {
		if !strings.Contains(string(body), want) {
			t.Errorf("%s lacks %q", m[1], want)
		}
	}
}
