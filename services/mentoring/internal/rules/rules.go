// Package rules is the Mentor till mentor programme's rule set as
// configuration: one versioned YAML file per organisation, validated at
// load with the file, line and field of every mistake, and turned into the
// matching engine's rules. The rules are pure functions of the two people,
// table-tested without any infrastructure.
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

// OfferExpiry is when an offer approved at now lapses: at the end of the
// OfferExpiryDays-th day after, Stockholm time (23:59:59), not at the
// minute of approval that many days on. People read the answer-by as a
// day: "svara senast 2026-12-19" read as the whole day, and an answer that
// afternoon found the link expired at 01:17 (ADR 0137, 0148).
func (r *Rules) OfferExpiry(now time.Time) time.Time {
	return report.EndOfDayAfter(now, r.OfferExpiryDays)
}

// FollowUp is how long an active pair may go without a check-in.
func (r *Rules) FollowUp() time.Duration { return time.Duration(r.FollowUpWeeks) * 7 * 24 * time.Hour }

// JSON encodes the rules for a job snapshot.
func (r *Rules) JSON() []byte { return rulefile.JSON(r) }

// FromJSON decodes rules stored in a job snapshot.
func FromJSON(b []byte) (*Rules, error) { return rulefile.FromJSON[Rules](b) }

// LoadError is one mistake in a rules file (file, line, field).
type LoadError = rulefile.LoadError

// Set is the rule sets of every organisation, plus the default.
type Set = rulefile.Set[Rules]

// LoadDir loads the built-in default and every "<organisation id>.yaml" in
// dir (dir may be empty: the default only). A "default.yaml" in dir
// replaces the built-in default. Every mistake in every file is reported,
// each with its file, line and field.
func LoadDir(dir string) (*Set, error) { return rulefile.LoadDir("rules", dir, DefaultYAML, Parse) }

// Parse reads one rules file. Unknown fields, wrong types and values out of
// range are errors, all reported at once.
func Parse(file string, data []byte) (*Rules, error) {
	l, root, err := rulefile.Decode(file, data)
	if err != nil {
		return nil, err
	}
	r := &Rules{}
	l.Mapping(root, "", rulefile.Fields{
		"version": func(n *yaml.Node, f string) { r.Version = l.Version(n, f) },
		"language": func(n *yaml.Node, f string) {
			l.Mapping(n, f, rulefile.Fields{
				"swedish_min_level": func(n *yaml.Node, f string) {
					r.SwedishMinLevel = typev1.SwedishLevel(l.Enum(n, f, "SWEDISH_LEVEL_", typev1.SwedishLevel_value))
				},
				"other_min_level": func(n *yaml.Node, f string) {
					r.OtherMinLevel = typev1.LanguageLevel(l.Enum(n, f, "LANGUAGE_LEVEL_", typev1.LanguageLevel_value))
				},
			}, "swedish_min_level", "other_min_level")
		},
		"gender": func(n *yaml.Node, f string) {
			r.Gender = l.OneOf(n, f, GenderSame, GenderAny, GenderNewcomerChoice)
		},
		"families_with_families": func(n *yaml.Node, f string) {
			r.Families = l.OneOf(n, f, FamiliesRequire, FamiliesPrefer, FamiliesIgnore)
		},
		"area": func(n *yaml.Node, f string) {
			r.Area = l.OneOf(n, f, AreaMunicipality, AreaCounty, AreaAny)
		},
		"weights": func(n *yaml.Node, f string) {
			w := &r.Weights
			l.Mapping(n, f, rulefile.Fields{
				"base":          l.IntField(&w.Base, 0, 1000),
				"swedish":       l.IntField(&w.Swedish, 0, 1000),
				"language":      l.IntField(&w.Language, 0, 1000),
				"municipality":  l.IntField(&w.Municipality, 0, 1000),
				"county":        l.IntField(&w.County, 0, 1000),
				"interests":     l.IntField(&w.Interests, 0, 1000),
				"max_interests": l.IntField(&w.MaxInterests, 0, 20),
				"family":        l.IntField(&w.Family, 0, 1000),
				"age_band":      l.IntField(&w.AgeBand, 0, 1000),
			})
		},
		"mentee_slots":      l.IntField(&r.MenteeSlots, 1, 20),
		"term_months":       l.IntField(&r.TermMonths, 1, 36),
		"offer_expiry_days": l.IntField(&r.OfferExpiryDays, 1, 90),
		"follow_up_weeks":   l.IntField(&r.FollowUpWeeks, 1, 52),
		"schedule": func(n *yaml.Node, f string) {
			r.ScheduleEvery, r.ScheduleMunicipalities = l.Schedule(n, f)
		},
	}, "version", "language", "gender", "families_with_families", "area", "weights",
		"mentee_slots", "term_months", "offer_expiry_days", "follow_up_weeks")
	if err := l.Err(); err != nil {
		return nil, err
	}
	if r.Weights.Base+r.Weights.Swedish+r.Weights.Language+r.Weights.Municipality+r.Weights.County+
		r.Weights.Interests+r.Weights.Family+r.Weights.AgeBand == 0 {
		return nil, l.Fail(root, "weights", "at least one weight must be above 0")
	}
	return r, nil
}
