package jobs

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"
)

// Schedule asks for a job in an organisation's municipalities once every
// period.
type Schedule struct {
	Organisation   string
	Municipalities []string
	// Every is the period; a job is submitted once per period, counted
	// from the Unix epoch in UTC (hourly schedules start on the hour).
	Every time.Duration
}

// schedule submits each due scheduled job once per period: the request
// key names the organisation, the municipalities and the period, so every
// replica may try and only one job results.
func (m *Manager) schedule(ctx context.Context) {
	if m.cfg.Schedules == nil {
		return
	}
	now := m.cfg.Now().UTC()
	for _, s := range m.cfg.Schedules() {
		if s.Every <= 0 || len(s.Municipalities) == 0 {
			continue
		}
		munis := slices.Sorted(slices.Values(s.Municipalities))
		period := now.Truncate(s.Every)
		key := fmt.Sprintf("schedule/%s/%d", s.Organisation, period.Unix())
		j := Job{Organisation: s.Organisation, Municipalities: munis}
		if m.cfg.RulesVersion != nil {
			j.Version = m.cfg.RulesVersion(s.Organisation)
		}
		// A scheduled job that failed is not resumed by the next sweep of
		// its period: the next period's job tries again.
		if _, err := m.submit(ctx, key, j, false); err != nil {
			m.log.Warn("jobs: scheduled job not submitted", "org", s.Organisation, "err", err)
		}
	}
}

// SchedulesFrom lists the scheduled job of each organisation whose rules
// ask for one: of returns an organisation's period and municipalities,
// and an organisation with no period or no municipalities has none. The
// programmes keep the schedule in their rule files; this is the one
// reading of it.
func SchedulesFrom(orgs []string, of func(org string) (every time.Duration, municipalities []string)) []Schedule {
	var out []Schedule
	for _, org := range orgs {
		every, munis := of(org)
		if every > 0 && len(munis) > 0 {
			out = append(out, Schedule{Organisation: org, Municipalities: slices.Clone(munis), Every: every})
		}
	}
	return out
}

// FinishedKey is what a programme's job-finished event id is derived
// from (proposal.ID(j.FinishedKey()...)): the job id, and the resume count
// once the job was resumed, so a resumed job that finishes again gets an
// event of its own instead of one the stream drops as a duplicate.
func (j Job) FinishedKey() []string {
	if j.Resumes > 0 {
		return []string{j.ID, "finished", strconv.Itoa(j.Resumes)}
	}
	return []string{j.ID, "finished"}
}
