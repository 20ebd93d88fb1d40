package web

import "github.com/motesplats/motesplats/services/gateway/internal/emptyjob"

// emptyJob is why a finished job proposed nothing, in the page's
// language ("" when it proposed something): the cause mp prints
// (emptyjob.Why), from the catalogue's job.none.* (mentoring) or
// guides.job.none.* keys, with the figures that show it (emptyjob.Text).
func (p *page) emptyJob(c emptyjob.Counts) string {
	return emptyjob.Text(c, func(key string, data map[string]any) string { return translateData(p.Lang, key, data, nil) })
}
