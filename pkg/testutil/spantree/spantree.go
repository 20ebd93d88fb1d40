// Package spantree gives trace tests one view of a finished trace,
// whatever the spans came from: the OTel SDK's in-memory exporter (the
// stack's one-process test, FromOTel) or a receiver's query API (Jaeger in
// deploy/ops). Both tests ask the same questions (which spans have no
// parent in the trace, is this span below that one, what handled this
// publish) and print the same indented tree when an assertion fails, so
// the answers live here once rather than in two copies that drift.
package spantree

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// Span is one span of a trace, reduced to what trace tests look at.
type Span struct {
	// ID and Parent are the span's and its parent's ids in hex; Parent
	// is "" for a span that started its trace.
	ID, Parent string
	// Name is the span's (operation) name.
	Name string
	// Service is the exporting process's service.name, "" when the
	// source does not say.
	Service string
	// Kind is "server", "client", "producer", "consumer" or "internal".
	Kind string
	// Start orders siblings in String.
	Start time.Time
	// Attrs are the span's attributes (a receiver's tags) as text.
	Attrs map[string]string
}

// Attr returns the attribute key as text, "" when the span has none.
func (s Span) Attr(key string) string { return s.Attrs[key] }

// Tree is one trace's spans indexed by id and by parent.
type Tree struct {
	spans []Span
	byID  map[string]Span
	kids  map[string][]Span
}

// New indexes spans, all of one trace.
func New(spans []Span) *Tree {
	t := &Tree{spans: spans, byID: make(map[string]Span, len(spans)), kids: map[string][]Span{}}
	for _, s := range spans {
		t.byID[s.ID] = s
	}
	for _, s := range spans {
		if s.Parent != "" {
			t.kids[s.Parent] = append(t.kids[s.Parent], s)
		}
	}
	return t
}

// Spans returns every span of the trace.
func (t *Tree) Spans() []Span { return t.spans }

// Len is the number of spans.
func (t *Tree) Len() int { return len(t.spans) }

// Span returns the span with id, and whether the trace holds it.
func (t *Tree) Span(id string) (Span, bool) {
	s, ok := t.byID[id]
	return s, ok
}

// Kids returns the spans whose parent is id.
func (t *Tree) Kids(id string) []Span { return t.kids[id] }

// Roots are the spans whose parent is not in the trace: one, the
// request's, when the trace is whole.
func (t *Tree) Roots() []Span {
	var out []Span
	for _, s := range t.spans {
		if _, ok := t.byID[s.Parent]; !ok {
			out = append(out, s)
		}
	}
	return out
}

// Named returns the spans called name.
func (t *Tree) Named(name string) []Span {
	var out []Span
	for _, s := range t.spans {
		if s.Name == name {
			out = append(out, s)
		}
	}
	return out
}

// Count returns how many spans carry each name.
func (t *Tree) Count() map[string]int {
	n := map[string]int{}
	for _, s := range t.spans {
		n[s.Name]++
	}
	return n
}

// Under reports whether the span with id ancestor is s or one of its
// ancestors in the trace. A cycle (a broken exporter) ends the walk.
func (t *Tree) Under(s Span, ancestor string) bool {
	for seen := 0; seen <= len(t.byID); seen++ {
		if s.ID == ancestor {
			return true
		}
		p, ok := t.byID[s.Parent]
		if !ok {
			return false
		}
		s = p
	}
	return false
}

// String renders the trace as an indented tree, one span a line as
// "service: name (kind)", siblings by start time; past a dozen siblings
// (hundreds of publishes say nothing more) the rest are counted.
func (t *Tree) String() string {
	var b strings.Builder
	var walk func(ss []Span, depth int)
	walk = func(ss []Span, depth int) {
		ss = append([]Span(nil), ss...)
		sort.SliceStable(ss, func(i, j int) bool { return ss[i].Start.Before(ss[j].Start) })
		for k, s := range ss {
			indent := strings.Repeat("  ", depth)
			if k == 12 && len(ss) > 14 {
				fmt.Fprintf(&b, "%s... %d more\n", indent, len(ss)-k)
				return
			}
			b.WriteString(indent)
			if s.Service != "" {
				b.WriteString(s.Service + ": ")
			}
			b.WriteString(s.Name)
			if s.Kind != "" {
				b.WriteString(" (" + s.Kind + ")")
			}
			b.WriteByte('\n')
			walk(t.kids[s.ID], depth+1)
		}
	}
	walk(t.Roots(), 0)
	return b.String()
}

// FromOTel converts the spans of the SDK's in-memory exporter, keeping
// only those of the trace with traceID (hex; all of them when "").
func FromOTel(stubs tracetest.SpanStubs, traceID string) []Span {
	var out []Span
	for _, s := range stubs {
		if traceID != "" && s.SpanContext.TraceID().String() != traceID {
			continue
		}
		sp := Span{ID: s.SpanContext.SpanID().String(), Name: s.Name, Kind: s.SpanKind.String(), Start: s.StartTime,
			Attrs: make(map[string]string, len(s.Attributes))}
		if s.Parent.IsValid() {
			sp.Parent = s.Parent.SpanID().String()
		}
		if s.Resource != nil {
			if v, ok := s.Resource.Set().Value("service.name"); ok {
				sp.Service = v.Emit()
			}
		}
		for _, a := range s.Attributes {
			sp.Attrs[string(a.Key)] = a.Value.Emit()
		}
		out = append(out, sp)
	}
	return out
}
