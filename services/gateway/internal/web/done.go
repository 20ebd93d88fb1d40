package web

import (
	"net/http"
	"net/url"
	"strconv"
)

// withDone returns back, a page of the app's own, with done set in its
// query and the flash as its fragment: a form's post answers 303 See
// Other to the page that shows its outcome, so the browser's back button
// and a reload never offer to send the form again, and the browser puts
// the focus on the outcome (ADR 0236). A fragment naming a place on the
// page (#proposals) took the focus from the flash: Chromium clears the
// focus when the fragment's element takes none, after autofocus (or a
// script) gave it. done names the outcome (an action's code), never a
// person.
func withDone(back string, done url.Values) string {
	u, err := url.Parse(back)
	if err != nil {
		return back
	}
	q := u.Query()
	for k, vs := range done {
		q[k] = vs
	}
	u.RawQuery, u.Fragment = q.Encode(), flashID
	return u.String()
}

// flashID is the layout's flash's id, the fragment of a redirect that
// shows one.
const flashID = "flash"

// matchingFlash is the matching page's message after a proposal's plain
// form (no htmx) approved or rejected it, or bulk approval approved some:
// the post redirected here rather than render the page (ADR 0236).
func matchingFlash(p *page, r *http.Request) string {
	q := r.URL.Query()
	switch q.Get("done") {
	case "started":
		return p.t("job.done.started")
	case "approve":
		return p.t("m.approved")
	case "reject":
		return p.t("m.rejected")
	case "bulk":
		// Counts one bulk approval can have: a link with others
		// ("9223372036854775807 förslag godkändes", outside round s43)
		// says nothing rather than what no approval did.
		ok, okErr := strconv.Atoi(q.Get("approved"))
		failed, failedErr := strconv.Atoi(q.Get("failed"))
		if q.Get("failed") == "" {
			failed, failedErr = 0, nil
		}
		if okErr != nil || failedErr != nil || ok < 0 || failed < 0 || ok+failed > maxBulk {
			return ""
		}
		msg := p.tn("bulk.done", ok)
		if failed > 0 {
			msg += " " + p.tn("bulk.failed", failed)
		}
		return msg
	}
	return ""
}

// seatingFlash is a dinners page's message after a seating's form sent
// it there (ADR 0236): approved, rejected, or the step saved.
func seatingFlash(p *page, r *http.Request) string {
	switch r.URL.Query().Get("done") {
	case "started":
		return p.t("job.done.started")
	case "approve":
		return p.t("dinners.approved")
	case "reject":
		return p.t("dinners.rejected")
	case "rsvp", "cancel", "attendance", "feedback":
		return p.t("dinners.saved")
	}
	return ""
}

// usersFlash is the users page's message after one of its forms (ADR
// 0236): a user created, disabled, enabled, their e-mail changed or
// erased.
func usersFlash(p *page, r *http.Request) string {
	switch d := r.URL.Query().Get("done"); d {
	case "erased":
		return p.t("u.erase.done")
	case "created", "disabled", "enabled", "email":
		return p.t("u.done." + d)
	}
	return ""
}

// savedFlash is a person's form's message when it opens after being
// created or saved (ADR 0236).
func savedFlash(p *page, r *http.Request) string {
	switch q := r.URL.Query(); {
	case q.Get("created") != "":
		return p.t("created")
	case q.Get("saved") != "":
		return p.t("saved")
	}
	return ""
}
