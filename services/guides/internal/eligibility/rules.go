// Package eligibility is the establishment-guide programme's rules as
// configuration: who is entitled to a guide (residence permit, the
// establishment period, the programme, parental leave) with the reason in
// words, and the weights an assignment job scores by. One versioned YAML
// file per organisation or for all, validated at load with the file, line
// and field of every mistake. Everything here is a pure function of the
// facts, the rules and the day, table-tested without infrastructure.
package eligibility

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/motesplats/motesplats/pkg/ids"
)

// DefaultYAML is the built-in rule set, used where no file overrides it;
// it doubles as the documented example.
//
//go:embed default.yaml
var DefaultYAML []byte

// Criteria decide who is entitled. An administrator may change them at run
// time; the change is recorded as an event.
type Criteria struct {
	// RequirePermit: a residence permit date must be recorded.
	RequirePermit bool `json:"require_permit"`
	// EstablishmentMonths is the establishment period after the permit.
	EstablishmentMonths int `json:"establishment_months"`
	// RequireEnrolled: the newcomer must be in the establishment programme.
	RequireEnrolled bool `json:"require_enrolled"`
	// FullTimeLeaveExcludes and PartTimeLeaveExcludes take the right away
	// during parental leave. Both are false by default: parental leave
	// removing the right is the reported cause of the gender gap.
	FullTimeLeaveExcludes bool `json:"full_time_parental_leave_excludes"`
	PartTimeLeaveExcludes bool `json:"part_time_parental_leave_excludes"`
}

// Weights are the points an assignment job gives an assignment.
type Weights struct {
	Base             int  `json:"base"`
	Language         int  `json:"language"`
	Municipality     int  `json:"municipality"`
	WaitingPerMonth  int  `json:"waiting_per_month"`
	MaxWaitingMonths int  `json:"max_waiting_months"`
	OtherMunicipal   bool `json:"other_municipality"`
}

// Rules is one rule set.
type Rules struct {
	// Version names the edition of the file; Digest (Version plus a hash
	// of the content) is what jobs and eligibility record, so a run-time
	// change of the criteria gives a new version.
	Version    string   `json:"version"`
	Criteria   Criteria `json:"eligibility"`
	Assignment Weights  `json:"assignment"`
}

// Digest is the rules' version as recorded: the file version and a short
// hash of every setting.
func (r *Rules) Digest() string {
	b, _ := json.Marshal(r) // plain values only: cannot fail
	sum := sha256.Sum256(b)
	return r.Version + "-" + hex.EncodeToString(sum[:4])
}

// Settings lists the criteria as "key=value" pairs for the change event.
func (c Criteria) Settings() []string {
	return []string{
		fmt.Sprintf("require_permit=%t", c.RequirePermit),
		fmt.Sprintf("establishment_months=%d", c.EstablishmentMonths),
		fmt.Sprintf("require_enrolled=%t", c.RequireEnrolled),
		fmt.Sprintf("full_time_parental_leave_excludes=%t", c.FullTimeLeaveExcludes),
		fmt.Sprintf("part_time_parental_leave_excludes=%t", c.PartTimeLeaveExcludes),
	}
}

// Validate checks criteria set at run time; it returns the offending field
// and why, or "" when they are fine.
func (c Criteria) Validate() (field, msg string) {
	if c.EstablishmentMonths < 1 || c.EstablishmentMonths > 60 {
		return "establishment_months", "must be from 1 to 60"
	}
	return "", ""
}

// LoadError is one mistake in a rules file.
type LoadError struct {
	File  string
	Line  int
	Field string
	Msg   string
}

func (e *LoadError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s:%d: %s: %s", e.File, e.Line, e.Field, e.Msg)
}

// Set is the rules of every organisation with a file, plus the default.
type Set struct {
	Default *Rules
	ByOrg   map[string]*Rules
}

// For returns the rules of organisation org ("" is the default).
func (s *Set) For(org string) *Rules {
	if r, ok := s.ByOrg[org]; ok {
		return r
	}
	return s.Default
}

