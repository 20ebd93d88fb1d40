package jobs

import (
	"context"
	"fmt"
	"slices"
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
