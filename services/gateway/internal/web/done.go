package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// withDone returns back, a page of the app's own, with done set in its
// query, sealed for this session, and the flash as its fragment: a
// form's post answers 303 See Other to the page that shows its outcome,
// so the browser's back button and a reload never offer to send the
// form again, and the browser puts the focus on the outcome (ADR 0236).
// A fragment naming a place on the page (#proposals) took the focus from
// the flash: Chromium clears the focus when the fragment's element takes
// none, after autofocus (or a script) gave it. done names the outcome
// (an action's code), never a person.
//
// The seal (ADR 0246) is what makes the flash this user's own: a link
// with done=approve, made by anyone, said "Godkänt." though nothing was
// approved. It is a MAC, keyed by the page's CSRF token (the session's,
// or the pre-session cookie's for a page reached signed out), over the
// page's path, its whole query and an expiry flashFor ahead; flashQuery
// checks it. Every redirect that carries a flash comes here.
func withDone(p *page, back string, done url.Values) string {
	u, err := url.Parse(back)
	if err != nil {
		return back
	}
	q := u.Query()
	for k, vs := range done {
		q[k] = vs
	}
	q.Del(sealParam)
	if p.CSRF != "" {
		exp := p.clock().Add(flashFor).Unix()
		q.Set(sealParam, strconv.FormatInt(exp, 10)+"."+flashMAC(p.CSRF, u.Path, q, exp))
	}
	u.RawQuery, u.Fragment = q.Encode(), flashID
	return u.String()
}

// flashQuery is the query a page's flash is read from: the request's,
// when withDone sealed it for this session and this page within
// flashFor, else nothing, so a link someone else made (or edited, or
// kept too long) shows no flash, and no error either: the page is the
// same page without the message.
func flashQuery(p *page, r *http.Request) url.Values {
	q := r.URL.Query()
	exp, mac, ok := strings.Cut(q.Get(sealParam), ".")
	if !ok || p.CSRF == "" {
		return url.Values{}
	}
	at, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || p.clock().Unix() > at {
		return url.Values{}
	}
	q.Del(sealParam)
	if !hmac.Equal([]byte(mac), []byte(flashMAC(p.CSRF, r.URL.Path, q, at))) {
		return url.Values{}
	}
	return q
}

// flashMAC is the seal's MAC of path and q (without the seal) until exp,
// keyed by key: HMAC-SHA256, its first 16 bytes, base64url. q's Encode
// sorts its keys, so the redirect's query and the one the browser sends
// back give the same text however they are ordered or escaped.
func flashMAC(key, path string, q url.Values, exp int64) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte("motesplats flash\n" + path + "\n" + q.Encode() + "\n" + strconv.FormatInt(exp, 10)))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

// sealParam is the query's parameter that carries a flash's seal:
// "<expiry, unix seconds>.<MAC>".
const sealParam = "seal"

// flashFor is how long a flash's address shows it: a reload soon after
// the post says what was done again; a link kept in the history or sent
// on later says nothing.
const flashFor = 10 * time.Minute

// flashID is the layout's flash's id, the fragment of a redirect that
// shows one.
const flashID = "flash"

// matchingFlash is the matching page's message after a proposal's plain
// form (no htmx) approved or rejected it, or bulk approval approved some:
// the post redirected here rather than render the page (ADR 0236).
func matchingFlash(p *page, r *http.Request) string {
	q := flashQuery(p, r)
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
	switch flashQuery(p, r).Get("done") {
	case "started":
		return p.t("job.done.started")
	case "approve":
		return p.t("dinners.approved")
	case "reject":
		return p.t("dinners.rejected")
	case "rsvp", "cancel", "attendance", "feedback":
		return p.t("dinners.saved")
	case "held":
		return p.t("dinners.held.done")
	}
	return ""
}

// usersFlash is the users page's message after one of its forms (ADR
// 0236): a user created, disabled, enabled, their e-mail changed or
// erased.
func usersFlash(p *page, r *http.Request) string {
	switch d := flashQuery(p, r).Get("done"); d {
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
	switch q := flashQuery(p, r); {
	case q.Get("created") != "":
		return p.t("created")
	case q.Get("saved") != "":
		return p.t("saved")
	}
	return ""
}
