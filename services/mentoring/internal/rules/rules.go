// Package rules is the Mentor till mentor programme's rule set as
// configuration: one versioned YAML file per organisation, validated at
// load with the file, line and field of every mistake, and turned into the
// matching engine's rules. The rules are pure functions of the two people,
// table-tested without any infrastructure.
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

// Gender policies.
const (
	GenderSame           = "same"            // always the same gender
	GenderAny            = "any"             // gender plays no part
	GenderNewcomerChoice = "newcomer_choice" // the same gender when the newcomer asks for it
)

// Family policies: whether newcomer families are paired with mentors who
// have a family too.
const (
	FamiliesRequire = "require" // a family only with a family
	FamiliesPrefer  = "prefer"  // family weight points when both are families
	FamiliesIgnore  = "ignore"
)

// Areas: how near a mentor must live.
const (
	AreaMunicipality = "municipality"
	AreaCounty       = "county"
	AreaAny          = "any"
)

// Weights are the points each rule gives a pair.
type Weights struct {
	Base         int `json:"base"`
	Swedish      int `json:"swedish"`
	Language     int `json:"language"`
	Municipality int `json:"municipality"`
	County       int `json:"county"`
	Interests    int `json:"interests"`
	MaxInterests int `json:"max_interests"`
	Family       int `json:"family"`
	AgeBand      int `json:"age_band"`
}

// Rules is one organisation's rule set.
type Rules struct {
	// Version names this edition of the rules; jobs and pairs record it.
	Version string `json:"version"`
	// SwedishMinLevel is the newcomer's Swedish level from which Swedish
	// counts as a shared language (every mentor speaks Swedish).
	SwedishMinLevel typev1.SwedishLevel `json:"swedish_min_level"`
	// OtherMinLevel is the level both must have in another language for it
	// to count as shared.
	OtherMinLevel typev1.LanguageLevel `json:"other_min_level"`
	Gender        string               `json:"gender"`
	Families      string               `json:"families"`
	Area          string               `json:"area"`
	Weights       Weights              `json:"weights"`
	// MenteeSlots caps how many newcomers one mentor has at a time, below
	// what the volunteer offers.
	MenteeSlots int `json:"mentee_slots"`
	// TermMonths is how long a pair is planned to last.
	TermMonths int `json:"term_months"`
	// OfferExpiryDays is how long both have to accept an offer.
	OfferExpiryDays int `json:"offer_expiry_days"`
	// FollowUpWeeks flags active pairs without a check-in for this long.
	FollowUpWeeks int `json:"follow_up_weeks"`
	// ScheduleEvery runs a job for ScheduleMunicipalities this often (0:
	// never; jobs are started by coordinators only).
	ScheduleEvery          time.Duration `json:"schedule_every"`
	ScheduleMunicipalities []string      `json:"schedule_municipalities,omitempty"`
}

// OfferTTL is how long an offer stays open.
func (r *Rules) OfferTTL() time.Duration { return time.Duration(r.OfferExpiryDays) * 24 * time.Hour }