// LoadDir loads the built-in default and every "<organisation id>.yaml"
// in dir (empty: the default only); a "default.yaml" there replaces the
// built-in one. Every mistake in every file is reported.
func LoadDir(dir string) (*Set, error) {
	def, err := Parse("built-in default.yaml", DefaultYAML)
	if err != nil {
		return nil, err
	}
	s := &Set{Default: def, ByOrg: map[string]*Rules{}}
	if dir == "" {
		return s, nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("eligibility: %w", err)
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
			errs = append(errs, fmt.Errorf("eligibility: %w", err))
			continue
		}
		r, err := Parse(path, raw)
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

// Parse reads one rules file. Unknown fields, wrong types, values out of
// range and missing fields are errors, all reported at once.
func Parse(file string, data []byte) (*Rules, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		line := 1
		fmt.Sscanf(strings.TrimPrefix(err.Error(), "yaml: "), "line %d:", &line) //nolint:errcheck // line stays 1 when absent
		return nil, &LoadError{File: file, Line: line, Msg: strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	if len(doc.Content) == 0 {
		return nil, &LoadError{File: file, Line: 1, Msg: "empty file"}
	}
	l := &loader{file: file}
	r := &Rules{}
	c, w := &r.Criteria, &r.Assignment
	l.mapping(doc.Content[0], "", map[string]func(*yaml.Node, string){
		"version": func(n *yaml.Node, f string) {
			r.Version = l.str(n, f)
			if r.Version == "" || len(r.Version) > 32 || !ids.Valid(r.Version) {
				l.errorf(n, f, "must be 1 to 32 letters, digits, '-' or '_'")
			}
		},
		"eligibility": func(n *yaml.Node, f string) {
			l.mapping(n, f, map[string]func(*yaml.Node, string){
				"require_permit":                    func(n *yaml.Node, f string) { c.RequirePermit = l.bool(n, f) },
				"establishment_months":              func(n *yaml.Node, f string) { c.EstablishmentMonths = l.int(n, f, 1, 60) },
				"require_enrolled":                  func(n *yaml.Node, f string) { c.RequireEnrolled = l.bool(n, f) },
				"full_time_parental_leave_excludes": func(n *yaml.Node, f string) { c.FullTimeLeaveExcludes = l.bool(n, f) },
				"part_time_parental_leave_excludes": func(n *yaml.Node, f string) { c.PartTimeLeaveExcludes = l.bool(n, f) },
			}, "require_permit", "establishment_months", "require_enrolled",
				"full_time_parental_leave_excludes", "part_time_parental_leave_excludes")
		},
		"assignment": func(n *yaml.Node, f string) {
			points := func(dst *int, hi int) func(*yaml.Node, string) {
				return func(n *yaml.Node, f string) { *dst = l.int(n, f, 0, hi) }
			}
			l.mapping(n, f, map[string]func(*yaml.Node, string){
				"base":               points(&w.Base, 10000),
				"language":           points(&w.Language, 10000),
				"municipality":       points(&w.Municipality, 10000),
				"waiting_per_month":  points(&w.WaitingPerMonth, 1000),
				"max_waiting_months": points(&w.MaxWaitingMonths, 120),
				"other_municipality": func(n *yaml.Node, f string) { w.OtherMunicipal = l.bool(n, f) },
			}, "base", "language", "municipality", "waiting_per_month", "max_waiting_months", "other_municipality")
		},
	}, "version", "eligibility", "assignment")
	if len(l.errs) > 0 {
		return nil, errors.Join(l.errs...)
	}
	if w.Base < 1 {
		return nil, &LoadError{File: file, Line: doc.Content[0].Line, Field: "assignment.base", Msg: "must be at least 1 so every allowed assignment counts"}
	}
	return r, nil
}

// loader walks a YAML tree, collecting every mistake with its line.
type loader struct {
	file string
	errs []error
}

func (l *loader) errorf(n *yaml.Node, field, format string, args ...any) {
	l.errs = append(l.errs, &LoadError{File: l.file, Line: n.Line, Field: field, Msg: fmt.Sprintf(format, args...)})
}

// mapping decodes a mapping node: each key goes to its field function;
// unknown, repeated and missing required keys are errors.
func (l *loader) mapping(n *yaml.Node, field string, fields map[string]func(*yaml.Node, string), required ...string) {
	if n.Kind != yaml.MappingNode {
		l.errorf(n, field, "must be a mapping of keys to values")
		return
	}
	join := func(key string) string {
		if field == "" {
			return key
		}
		return field + "." + key
	}
	seen := map[string]bool{}
	for k := 0; k+1 < len(n.Content); k += 2 {
		key, val := n.Content[k], n.Content[k+1]
		fn, ok := fields[key.Value]
		switch {
		case !ok:
			known := make([]string, 0, len(fields))
			for name := range fields {
				known = append(known, name)
			}
			slices.Sort(known)
			l.errorf(key, join(key.Value), "unknown field (known: %s)", strings.Join(known, ", "))
		case seen[key.Value]:
			l.errorf(key, join(key.Value), "given twice")
		default:
			seen[key.Value] = true
			fn(val, join(key.Value))
		}
	}
	for _, name := range required {
		if !seen[name] {
			l.errorf(n, join(name), "is required")
		}
	}
}

func (l *loader) str(n *yaml.Node, field string) string {
	if n.Kind != yaml.ScalarNode {
		l.errorf(n, field, "must be a single value")
		return ""
	}
	return n.Value
}

func (l *loader) int(n *yaml.Node, field string, lo, hi int) int {
	var v int
	if n.Kind != yaml.ScalarNode || n.Decode(&v) != nil || v < lo || v > hi {
		l.errorf(n, field, "must be a whole number from %d to %d", lo, hi)
		return 0
	}
	return v
}

func (l *loader) bool(n *yaml.Node, field string) bool {
	if n.Kind != yaml.ScalarNode || (n.Value != "true" && n.Value != "false") {
		l.errorf(n, field, "must be true or false")
		return false
	}
	return n.Value == "true"
}
