package server

import "net/http"

// routeMux is the gateway's mux, keeping the patterns it is given in the
// order they are mounted. Go's ServeMux cannot list its routes, and the
// route guard (sweep_public_test.go, ADR 0166) must see exactly what the
// server mounts, not a copy of it that a new route would miss.
type routeMux struct {
	*http.ServeMux
	patterns []string
}

func newRouteMux() *routeMux { return &routeMux{ServeMux: http.NewServeMux()} }

// Handle mounts h at pattern and keeps the pattern.
func (m *routeMux) Handle(pattern string, h http.Handler) {
	m.patterns = append(m.patterns, pattern)
	m.ServeMux.Handle(pattern, h)
}

// HandleFunc mounts f at pattern and keeps the pattern.
func (m *routeMux) HandleFunc(pattern string, f func(http.ResponseWriter, *http.Request)) {
	m.Handle(pattern, http.HandlerFunc(f))
}
