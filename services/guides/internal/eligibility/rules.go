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
	"fmt"

	"gopkg.in/yaml.v3"

	"github.com/motesplats/motesplats/pkg/rulefile"
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

// LoadError is one mistake in a rules file (file, line, field).
type LoadError = rulefile.LoadError

// Set is the rules of every organisation with a file, plus the default.
type Set = rulefile.Set[Rules]

// LoadDir loads the built-in default and every "<organisation id>.yaml"
// in dir (empty: the default only); a "default.yaml" there replaces the
// built-in one. Every mistake in every file is reported.
func LoadDir(dir string) (*Set, error) {
	return rulefile.LoadDir("eligibility", dir, DefaultYAML, Parse)
}

// Parse reads one rules file. Unknown fields, wrong types, values out of
// range and missing fields are errors, all reported at once.
func Parse(file string, data []byte) (*Rules, error) {
	l, root, err := rulefile.Decode(file, data)
	if err != nil {
		return nil, err
	}
	r := &Rules{}
	c, w := &r.Criteria, &r.Assignment
	l.Mapping(root, "", rulefile.Fields{
		"version": func(n *yaml.Node, f string) { r.Version = l.Version(n, f) },
		"eligibility": func(n *yaml.Node, f string) {
			l.Mapping(n, f, rulefile.Fields{
				"require_permit":                    func(n *yaml.Node, f string) { c.RequirePermit = l.Bool(n, f) },
				"establishment_months":              l.IntField(&c.EstablishmentMonths, 1, 60),
				"require_enrolled":                  func(n *yaml.Node, f string) { c.RequireEnrolled = l.Bool(n, f) },
				"full_time_parental_leave_excludes": func(n *yaml.Node, f string) { c.FullTimeLeaveExcludes = l.Bool(n, f) },
				"part_time_parental_leave_excludes": func(n *yaml.Node, f string) { c.PartTimeLeaveExcludes = l.Bool(n, f) },
			}, "require_permit", "establishment_months", "require_enrolled",
				"full_time_parental_leave_excludes", "part_time_parental_leave_excludes")
		},
		"assignment": func(n *yaml.Node, f string) {
			l.Mapping(n, f, rulefile.Fields{
				"base":               l.IntField(&w.Base, 0, 10000),
				"language":           l.IntField(&w.Language, 0, 10000),
				"municipality":       l.IntField(&w.Municipality, 0, 10000),
				"waiting_per_month":  l.IntField(&w.WaitingPerMonth, 0, 1000),
				"max_waiting_months": l.IntField(&w.MaxWaitingMonths, 0, 120),
				"other_municipality": func(n *yaml.Node, f string) { w.OtherMunicipal = l.Bool(n, f) },
			}, "base", "language", "municipality", "waiting_per_month", "max_waiting_months", "other_municipality")
		},
	}, "version", "eligibility", "assignment")
	if err := l.Err(); err != nil {
		return nil, err
	}
	if w.Base < 1 {
		return nil, l.Fail(root, "assignment.base", "must be at least 1 so every allowed assignment counts")
	}
	return r, nil
}
