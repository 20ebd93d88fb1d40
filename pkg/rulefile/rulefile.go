// Package rulefile loads a programme's rules as configuration: one
// versioned YAML file per organisation plus a default, validated at load
// with the file, line and field of every mistake, all reported at once.
//
// A programme supplies only its rule type and a Parse function that walks
// the YAML tree with a Loader (Mapping, Str, Int, Bool, OneOf, Enum, Version,
// Schedule) and checks what spans fields; LoadDir, Set and LoadError are the
// same for every programme, so a coordinator's mistake reads the same in
// mentoring, dinners and guides (ADR 0037).
package rulefile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/motesplats/motesplats/pkg/ids"
)

// LoadError is one mistake in a rules file: where it is (file and line),
// which field (dotted path, "" for the file as a whole) and what is wrong.
// A load that finds several mistakes returns them joined (errors.Join), so
// errors.As finds the first.
type LoadError struct {
	File  string
	Line  int
	Field string
	Msg   string
}

// Error formats the mistake as "file:line: field: message", the form
// editors jump to.
func (e *LoadError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s:%d: %s: %s", e.File, e.Line, e.Field, e.Msg)
}

// Set is the rules of every organisation with a file of its own, plus the
// default for the others, so a job asks one place for an organisation's
// rules.
type Set[T any] struct {
	Default *T
	ByOrg   map[string]*T
}

// For returns the rules of organisation org, or the default when org has
// no file ("" is the default).
func (s *Set[T]) For(org string) *T {
	if r, ok := s.ByOrg[org]; ok {
		return r
	}
	return s.Default
}

// Orgs returns the organisations with a file of their own, sorted, so
// schedules run in a stable order.
func (s *Set[T]) Orgs() []string {
	out := make([]string, 0, len(s.ByOrg))
	for o := range s.ByOrg {
		out = append(out, o)
	}
	sort.Strings(out)
	return out
}

// ParseFunc reads one rules file; file names it in errors.
type ParseFunc[T any] func(file string, data []byte) (*T, error)

// LoadDir loads the built-in default (defaultYAML) and every
// "<organisation id>.yaml" (or .yml) in dir; dir "" gives the default only.
// A "default.yaml" in dir replaces the built-in default. Every mistake in
// every file is reported, joined; a file name that is not an organisation
// id is one. what names the package in errors that are not about a line
// ("rules", "eligibility").
func LoadDir[T any](what, dir string, defaultYAML []byte, parse ParseFunc[T]) (*Set[T], error) {
	def, err := parse("built-in default.yaml", defaultYAML)
	if err != nil {
		return nil, err
	}
	s := &Set[T]{Default: def, ByOrg: map[string]*T{}}
	if dir == "" {
		return s, nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	var errs []error
	for _, e := range entries {
		name, ext := e.Name(), filepath.Ext(e.Name())
		if e.IsDir() || (ext != ".yaml" && ext != ".yml") {
			continue
		}
		path := filepath.Join(dir, name)
		raw, err := os.ReadFile(path)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", what, err))
			continue
		}
		r, err := parse(path, raw)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		switch org := strings.TrimSuffix(name, ext); {
		case org == "default":
			s.Default = r
		case !ids.Valid(org):
			errs = append(errs, &LoadError{File: path, Line: 1, Msg: "file name must be <organisation id>.yaml"})
		default:
			s.ByOrg[org] = r
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return s, nil
}

// Decode parses data as YAML and returns its root node and a Loader for
// file. A syntax error or an empty file is a *LoadError with the line the
// YAML parser names (1 when it names none).
func Decode(file string, data []byte) (*Loader, *yaml.Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		line := 1
		if _, e := fmt.Sscanf(msg, "line %d:", &line); e != nil {
			line = 1
		}
		return nil, nil, &LoadError{File: file, Line: line, Msg: msg}
	}
	if len(doc.Content) == 0 {
		return nil, nil, &LoadError{File: file, Line: 1, Msg: "empty file"}
	}
	return &Loader{file: file}, doc.Content[0], nil
}
