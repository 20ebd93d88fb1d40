// Package rules is the dinner-host programme's rule set as configuration:
// one versioned YAML file per organisation, validated at load with the
// file, line and field of every mistake, and turned into the matching
// engine's rules for (party, dinner) pairs. The rules are pure functions of
// the party and the table, table-tested without any infrastructure.
package rules

import (
	_ "embed"
	"time"

	"gopkg.in/yaml.v3"

	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/report"
	"github.com/motesplats/motesplats/pkg/rulefile"
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
// start lapses: at the end of the day (Stockholm) RSVPDays after now, as
// people read "svara senast <day>" (ADR 0148), but no later than
// RSVPHoursBefore the dinner.
func (r *Rules) RSVPDeadline(now, start time.Time) time.Time {
	d := report.EndOfDayAfter(now, r.RSVPDays)
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
func (r *Rules) JSON() []byte { return rulefile.JSON(r) }

// FromJSON decodes rules stored in a job snapshot.
func FromJSON(b []byte) (*Rules, error) { return rulefile.FromJSON[Rules](b) }

// LoadError is one mistake in a rules file (file, line, field).
type LoadError = rulefile.LoadError

// Set is the rule sets of every organisation, plus the default.
type Set = rulefile.Set[Rules]

// LoadDir loads the built-in default and every "<organisation id>.yaml" in
// dir (empty: the default only); a "default.yaml" in dir replaces the
// built-in one. Every mistake in every file is reported.
func LoadDir(dir string) (*Set, error) { return rulefile.LoadDir("rules", dir, DefaultYAML, Parse) }

// Parse reads one rules file. Unknown fields, wrong types and values out of
// range are errors, all reported at once.
func Parse(file string, data []byte) (*Rules, error) {
	l, root, err := rulefile.Decode(file, data)
	if err != nil {
		return nil, err
	}
	r := &Rules{}
	w := &r.Weights
	l.Mapping(root, "", rulefile.Fields{
		"version": func(n *yaml.Node, f string) { r.Version = l.Version(n, f) },
		"swedish_min_level": func(n *yaml.Node, f string) {
			r.SwedishMinLevel = typev1.SwedishLevel(l.Enum(n, f, "SWEDISH_LEVEL_", typev1.SwedishLevel_value))
		},
		"area": func(n *yaml.Node, f string) {
			r.Area = l.OneOf(n, f, AreaMunicipality, AreaCounty, AreaDistance, AreaAny)
		},
		"max_km":                   func(n *yaml.Node, f string) { r.MaxKm = float64(l.Int(n, f, 1, 500)) },
		"largest_table":            l.IntField(&r.LargestTable, 1, 30),
		"require_background_check": func(n *yaml.Node, f string) { r.RequireBackgroundCheck = l.Bool(n, f) },
		"sfi_class_apart":          func(n *yaml.Node, f string) { r.SFIClassApart = l.Bool(n, f) },
		"families_with_families": func(n *yaml.Node, f string) {
			r.Families = l.OneOf(n, f, FamiliesRequire, FamiliesPrefer, FamiliesIgnore)
		},
		"weights": func(n *yaml.Node, f string) {
			l.Mapping(n, f, rulefile.Fields{
				"base":              l.IntField(&w.Base, 0, 1000),
				"language":          l.IntField(&w.Language, 0, 1000),
				"municipality":      l.IntField(&w.Municipality, 0, 1000),
				"county":            l.IntField(&w.County, 0, 1000),
				"distance":          l.IntField(&w.Distance, 0, 1000),
				"family":            l.IntField(&w.Family, 0, 1000),
				"first_time":        l.IntField(&w.FirstTime, 0, 1000),
				"waiting":           l.IntField(&w.Waiting, 0, 1000),
				"max_waiting_weeks": l.IntField(&w.MaxWaitingWeeks, 0, 104),
			}, "base")
		},
		"rsvp_days":         l.IntField(&r.RSVPDays, 1, 60),
		"rsvp_hours_before": l.IntField(&r.RSVPHoursBefore, 0, 336),
		"late_cancel_hours": l.IntField(&r.LateCancelHours, 0, 336),
		"schedule": func(n *yaml.Node, f string) {
			r.ScheduleEvery, r.ScheduleMunicipalities = l.Schedule(n, f)
		},
	}, "version", "swedish_min_level", "area", "largest_table", "weights", "rsvp_days", "rsvp_hours_before", "late_cancel_hours")
	if err := l.Err(); err != nil {
		return nil, err
	}
	if r.Area == AreaDistance && r.MaxKm == 0 {
		return nil, l.Fail(root, "max_km", "is required with area: distance")
	}
	if r.Families == "" {
		r.Families = FamiliesIgnore
	}
	if w.Base == 0 {
		// Every allowed seating must score at least 1, or the engine drops it.
		return nil, l.Fail(root, "weights.base", "must be above 0")
	}
	return r, nil
}
