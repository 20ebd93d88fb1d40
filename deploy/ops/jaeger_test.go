package ops_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/testutil/spantree"
)

var (
	jaegerOnce sync.Once
	jaegerBin  string
	jaegerErr  error
)

// mustJaeger returns the Jaeger all-in-one binary at the version
// deploy/jaeger/go.mod pins: .tmp/bin/jaeger-<version>, built there once
// (`make jaeger` does the same) and reused by every later run, because
// building it takes minutes (docs/adr/0057).
func mustJaeger(t *testing.T) string {
	t.Helper()
	jaegerOnce.Do(func() {
		mod := filepath.Join(root, "deploy", "jaeger")
		b, err := os.ReadFile(filepath.Join(mod, "go.mod"))
		if err != nil {
			jaegerErr = err
			return
		}
		m := regexp.MustCompile(`(?m)^\s*github\.com/jaegertracing/jaeger (v\S+)`).FindSubmatch(b)
		if m == nil {
			jaegerErr = fmt.Errorf("deploy/jaeger/go.mod names no jaeger version")
			return
		}
		jaegerBin = filepath.Join(root, ".tmp", "bin", "jaeger-"+string(m[1]))
		if _, err := os.Stat(jaegerBin); err == nil {
			return
		}
		// Built into a temporary name and renamed, so a concurrent `make
		// jaeger` or an interrupted build never leaves half a binary.
		tmp := jaegerBin + fmt.Sprintf(".%d.tmp", os.Getpid())
		start := time.Now()
		cmd := exec.Command("go", "build", "-o", tmp, "github.com/jaegertracing/jaeger/cmd/jaeger")
		// Its own module outside the workspace: Jaeger's dependencies
		// must not move the services' versions.
		cmd.Dir, cmd.Env = mod, append(os.Environ(), "GOWORK=off")
		if out, err := cmd.CombinedOutput(); err != nil {
			jaegerErr = &buildError{"jaeger", string(out), err}
			return
		}
		t.Logf("built %s in %v", filepath.Base(jaegerBin), time.Since(start).Round(time.Second))
		jaegerErr = os.Rename(tmp, jaegerBin)
	})
	if jaegerErr != nil {
		t.Fatal(jaegerErr)
	}
	return jaegerBin
}

// jTrace is one trace as Jaeger's query API returns it (/api/traces).
type jTrace struct {
	TraceID   string              `json:"traceID"`
	Spans     []jSpan             `json:"spans"`
	Processes map[string]jProcess `json:"processes"`
}

type jProcess struct {
	ServiceName string `json:"serviceName"`
}

type jSpan struct {
	TraceID       string `json:"traceID"`
	SpanID        string `json:"spanID"`
	OperationName string `json:"operationName"`
	References    []struct {
		RefType string `json:"refType"`
		SpanID  string `json:"spanID"`
	} `json:"references"`
	ProcessID string `json:"processID"`
	StartTime int64  `json:"startTime"`
	Tags      []struct {
		Key   string `json:"key"`
		Value any    `json:"value"`
	} `json:"tags"`
}

// parent is the span's parent id, "" for a root.
func (s jSpan) parent() string {
	for _, r := range s.References {
		if r.RefType == "CHILD_OF" {
			return r.SpanID
		}
	}
	return ""
}

// tag is the value of a tag as text, "" when absent.
func (s jSpan) tag(key string) string {
	for _, t := range s.Tags {
		if t.Key == key {
			return fmt.Sprint(t.Value)
		}
	}
	return ""
}

// jaegerGet calls the query API and returns the raw body and the traces.
func jaegerGet(base, path string, q url.Values) ([]byte, []jTrace, error) {
	u := base + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	res, err := (&http.Client{Timeout: 30 * time.Second}).Get(u)
	if err != nil {
		return nil, nil, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, nil, err
	}
	if res.StatusCode != http.StatusOK {
		return raw, nil, fmt.Errorf("GET %s: %s %.300s", u, res.Status, raw)
	}
	var body struct {
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(raw, &body); err != nil {
		return raw, nil, fmt.Errorf("GET %s: %w", u, err)
	}
	var traces []jTrace
	if path == "/api/services" {
		return raw, nil, nil
	}
	if err := json.Unmarshal(body.Data, &traces); err != nil {
		return raw, nil, fmt.Errorf("GET %s: %w", u, err)
	}
	return raw, traces, nil
}

// newTree is a Jaeger trace as the span tree trace tests share: each
// span with its service, kind, start and tags.
func newTree(t jTrace) *spantree.Tree {
	spans := make([]spantree.Span, 0, len(t.Spans))
	for _, s := range t.Spans {
		sp := spantree.Span{ID: s.SpanID, Parent: s.parent(), Name: s.OperationName, Service: t.Processes[s.ProcessID].ServiceName,
			Kind: s.tag("span.kind"), Start: time.UnixMicro(s.StartTime), Attrs: make(map[string]string, len(s.Tags))}
		for _, tag := range s.Tags {
			sp.Attrs[tag.Key] = fmt.Sprint(tag.Value)
		}
		spans = append(spans, sp)
	}
	return spantree.New(spans)
}
