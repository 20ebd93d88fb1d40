package eligibility

import (
	"fmt"
	"time"

	"github.com/motesplats/motesplats/pkg/report"
)

// Status is where a newcomer is in the establishment programme.
type Status int

// The statuses; Unknown is "not recorded".
const (
	StatusUnknown Status = iota
	StatusNotEnrolled
	StatusEnrolled
	StatusCompleted
)

// Leave is a newcomer's parental leave.
type Leave int

// The kinds of leave; LeaveUnknown is "not recorded" and counts as none.
const (
	LeaveUnknown Leave = iota
	LeaveNone
	LeavePartTime
	LeaveFullTime
)

// Facts are what eligibility depends on: codes and dates only.
type Facts struct {
	// PermitDate is the residence permit's date; zero when not recorded.
	PermitDate time.Time
	Status     Status
	Leave      Leave
}

// Result is one newcomer's eligibility.
type Result struct {
	Entitled bool
	// Reasons say in words why, one per deciding rule: every rule that
	// failed when not entitled, and what was checked when entitled.
	Reasons []string
	// PeriodEnd is when the establishment period ends (zero when the
	// permit date is unknown).
	PeriodEnd time.Time
}

// Evaluate applies c to f on day today. It reads no clock, so the same
// inputs always give the same result; callers recompute when facts, rules
// or the day change.
func Evaluate(c Criteria, f Facts, today time.Time) Result {
	var res Result
	var fail, ok []string
	// Today is Stockholm's day, the day the pages print: by the UTC day a
	// period that ended at midnight in Sweden still ran for another hour
	// or two, while the follow-up page already said it was over.
	day := report.DayOf(today)
	switch {
	case f.PermitDate.IsZero():
		if c.RequirePermit {
			fail = append(fail, "no residence permit recorded")
		}
	default:
		res.PeriodEnd = truncate(f.PermitDate).AddDate(0, c.EstablishmentMonths, 0)
		switch {
		case truncate(f.PermitDate).After(day):
			fail = append(fail, "permit date is in the future")
		case !day.Before(res.PeriodEnd):
			fail = append(fail, fmt.Sprintf("permit older than %d months", c.EstablishmentMonths))
		default:
			ok = append(ok, fmt.Sprintf("inside the %d-month establishment period until %s", c.EstablishmentMonths, res.PeriodEnd.Format(time.DateOnly)))
		}
	}
	if c.RequireEnrolled {
		switch f.Status {
		case StatusEnrolled:
			ok = append(ok, "in the establishment programme")
		case StatusCompleted:
			fail = append(fail, "has left or completed the establishment programme")
		case StatusNotEnrolled:
			fail = append(fail, "not in the establishment programme")
		default:
			fail = append(fail, "establishment programme status not recorded")
		}
	}
	switch f.Leave {
	case LeaveFullTime:
		if c.FullTimeLeaveExcludes {
			fail = append(fail, "on full-time parental leave, which the rules exclude")
		} else {
			ok = append(ok, "full-time parental leave does not exclude")
		}
	case LeavePartTime:
		if c.PartTimeLeaveExcludes {
			fail = append(fail, "on part-time parental leave, which the rules exclude")
		} else {
			ok = append(ok, "part-time parental leave does not exclude")
		}
	}
	if len(fail) > 0 {
		for _, r := range fail {
			res.Reasons = append(res.Reasons, "not entitled: "+r)
		}
		return res
	}
	res.Entitled = true
	for _, r := range ok {
		res.Reasons = append(res.Reasons, "entitled: "+r)
	}
	if len(res.Reasons) == 0 {
		res.Reasons = []string{"entitled: no rule excludes"}
	}
	return res
}

// truncate is the UTC day of t.
func truncate(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
