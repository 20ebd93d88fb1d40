package catalog

import (
	"fmt"
	"time"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	guidesv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	"github.com/motesplats/motesplats/services/gateway/internal/localtime"
)

// GuideReason is one part of why the engine proposed an assignment: the
// score part's rule, its points and the language guided in. The API words
// it in English (English); the web app and mp look Rule up in the guides
// catalogue so the same parts read in the user's language.
type GuideReason struct {
	// Rule is the engine's score part: base, language, municipality,
	// waiting or re_proposed (services/guides/internal/assign).
	Rule string
	// Points the part added.
	Points int32
	// Language is the unit's language code.
	Language string
}

// Explain lists the reasons of an assignment's score, in the order the
// engine gave them.
func Explain(a *guidesv1.Assignment) []GuideReason {
	out := make([]GuideReason, 0, len(a.GetScoreParts()))
	for _, p := range a.GetScoreParts() {
		out = append(out, GuideReason{Rule: p.GetRule(), Points: p.GetPoints(), Language: a.GetLanguage()})
	}
	return out
}

// englishReasons are the API's sentences per rule; a rule not listed (a
// newer engine) is shown by its name.
var englishReasons = map[string]string{
	"base":         "entitled to a guide and a place is free",
	"language":     "guided in a language the newcomer speaks (%s)",
	"municipality": "the guide organisation serves the newcomer's own municipality",
	"waiting":      "priority for the time waited for a guide",
	"re_proposed":  "their guide organisation left; proposed again first",
}

// English is the reason as one English sentence with its points.
func (r GuideReason) English() string {
	f, ok := englishReasons[r.Rule]
	if !ok {
		return fmt.Sprintf("%s (%+d)", r.Rule, r.Points)
	}
	if r.Rule == "language" {
		f = fmt.Sprintf(f, r.Language)
	}
	return fmt.Sprintf("%s (%+d)", f, r.Points)
}

// GuidanceDays are a running guidance's days as the web's Lotsningar page
// and mp's guides assignments print them: YYYY-MM-DD in Stockholm's day,
// as every page prints a day (ADR 0139, 0144).
type GuidanceDays struct {
	// Running is true for an assigned or active guidance; the other
	// statuses have no days to show.
	Running bool
	// Start is the day it started (an active guidance with start_time)
	// or, else, the day it was assigned (an assigned one, or one
	// activated before start_time existed); empty when neither is known.
	Start string
	// Started tells which of the two Start is.
	Started bool
	// End is the day the establishment period ends, when the guidance
	// ends too; empty when the guides service could not work it out.
	End string
	// PastEnd is true on or after End: eligibility counts the end day
	// out, so the guidance needs closing.
	PastEnd bool
}

// Guidance is a's days, read on today (YYYY-MM-DD, Stockholm's day).
func Guidance(a *guidesv1.Assignment, today string) GuidanceDays {
	st := a.GetStatus()
	if st != eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_ASSIGNED && st != eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_ACTIVE {
		return GuidanceDays{}
	}
	d := GuidanceDays{Running: true, End: a.GetPeriodEndDate()}
	day := func(t interface{ AsTime() time.Time }) string {
		return t.AsTime().In(localtime.Zone).Format(time.DateOnly)
	}
	switch {
	case st == eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_ACTIVE && a.GetStartTime() != nil:
		d.Start, d.Started = day(a.GetStartTime()), true
	case a.GetAssignTime() != nil:
		d.Start = day(a.GetAssignTime())
	}
	d.PastEnd = d.End != "" && today >= d.End
	return d
}
