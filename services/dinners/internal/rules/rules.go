// Package rules is the dinner-host programme's rule set as configuration:
// one versioned YAML file per organisation, validated at load with the
// file, line and field of every mistake, and turned into the matching
// engine's rules for (party, dinner) pairs. The rules are pure functions of
// the party and the table, table-tested without any infrastructure.
package rules

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/municipality"
)

// DefaultYAML is the built-in rule set, used for organisations without a
// file of their own; it doubles as the documented example.
//
//go:embed default.yaml
var DefaultYAML []byte

// Areas: how near a host must live.
const (
	AreaMunicipality = "municipality"
	AreaCounty       = "county"
	AreaDistance     = "distance"
	AreaAny          = "any"
)

// Family policies: whether family parties sit at family tables.
const (
	FamiliesRequire = "require"
	FamiliesPrefer  = "prefer"
	FamiliesIgnore  = "ignore"
)

// Weights are the points each rule gives a seating.
type Weights struct {
	Base            int `json:"base"`
	Language        int `json:"language"`
	Municipality    int `json:"municipality"`
	County          int `json:"county"`
	Distance        int `json:"distance"`
	Family          int `json:"family"`
	FirstTime       int `json:"first_time"`
	Waiting         int `json:"waiting"`
	MaxWaitingWeeks int `json:"max_waiting_weeks"`
}

// Rules is one organisation's rule set.
type Rules struct {
	// Version names this edition; jobs and seatings record it.
	Version string `json:"version"`
	// SwedishMinLevel is the guest's level from which Swedish is shared.
	SwedishMinLevel typev1.SwedishLevel `json:"swedish_min_level"`
	Area            string              `json:"area"`
	MaxKm           float64             `json:"max_km"`
	// LargestTable caps a party's size at sign-up.
	LargestTable int `json:"largest_table"`
	// RequireBackgroundCheck keeps hosts without a valid check out.
	RequireBackgroundCheck bool    `json:"require_background_check"`
	SFIClassApart          bool    `json:"sfi_class_apart"`
	Families               string  `json:"families"`
	Weights                Weights `json:"weights"`
	// RSVPDays is how long an invitation stays open, cut to RSVPHoursBefore
	// the dinner.
	RSVPDays        int `json:"rsvp_days"`
	RSVPHoursBefore int `json:"rsvp_hours_before"`
	// LateCancelHours: a guest's cancellation this close to the dinner is
	// late.
	LateCancelHours int `json:"late_cancel_hours"`
	// ScheduleEvery runs a job for ScheduleMunicipalities this often (0:
	// never).
	ScheduleEvery          time.Duration `json:"schedule_every"`
	ScheduleMunicipalities []string      `json:"schedule_municipalities,omitempty"`
}

// RSVPDeadline is when an invitation made at now for a dinner starting at
// start lapses: RSVPDays after now, but no later than RSVPHoursBefore the
// dinner.
func (r *Rules) RSVPDeadline(now, start time.Time) time.Time {
	d := now.Add(time.Duration(r.RSVPDays) * 24 * time.Hour)
	if last := start.Add(-time.Duration(r.RSVPHoursBefore) * time.Hour); last.Before(d) {
		d = last
	}
	return d
}

// LateCancel reports whether a cancellation at now of a dinner starting at
// start is late.
func (r *Rules) LateCancel(now, start time.Time) bool {
	return !now.Before(start.Add(-time.Duration(r.LateCancelHours) * time.Hour))
}

// JSON encodes the rules for a job snapshot.
func (r *Rules) JSON() []byte {
	b, _ := json.Marshal(r) // plain values only: cannot fail
	return b
}

// FromJSON decodes rules stored in a job snapshot.
func FromJSON(b []byte) (*Rules, error) {
	var r Rules
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("rules: decode snapshot: %w", err)
	}
	return &r, nil
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

// Set is the rule sets of every organisation, plus the default.
type Set struct {
	Default *Rules
	ByOrg   map[string]*Rules
}

// For returns the rules of organisation org.
func (s *Set) For(org string) *Rules {
	if r, ok := s.ByOrg[org]; ok {
		return r
	}
	return s.Default
}

// Orgs returns the organisations with their own file, sorted.
func (s *Set) Orgs() []string {
	out := make([]string, 0, len(s.ByOrg))
	for o := range s.ByOrg {
		out = append(out, o)
	}
	sort.Strings(out)
	return out
}