// FollowUp is how long an active pair may go without a check-in.
func (r *Rules) FollowUp() time.Duration { return time.Duration(r.FollowUpWeeks) * 7 * 24 * time.Hour }

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
// dir (dir may be empty: the default only). A "default.yaml" in dir
// replaces the built-in default. Every mistake in every file is reported,
// each with its file, line and field.
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
		if org == "default" {
			s.Default = r
			continue
		}
		if !ids.Valid(org) {
			errs = append(errs, &LoadError{File: path, Line: 1, Msg: "file name must be <organisation id>.yaml"})
			continue
		}
		s.ByOrg[org] = r
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
	l := &loader{file: file}
	r := &Rules{}
	if len(doc.Content) == 0 {
		return nil, &LoadError{File: file, Line: 1, Msg: "empty file"}
	}
	root := doc.Content[0]
	l.mapping(root, "", map[string]func(*yaml.Node, string){
		"version": func(n *yaml.Node, f string) {
			r.Version = l.str(n, f)
			if r.Version == "" || len(r.Version) > 32 || !ids.Valid(r.Version) {
				l.errorf(n, f, "must be 1 to 32 letters, digits, '-' or '_'")
			}
		},
		"language": func(n *yaml.Node, f string) {
			l.mapping(n, f, map[string]func(*yaml.Node, string){
				"swedish_min_level": func(n *yaml.Node, f string) {
					r.SwedishMinLevel = typev1.SwedishLevel(l.enum(n, f, "SWEDISH_LEVEL_", typev1.SwedishLevel_value))
				},
				"other_min_level": func(n *yaml.Node, f string) {
					r.OtherMinLevel = typev1.LanguageLevel(l.enum(n, f, "LANGUAGE_LEVEL_", typev1.LanguageLevel_value))
				},
			}, "swedish_min_level", "other_min_level")
		},
		"gender": func(n *yaml.Node, f string) {
			r.Gender = l.oneOf(n, f, GenderSame, GenderAny, GenderNewcomerChoice)
		},
		"families_with_families": func(n *yaml.Node, f string) {
			r.Families = l.oneOf(n, f, FamiliesRequire, FamiliesPrefer, FamiliesIgnore)
		},
		"area": func(n *yaml.Node, f string) {
			r.Area = l.oneOf(n, f, AreaMunicipality, AreaCounty, AreaAny)
		},
		"weights": func(n *yaml.Node, f string) {
			w := &r.Weights
			field := func(dst *int, lo, hi int) func(*yaml.Node, string) {
				return func(n *yaml.Node, f string) { *dst = l.int(n, f, lo, hi) }
			}
			l.mapping(n, f, map[string]func(*yaml.Node, string){
				"base":          field(&w.Base, 0, 1000),
				"swedish":       field(&w.Swedish, 0, 1000),
				"language":      field(&w.Language, 0, 1000),
				"municipality":  field(&w.Municipality, 0, 1000),
				"county":        field(&w.County, 0, 1000),
				"interests":     field(&w.Interests, 0, 1000),
				"max_interests": field(&w.MaxInterests, 0, 20),
				"family":        field(&w.Family, 0, 1000),
				"age_band":      field(&w.AgeBand, 0, 1000),
			})
		},
		"mentee_slots":      func(n *yaml.Node, f string) { r.MenteeSlots = l.int(n, f, 1, 20) },
		"term_months":       func(n *yaml.Node, f string) { r.TermMonths = l.int(n, f, 1, 36) },
		"offer_expiry_days": func(n *yaml.Node, f string) { r.OfferExpiryDays = l.int(n, f, 1, 90) },
		"follow_up_weeks":   func(n *yaml.Node, f string) { r.FollowUpWeeks = l.int(n, f, 1, 52) },
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
						code := l.str(c, fmt.Sprintf("%s[%d]", f, k))
						if !municipality.Valid(code) {
							l.errorf(c, fmt.Sprintf("%s[%d]", f, k), "is not an SCB municipality code (four digits, quoted)")
							continue
						}
						r.ScheduleMunicipalities = append(r.ScheduleMunicipalities, code)
					}
				},
			}, "every", "municipalities")
		},
	}, "version", "language", "gender", "families_with_families", "area", "weights",
		"mentee_slots", "term_months", "offer_expiry_days", "follow_up_weeks")
	if len(l.errs) > 0 {
		return nil, errors.Join(l.errs...)
	}
	if r.Weights.Base+r.Weights.Swedish+r.Weights.Language+r.Weights.Municipality+r.Weights.County+
		r.Weights.Interests+r.Weights.Family+r.Weights.AgeBand == 0 {
		return nil, &LoadError{File: file, Line: root.Line, Field: "weights", Msg: "at least one weight must be above 0"}
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

func join(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

// mapping decodes a mapping node: each key goes to its field function;
// unknown, repeated and missing required keys are errors.
func (l *loader) mapping(n *yaml.Node, field string, fields map[string]func(*yaml.Node, string), required ...string) {
	if n.Kind != yaml.MappingNode {
		l.errorf(n, field, "must be a mapping of keys to values")
		return
	}
	seen := map[string]bool{}
	for k := 0; k+1 < len(n.Content); k += 2 {
		key, val := n.Content[k], n.Content[k+1]
		f := join(field, key.Value)
		fn, ok := fields[key.Value]
		switch {
		case !ok:
			known := make([]string, 0, len(fields))
			for name := range fields {
				known = append(known, name)
			}
			slices.Sort(known)
			l.errorf(key, f, "unknown field (known: %s)", strings.Join(known, ", "))
		case seen[key.Value]:
			l.errorf(key, f, "given twice")
		default:
			seen[key.Value] = true
			fn(val, f)
		}
	}
	for _, name := range required {
		if !seen[name] {
			l.errorf(n, join(field, name), "is required")
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

func (l *loader) oneOf(n *yaml.Node, field string, allowed ...string) string {
	s := l.str(n, field)
	if !slices.Contains(allowed, s) {
		l.errorf(n, field, "must be one of %s", strings.Join(allowed, ", "))
		return ""
	}
	return s
}

// enum reads a lower-case enum name without its prefix ("sfi_c" for
// SWEDISH_LEVEL_SFI_C).
func (l *loader) enum(n *yaml.Node, field, prefix string, values map[string]int32) int32 {
	s := l.str(n, field)
	v, ok := values[prefix+strings.ToUpper(s)]
	if !ok || v == 0 {
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
	return v
}
