package main

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1/gatewayv1connect"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestEdge_SpansNameNoClient: the gateway's request spans keep nothing that
// names the person behind a request. A coordinator signing in, a script
// asking for an API token and a newcomer opening an answer link, each
// through a proxy that says who they are (X-Forwarded-For, Forwarded) and
// from a browser of their own, leave no client address, peer address or
// User-Agent in any span of the stack. Outside round s47 (ADR 0260) found
// otelhttp's client.address (taken from X-Forwarded-For even with no
// trusted proxy), network.peer.address and user_agent.original on every
// gateway span in Jaeger under make up.
func TestEdge_SpansNameNoClient(t *testing.T) {
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

// TestEdge_TakesNoTraceContextFromOutside: a trace context sent to the
// gateway from outside (traceparent, tracestate, baggage) is not taken
// up. Before, the global propagator extracted all three: an admin's
// CreateOrganisation sent with a baggage "email=..." and a tracestate kept
// both, in clear, in the organisation's record (its outbox trace) and in
// the event's headers in the VOLUNTEERS stream, for as long as the stream
// keeps it and beyond any erasure; and the request joined the trace id its
// sender chose. Outside round s47 (ADR 0260).
func TestEdge_TakesNoTraceContextFromOutside(t *testing.T) {
	spans := tracetest.NewInMemoryExporter()
	dir := t.TempDir()
	cfg := testConfig(t, dir)
	cfg.spans, cfg.logs = spans, &testutil.LogBuffer{}
	const adminEmail, adminPassword = "admin@example.org", "a long enough password"
	cfg.Gateway.AdminEmail, cfg.Gateway.AdminPassword = adminEmail, adminPassword
	l, _, _ := startStack(t, cfg)
	base := "http://" + l.Addr("gateway")
	var signedIn struct{ Token string }
	post(t, base, gatewayv1connect.ApiTokenServiceCreateApiTokenProcedure, "",
		map[string]any{"email": adminEmail, "password": adminPassword}, &signedIn)

	const (
		traceID  = "4bf92f3577b34da6a3ce929d0e0e4736"
		state    = "zxqtracestates47"
		baggage  = "zxqbaggages47"
		bagEmail = "zxqbagmails47"
	)
	req, err := http.NewRequest(http.MethodPost, base+gatewayv1connect.RegistryServiceCreateOrganisationProcedure,
		strings.NewReader(`{"requestId":"edge-1","organisation":{"name":"Kantens förening","type":"ORGANISATION_TYPE_ASSOCIATION","municipalityCodes":["0880"]}}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+signedIn.Token)
	req.Header.Set("Traceparent", "00-"+traceID+"-00f067aa0ba902b7-01")
	req.Header.Set("Tracestate", "vendor="+state)
	req.Header.Set("Baggage", "planted="+baggage+",email="+bagEmail+"%40example.org")
	res, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	_ = res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), "Kantens förening") {
		t.Fatalf("CreateOrganisation: %d %s", res.StatusCode, body)
	}

	// The create's write is durable when it answers (the store syncs
	// every write); its event's publish may follow: look for a while.
	found := markersOnDisk(t, dir, state, baggage, bagEmail)
	for _, f := range found {
		t.Errorf("the outside's trace context is kept on disk: %s", f)
	}
	for _, s := range spans.GetSpans() {
		if s.SpanContext.TraceID().String() == traceID {
			t.Errorf("span %q joined the trace id the request's sender chose", s.Name)
		}
		if ts := s.SpanContext.TraceState().String(); strings.Contains(ts, state) {
			t.Errorf("span %q carries the sender's tracestate %q", s.Name, ts)
		}
	}
}

// markersOnDisk returns where under dir any marker lies in a file's raw
// bytes, looking again for up to 3 s while none is found (an event's
// publish may follow its write's answer).
func markersOnDisk(t *testing.T, dir string, markers ...string) []string {
	t.Helper()
	var found []string
	for deadline := time.Now().Add(3 * time.Second); len(found) == 0 && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			raw, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, m := range markers {
				if bytes.Contains(raw, []byte(m)) {
					found = append(found, m+" in "+strings.TrimPrefix(path, dir))
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return found
}
