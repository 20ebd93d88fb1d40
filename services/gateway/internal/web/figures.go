package web

import (
	"errors"
	"net/http"
	"time"

	"github.com/motesplats/motesplats/services/gateway/internal/core"
)

// figuresAge sets p.Updated to how old the oldest of a page's figures is.
// Report figures are kept per scope and refreshed in the background (ADR
// 0067), so a page may show figures computed a while ago and says so.
// Zero times (figures the page does not show) are ignored.
func (p *page) figuresAge(ats ...time.Time) {
	var oldest time.Time
	for _, at := range ats {
		if !at.IsZero() && (oldest.IsZero() || at.Before(oldest)) {
			oldest = at
		}
	}
	if oldest.IsZero() {
		return
	}
	switch age := time.Since(oldest); {
	case age < time.Second:
		p.Updated = p.t("figures.updated_now")
	case age < time.Minute:
		p.Updated = p.tf("figures.updated_s", "N", int(age/time.Second))
	case age < time.Hour:
		p.Updated = p.tf("figures.updated_min", "N", int(age/time.Minute))
	default:
		p.Updated = p.tf("figures.updated_h", "N", int(age/time.Hour))
	}
}

// computing shows the page that says a scope's figures are being computed
// for the first time (core.ErrComputing) and reports whether err was that.
func (w *Web) computing(rw http.ResponseWriter, p *page, err error) bool {
	if !errors.Is(err, core.ErrComputing) {
		return false
	}
	rw.Header().Set("Retry-After", "5")
	w.fail(rw, p, http.StatusServiceUnavailable, p.t("figures.computing"))
	return true
}
