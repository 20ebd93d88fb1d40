package web

import "github.com/motesplats/motesplats/services/gateway/internal/emptyjob"

// emptyJob is why a finished job proposed nothing, in the page's
// language ("" when it proposed something): the cause mp prints
// (emptyjob.Why), from the catalogue's job.none.* (mentoring) or
// guides.job.none.* keys, with the figures that show it.
func (p *page) emptyJob(c emptyjob.Counts) string {
	why := emptyjob.Why(c)
	if why == "" {
		return ""
	}
	prefix := "job.none."
	if c.Programme == emptyjob.Guides {
		prefix = "guides.job.none."
	}
	s := p.tf(prefix+string(why), "Busy", c.Busy, "Newcomers", c.Newcomers, "Slots", c.Slots,
		"Eligible", c.Eligible, "NotEntitled", c.NotEntitled, "Chosen", c.Newcomers-c.Unmatched, "Unmatched", c.Unmatched)
	switch {
	case why == emptyjob.NoEligible && c.Excluded > 0:
		s += " " + p.tf("job.none.excluded", "Excluded", c.Excluded)
	case why == emptyjob.NoNewcomers && c.NotEntitled > 0:
		s += " " + p.tf("guides.job.none.not_entitled", "NotEntitled", c.NotEntitled)
	case why == emptyjob.Unexplained && c.Partial:
		s += " " + p.t("job.none.partial")
	}
	if c.Busy > 0 && why != emptyjob.AllBusy {
		s += " " + p.tf("job.none.busy_too", "Busy", c.Busy)
	}
	return s
}
