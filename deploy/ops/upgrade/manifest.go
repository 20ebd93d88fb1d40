// Package upgrade is the upgrade fixture's manifest (upgrade.json, ADR
// 0197): what deploy/ops/cmd/upgradefixture made an older version hold and
// writes down, and what deploy/ops's upgrade tests read back and check. One
// type for both sides (ADR 0253): a field the writer adds is one the tests
// can read, under the same JSON name.
package upgrade

import (
	"maps"
	"slices"
)

// Manifest is what the older version was made to hold: cmd/upgradefixture
// writes it as upgrade.json and the upgrade tests read it from the fixture.
type Manifest struct {
	Commit string `json:"commit"`
	// People are updated people and the given name their last update set.
	People map[string]string `json:"people"`
	// Volunteers are updated volunteers and their last given name.
	Volunteers map[string]string `json:"volunteers"`
	Erased     string            `json:"erased"`
	// MentoringJob, DinnersJob and GuidesJob are jobs that succeeded.
	MentoringJob string `json:"mentoring_job"`
	DinnersJob   string `json:"dinners_job"`
	GuidesJob    string `json:"guides_job"`
	// Pairs is how many pairs the mentoring job proposed; Seatings the
	// dinners job; Assignments the guides job.
	Pairs, Seatings, Assignments int
	// Answered is a pair whose newcomer accepted by link; Unanswered is a
	// link of an approved seating no one answered.
	AnsweredPair    string `json:"answered_pair"`
	AnsweredSeating string `json:"answered_seating"`
	UnansweredLink  string `json:"unanswered_link"`
	// UnansweredPath is the link's path (/a/...): the test opens it on the
	// gateway's new address.
	UnansweredPath    string `json:"unanswered_path"`
	UnansweredSeating string `json:"unanswered_seating"`
	OfferedAssignment string `json:"offered_assignment"`
	// Mailbox are the development mailbox's message ids when it stopped.
	Mailbox []string `json:"mailbox"`
}

// PeopleIDs are the ids of m.People, sorted, so that a test erasing "the
// first" person of before erases the same one every run.
func (m Manifest) PeopleIDs() []string { return slices.Sorted(maps.Keys(m.People)) }