// LoadDir loads the built-in default and every "<organisation id>.yaml" in
// dir (empty: the default only); a "default.yaml" in dir replaces the
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
		return nil, fmt.Errorf("rules: %w", err)
	}
	var errs []error
	for _, e := range entries {
		name := e.Name()
		ext := filepath.Ext(name)
		if e.IsDir() || (ext != ".yaml" && ext != ".yml") {
			continue
		}
		path := filepath.Join(dir, name)
		raw, err := os.ReadFile(path)
		if err != nil {
			errs = append(errs, fmt.Errorf("rules: %w", err))
			continue
		}
		r, err := Parse(path, raw)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		org := strings.TrimSuffix(name, ext)
		switch {
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

// Parse reads one rules file. Unknown fields, wrong types and values out of
// range are errors, all reported at once.
func Parse(file string, data []byte) (*Rules, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, &LoadError{File: file, Line: yamlErrLine(err), Msg: strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	if len(doc.Content) == 0 {
		return nil, &LoadError{File: file, Line: 1, Msg: "empty file"}
	}
	l := &loader{file: file}
	r := &Rules{}
	root := doc.Content[0]
	w := &r.Weights
	field := func(dst *int, lo, hi int) func(*yaml.Node, string) {
		return func(n *yaml.Node, f string) { *dst = l.int(n, f, lo, hi) }
	}
	l.mapping(root, "", map[string]func(*yaml.Node, string){
		"version": func(n *yaml.Node, f string) {
			r.Version = l.str(n, f)
			if r.Version == "" || len(r.Version) > 32 || !ids.Valid(r.Version) {
				l.errorf(n, f, "must be 1 to 32 letters, digits, '-' or '_'")
			}
		},
		"swedish_min_level": func(n *yaml.Node, f string) {
			r.SwedishMinLevel = typev1.SwedishLevel(l.enum(n, f, "SWEDISH_LEVEL_", typev1.SwedishLevel_value))
		},
		"area": func(n *yaml.Node, f string) {
			r.Area = l.oneOf(n, f, AreaMunicipality, AreaCounty, AreaDistance, AreaAny)
		},
		"max_km":        func(n *yaml.Node, f string) { r.MaxKm = float64(l.int(n, f, 1, 500)) },
		"largest_table": field(&r.LargestTable, 1, 30),
		"require_background_check": func(n *yaml.Node, f string) {
			r.RequireBackgroundCheck = l.bool(n, f)
		},
		"sfi_class_apart": func(n *yaml.Node, f string) { r.SFIClassApart = l.bool(n, f) },
		"families_with_families": func(n *yaml.Node, f string) {
			r.Families = l.oneOf(n, f, FamiliesRequire, FamiliesPrefer, FamiliesIgnore)
		},
		"weights": func(n *yaml.Node, f string) {
			l.mapping(n, f, map[string]func(*yaml.Node, string){
				"base":              field(&w.Base, 0, 1000),
				"language":          field(&w.Language, 0, 1000),
				"municipality":      field(&w.Municipality, 0, 1000),
				"county":            field(&w.County, 0, 1000),
				"distance":          field(&w.Distance, 0, 1000),
				"family":            field(&w.Family, 0, 1000),
				"first_time":        field(&w.FirstTime, 0, 1000),
				"waiting":           field(&w.Waiting, 0, 1000),
				"max_waiting_weeks": field(&w.MaxWaitingWeeks, 0, 104),
			}, "base")
		},
		"rsvp_days":         field(&r.RSVPDays, 1, 60),
		"rsvp_hours_before": field(&r.RSVPHoursBefore, 0, 336),
		"late_cancel_hours": field(&r.LateCancelHours, 0, 336),
		"schedule": func(n *yaml.Node, f string) {
			l.mapping(n, f, map[string]func(*yaml.Node, string){
				"every": func(n *yaml.Node, f string) {
					d, err := time.ParseDuration(l.str(n, f))
					if err != nil || d < time.Hour || d > 90*24*time.Hour {
						l.errorf(n, f, "must be a duration from 1h to 2160h, for example 24h")
						return
					}
					r.ScheduleEvery = d
				},
				"municipalities": func(n *yaml.Node, f string) {
					if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
						l.errorf(n, f, "must be a non-empty list of SCB municipality codes")
						return
					}
					for k, c := range n.Content {
						cf := fmt.Sprintf("%s[%d]", f, k)
						if code := l.str(c, cf); municipality.Valid(code) {
							r.ScheduleMunicipalities = append(r.ScheduleMunicipalities, code)
						} else {
							l.errorf(c, cf, "is not an SCB municipality code (four digits, quoted)")
						}
					}
				},
			}, "every", "municipalities")
		},
	}, "version", "swedish_min_level", "area", "largest_table", "weights", "rsvp_days", "rsvp_hours_before", "late_cancel_hours")
	if len(l.errs) > 0 {
		return nil, errors.Join(l.errs...)
	}
	if r.Area == AreaDistance && r.MaxKm == 0 {
		return nil, &LoadError{File: file, Line: root.Line, Field: "max_km", Msg: "is required with area: distance"}
	}
	if r.Families == "" {
		r.Families = FamiliesIgnore
	}
	if w.Base == 0 {
		// Every allowed seating must score at least 1, or the engine drops it.
		return nil, &LoadError{File: file, Line: root.Line, Field: "weights.base", Msg: "must be above 0"}
	}
	return r, nil
}

func yamlErrLine(err error) int {
	var line int
	if _, e := fmt.Sscanf(strings.TrimPrefix(err.Error(), "yaml: "), "line %d:", &line); e == nil {
		return line
	}
	return 1
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
	var v bool
	if n.Kind != yaml.ScalarNode || n.Decode(&v) != nil {
		l.errorf(n, field, "must be true or false")
	}
	return v
}

func (l *loader) oneOf(n *yaml.Node, field string, allowed ...string) string {
	s := l.str(n, field)
	if !slices.Contains(allowed, s) {
		l.errorf(n, field, "must be one of %s", strings.Join(allowed, ", "))
		return ""
	}
	return s
}

// enum reads a lower-case enum name without its prefix ("sfi_b").
func (l *loader) enum(n *yaml.Node, field, prefix string, values map[string]int32) int32 {
	s := l.str(n, field)
	if v, ok := values[prefix+strings.ToUpper(s)]; ok && v != 0 {
		return v
	}
	var names []string
	for name, v := range values {
		if v != 0 {
			names = append(names, strings.ToLower(strings.TrimPrefix(name, prefix)))
		}
	}
	slices.SortFunc(names, func(a, b string) int {
		return int(values[prefix+strings.ToUpper(a)] - values[prefix+strings.ToUpper(b)])
	})
	l.errorf(n, field, "must be one of %s", strings.Join(names, ", "))
	return 0
}
