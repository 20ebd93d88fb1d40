package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/motesplats/motesplats/pkg/apperr"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/services/gateway/internal/core"
)

// The dead-letter pages, "Felaktiga händelser" (ADR 0059): events a
// service's consumer gave up on, for operators and admins. They show ids,
// codes and the error in words, never an event's payload; replay and
// discard are buttons on one dead letter's page, each audited by core.

// deadLettersPageSize is the list's page.
const deadLettersPageSize = 50

// opsRoutes are the operations pages.
func (w *Web) opsRoutes() []Route {
	return []Route{
		{Method: "GET", Pattern: "/admin/deadletters", h: w.deadLetters},
		{Method: "GET", Pattern: "/admin/deadletters/{id}", h: w.deadLetter},
		{Method: "POST", Pattern: "/admin/deadletters/{id}/{action}", h: w.deadLetterAction},
	}
}

// deadLetterRow is a dead letter with its event type and error in words.
type deadLetterRow struct {
	DL          *gatewayv1.DeadLetter
	Type, Error string
}

// deadLettersData is a page of the list.
type deadLettersData struct {
	Items            []deadLetterRow
	Consumer, Stream string
	Total            int32
	Pager            pager
}

func (w *Web) deadLetters(rw http.ResponseWriter, r *http.Request, p *page) error {
	p.Title, p.Nav, p.Form = p.t("ops.dl.title"), "deadletters", r.URL.Query()
	q := r.URL.Query()
	consumer, stream := strings.TrimSpace(q.Get("consumer")), strings.TrimSpace(q.Get("stream"))
	switch fq := flashQuery(p, r); fq.Get("done") {
	case "replayed", "discarded":
		p.Flash = p.tf("ops.dl.done."+fq.Get("done"), "ID", fq.Get("id"))
	}
	res, err := w.g.ListDeadLetters(r.Context(), p.caller, &gatewayv1.ListDeadLettersRequest{
		Consumer: consumer, Stream: stream, PageSize: deadLettersPageSize, PageToken: q.Get("page_token")})
	if err != nil {
		return w.opsError(rw, p, err)
	}
	d := deadLettersData{Consumer: consumer, Stream: stream, Total: res.GetTotalSize()}
	for _, dl := range res.GetDeadLetters() {
		d.Items = append(d.Items, deadLetterRow{DL: dl, Type: eventTypeOf(dl.GetSubject()), Error: deadLetterError(p, dl)})
	}
	d.Pager = newPager(p, r, "", "", deadLettersPageSize, len(d.Items), d.Total, res.GetNextPageToken())
	p.Data = d
	return w.render(rw, p, http.StatusOK, "deadletters")
}

func (w *Web) deadLetter(rw http.ResponseWriter, r *http.Request, p *page) error {
	p.Title, p.Nav = p.t("ops.dl.one"), "deadletters"
	dl, err := w.g.GetDeadLetter(r.Context(), p.caller, r.PathValue("id"))
	if err != nil {
		return w.opsError(rw, p, err)
	}
	p.Data = deadLetterRow{DL: dl, Type: eventTypeOf(dl.GetSubject()), Error: deadLetterError(p, dl)}
	return w.render(rw, p, http.StatusOK, "deadletter")
}

// deadLetterAction serves POST /admin/deadletters/{id}/replay and
// /discard; a discard needs its confirmation box ticked.
func (w *Web) deadLetterAction(rw http.ResponseWriter, r *http.Request, p *page) error {
	p.Title, p.Nav = p.t("ops.dl.one"), "deadletters"
	if !p.Admin && !p.Operator {
		// Refused before the action is read, as every /admin/ page is.
		return w.opsError(rw, p, apperr.Errorf(apperr.PermissionDenied, "only operators and admins may do this"))
	}
	id := r.PathValue("id")
	var err error
	done := ""
	switch r.PathValue("action") {
	case "replay":
		err, done = w.g.ReplayDeadLetter(r.Context(), p.caller, id), "replayed"
	case "discard":
		if r.PostForm.Get("confirm") != "yes" {
			var v apperr.Validator
			v.Add("confirm", "is required")
			err = v.Err()
			break
		}
		err, done = w.g.DiscardDeadLetter(r.Context(), p.caller, id), "discarded"
	default:
		return apperr.Errorf(apperr.NotFound, "not found")
	}
	if err != nil {
		return w.opsError(rw, p, err)
	}
	http.Redirect(rw, r, withDone(p, "/admin/deadletters", url.Values{"done": {done}, "id": {id}}), http.StatusSeeOther)
	return nil
}

// opsError shows an error of these pages in the page's language: the
// services' English messages are not in the violations table, and these
// few cases are better said here.
func (w *Web) opsError(rw http.ResponseWriter, p *page, err error) error {
	pe := core.Public(p.ctx, w.opts.Logger, err)
	key := map[apperr.Code]string{
		apperr.PermissionDenied:   "ops.err.denied",
		apperr.NotFound:           "ops.err.gone",
		apperr.Invalid:            "ops.err.invalid",
		apperr.FailedPrecondition: "ops.err.noreplay",
		apperr.Unavailable:        "ops.err.unavailable",
	}[pe.Code]
	if key == "" {
		return err
	}
	if pe.Code == apperr.Invalid && len(pe.Violations) > 0 && pe.Violations[0].Field == "confirm" {
		key = "ops.err.confirm"
	}
	status, ok := httpStatus[pe.Code]
	if !ok {
		status = http.StatusInternalServerError
	}
	w.fail(rw, p, status, p.t(key))
	return nil
}

// eventTypeOf is the event type of a subject "<type>.<subject id>".
func eventTypeOf(subject string) string {
	if strings.Count(subject, ".") >= 3 {
		return subject[:strings.LastIndexByte(subject, '.')]
	}
	return subject
}

// deadLetterError says why a consumer gave up, in the page's language:
// the kind, then the cause; a cause without words (a Go type) is named.
func deadLetterError(p *page, dl *gatewayv1.DeadLetter) string {
	kind := p.t("ops.kind." + dl.GetErrorKind().String())
	cause := dl.GetErrorCause()
	if cause == "" {
		return kind
	}
	key := "ops.cause." + cause
	if s := p.t(key); s != key {
		return kind + ": " + s
	}
	return kind + ": " + p.tf("ops.cause.other", "Type", cause)
}
