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
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
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

// tree indexes a trace's spans by id, with each span's service.
type tree struct {
	t       jTrace
	byID    map[string]jSpan
	kids    map[string][]jSpan
	service map[string]string // span id -> service.name
}

func newTree(t jTrace) *tree {
	tr := &tree{t: t, byID: map[string]jSpan{}, kids: map[string][]jSpan{}, service: map[string]string{}}
	for _, s := range t.Spans {
		tr.byID[s.SpanID] = s
		tr.service[s.SpanID] = t.Processes[s.ProcessID].ServiceName
	}
	for _, s := range t.Spans {
		if p := s.parent(); p != "" {
			tr.kids[p] = append(tr.kids[p], s)
		}
	}
	return tr
}

// roots are the spans whose parent is not in the trace.
func (tr *tree) roots() []jSpan {
	var out []jSpan
	for _, s := range tr.t.Spans {
		if _, ok := tr.byID[s.parent()]; !ok {
			out = append(out, s)
		}
	}
	return out
}

// named returns the spans with the operation name.
func (tr *tree) named(name string) []jSpan {
	var out []jSpan
	for _, s := range tr.t.Spans {
		if s.OperationName == name {
			out = append(out, s)
		}
	}
	return out
}

// under reports whether ancestor is s or one of its ancestors.
func (tr *tree) under(s jSpan, ancestor string) bool {
	for seen := 0; seen <= len(tr.byID); seen++ {
		if s.SpanID == ancestor {
			return true
		}
		p, ok := tr.byID[s.parent()]
		if !ok {
			return false
		}
		s = p
	}
	return false
}

// String renders the trace as an indented tree, "service: operation".
func (tr *tree) String() string {
	var b strings.Builder
	var walk func(ss []jSpan, depth int)
	walk = func(ss []jSpan, depth int) {
		sort.Slice(ss, func(i, j int) bool { return ss[i].StartTime < ss[j].StartTime })
		for k, s := range ss {
			if k == 12 && len(ss) > 14 {
				// Hundreds of sibling publishes say nothing more.
				fmt.Fprintf(&b, "%s... %d more\n", strings.Repeat("  ", depth), len(ss)-k)
				return
			}
			fmt.Fprintf(&b, "%s%s: %s\n", strings.Repeat("  ", depth), tr.service[s.SpanID], s.OperationName)
			walk(tr.kids[s.SpanID], depth+1)
		}
	}
	walk(tr.roots(), 0)
	return b.String()
}
