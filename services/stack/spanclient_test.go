package main

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1/gatewayv1connect"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestSpans_NameNoClient: the gateway's request spans keep nothing that
// names the person behind a request. A coordinator signing in, a script
// asking for an API token and a newcomer opening an answer link, each
// through a proxy that says who they are (X-Forwarded-For, Forwarded) and
// from a browser of their own, leave no client address, peer address or
// User-Agent in any span of the stack. Outside round s47 (ADR 0260) found
// otelhttp's client.address (taken from X-Forwarded-For even with no
// trusted proxy), network.peer.address and user_agent.original on every
// gateway span in Jaeger under make up.
func TestSpans_NameNoClient(t *testing.T) {
	spans := tracetest.NewInMemoryExporter()
	cfg := testConfig(t, t.TempDir())
	cfg.spans, cfg.logs = spans, &testutil.LogBuffer{}
	l, _, _ := startStack(t, cfg)
	base := "http://" + l.Addr("gateway")

	const (
		forwarded  = "203.0.113.77"
		forwarded2 = "198.51.100.23"
		agent      = "Mozilla/5.0 (Linux; Android 14; SM-A546B) planted-agent-s47"
	)
	get := func(path string) {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, base+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-Forwarded-For", forwarded)
		req.Header.Set("Forwarded", "for="+forwarded2)
		req.Header.Set("User-Agent", agent)
		res, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = res.Body.Close()
	}
	get("/signin")
	get("/a/v8OgkM8XDILgSTZQ2BiMFn8rwLi2TmodfV64Ma8i0JM") // an answer link of no one
	req, err := http.NewRequest(http.MethodPost, base+gatewayv1connect.ApiTokenServiceCreateApiTokenProcedure,
		strings.NewReader(`{"email":"nobody@example.org","password":"not the password","name":"s47"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-For", forwarded)
	req.Header.Set("User-Agent", agent)
	res, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()

	const otelhttp = "go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	// Each request's server span ends after its answer is written: wait
	// for the three.
	var got tracetest.SpanStubs
	testutil.CheckFor(t, 10*time.Second, 20*time.Millisecond, func() error {
		got = spans.GetSpans()
		n := 0
		for _, s := range got {
			if s.InstrumentationScope.Name == otelhttp {
				n++
			}
		}
		if n < 3 {
			return context.DeadlineExceeded
		}
		return nil
	})
	requests := 0
	for _, s := range got {
		if s.InstrumentationScope.Name == otelhttp {
			requests++
			for _, a := range s.Attributes {
				switch a.Key {
				case "client.address", "network.peer.address", "network.peer.port", "user_agent.original":
					t.Errorf("span %q carries %s=%q", s.Name, a.Key, a.Value.Emit())
				}
			}
		}
		for _, a := range s.Attributes {
			v := a.Value.Emit()
			if strings.Contains(v, forwarded) || strings.Contains(v, forwarded2) || strings.Contains(v, "planted-agent") {
				t.Errorf("span %q (%s) carries the client in %s=%q", s.Name, s.InstrumentationScope.Name, a.Key, v)
			}
		}
	}
	if requests < 3 {
		t.Fatalf("%d request spans of the gateway, want 3: the search saw nothing", requests)
	}
}
