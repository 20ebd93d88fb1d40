package telemetry

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestSDKComplaintsAreJSONLogLines: with OTEL_EXPORTER_OTLP_ENDPOINT in the
// bare form the README's table shows (localhost:4317, which Setup takes as
// plain text), the OTLP exporters' own reading of the variable complained
// on stderr, past the JSON log: `2026/12/06 20:30:28 internal_logging.go:50:
// "msg"="parse url" "error"=...`, twice at every start, with no service
// and as text a log pipeline cannot parse (found from outside, ADR 0227;
// the same rule as ADR 0126's pool line). The SDK's own lines now go to
// the process's JSON log, with its service, at warning level at most: an
// exporter's complaint never fails a request.
func TestSDKComplaintsAreJSONLogLines(t *testing.T) {
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "127.0.0.1:1")
	var logs bytes.Buffer
	tel, err := Setup(context.Background(), Config{ServiceName: "sdklog", OTLPEndpoint: "127.0.0.1:1", LogWriter: &logs})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_ = tel.Shutdown(ctx) // nothing listens on port 1: the flush fails, and is not what this test checks

	var parse []map[string]any
	for line := range strings.SplitSeq(strings.TrimSpace(logs.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Errorf("a log line is not JSON: %q", line)
			continue
		}
		if m["msg"] == "parse url" {
			parse = append(parse, m)
		}
	}
	if len(parse) == 0 {
		t.Fatalf("the exporters' complaint about the bare endpoint is not in the JSON log; it held %q", logs.String())
	}
	for _, m := range parse {
		if m["service"] != "sdklog" || m["level"] != "WARN" {
			t.Errorf("the SDK's line %v: want service sdklog at level WARN", m)
		}
	}
}
