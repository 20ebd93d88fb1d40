package web

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/services/gateway/internal/catalog"
	"github.com/motesplats/motesplats/services/gateway/internal/core"
)

// render writes a page template with status.
func (w *Web) render(rw http.ResponseWriter, p *page, status int, name string) error {
	t, err := w.template(p.Lang, name)
	if err != nil {
		return err
	}
	if name == "signin" && w.oidc != nil && w.oidc.available() {
		p.SSO = w.oidc.cfg.Name
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, p); err != nil {
		return err
	}
	// A refused form's summary follows the page's order of its fields,
	// known once the page is rendered: rendered again, only when the order
	// changed (a refused form, not a list a coordinator reads).
	if len(p.ErrorList) > 1 && inPageOrder(p, buf.Bytes()) {
		buf.Reset()
		if err := t.Execute(&buf, p); err != nil {
			return err
		}
	}
	rw.Header().Set("Content-Type", "text/html; charset=utf-8")
	rw.WriteHeader(status)
	_, err = buf.WriteTo(rw)
	return err
}

// fragment writes a named template of a page (for htmx swaps).
func (w *Web) fragment(rw http.ResponseWriter, p *page, file, name string, data any) error {
	t, err := w.template(p.Lang, file)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, name, data); err != nil {
		return err
	}
	rw.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, err = buf.WriteTo(rw)
	return err
}

func (w *Web) fail(rw http.ResponseWriter, p *page, status int, msg string) {
	p.Title, p.Data = p.t("err.title"), msg
	if err := w.render(rw, p, status, "error"); err != nil {
		w.opts.Logger.Error("render error page", "err", err)
	}
}

// httpStatus maps domain codes to HTTP statuses.
var httpStatus = map[apperr.Code]int{
	apperr.Invalid:            http.StatusUnprocessableEntity,
	apperr.NotFound:           http.StatusNotFound,
	apperr.AlreadyExists:      http.StatusConflict,
	apperr.Conflict:           http.StatusConflict,
	apperr.FailedPrecondition: http.StatusConflict,
	apperr.PermissionDenied:   http.StatusForbidden,
	apperr.Unauthenticated:    http.StatusUnauthorized,
	apperr.Unavailable:        http.StatusServiceUnavailable,
	core.TooManyRequests:      http.StatusTooManyRequests,
}

// renderError shows err, the answer to r, as a page: the domain message,
// never internals.
func (w *Web) renderError(rw http.ResponseWriter, r *http.Request, p *page, err error) {
	pe := core.Public(p.ctx, w.opts.Logger, err)
	status, ok := httpStatus[pe.Code]
	if !ok {
		status = http.StatusInternalServerError
	}
	// A refusal's words are a clause, lowercase and without a stop, as
	// they follow a field's label in a form's summary and "mp: " in a
	// terminal; alone on the error page they read "en tjänst svarar inte;
	// försök igen om en stund" (ADR 0251): a sentence there.
	msg := sentence(translateMessage(p.Lang, pe.Message))
	if pe.Message == "invalid request" {
		// The services' word for "the fields below are wrong"; English
		// pages showed it as it came ("invalid request The page: ..."),
		// mp says the form's heading, and so does the page now.
		msg = p.t("errors.title")
	}
	// The field violations are the useful part of an InvalidArgument a
	// page did not map to its form (issue 12: they were lost).
	if startedOver(rw, r, pe) {
		return
	}
	for _, v := range pe.Violations {
		msg += " " + fieldLabel(p, v.Field) + ": " + translateMessage(p.Lang, v.Description) + "."
		if v.Field == "page_token" && r.Method == http.MethodGet {
			p.FirstPage = firstPage(r.URL)
		}
	}
	switch pe.Code {
	case apperr.NotFound:
		msg = p.t("err.notfound")
	case apperr.Internal:
		msg = p.t("err.generic")
	}
	if strings.TrimSpace(msg) == "" {
		msg = p.t("err.generic") // never a blank page (issue 12)
	}
	w.fail(rw, p, status, msg)
}

// withChecked adds to formErr, the form's own refusals, the violations
// of checked, the service's check of the rest of the request, on fields
// the form did not refuse (a household the form could not read is 0 to
// the service, and the form's words say what is wrong). checked's
// violations come first: they follow the record's order, as the form
// does. A check that found nothing, or refused the caller, leaves formErr.
func withChecked(p *page, formErr, checked error, fieldOf func(string) string) error {
	if checked == nil {
		return formErr
	}
	pe := core.Public(p.ctx, slog.Default(), checked)
	if pe.Code != apperr.Invalid {
		return formErr
	}
	refused := map[string]bool{}
	for _, v := range apperr.Violations(formErr) {
		refused[fieldOf(v.Field)] = true
	}
	var v apperr.Validator
	for _, c := range pe.Violations {
		if !refused[fieldOf(c.Field)] {
			v.Add(c.Field, c.Description)
		}
	}
	v.Omit(apperr.OmittedIn(pe.Message))
	for _, f := range apperr.Violations(formErr) {
		v.Add(f.Field, f.Description)
	}
	return v.Err()
}

// hiddenFields are the fields a form carries hidden, which its user can
// neither see nor correct, with what a refusal of one says instead: a
// job's start with its request id cut off said "Rätta följande: Begärans
// id: måste anges ..." with a link to a field the page has not (outside
// round s44, ADR 0245). The page comes back with a new id, so sending
// the form again is all there is to do.
var hiddenFields = map[string]string{"request_id": "err.form_request_id"}

// formErrors puts an error's field violations on the page, keyed by form
// field, and reports whether err was a validation error.
func formErrors(p *page, err error, fieldOf func(string) string) bool {
	pe := core.Public(p.ctx, slog.Default(), err)
	if pe.Code != apperr.Invalid && pe.Code != apperr.AlreadyExists && pe.Code != apperr.PermissionDenied && pe.Code != apperr.Conflict {
		return false
	}
	if len(pe.Violations) == 0 {
		msg := translateMessage(p.Lang, pe.Message)
		p.ErrorList = append(p.ErrorList, errItem{Message: msg})
		p.Errors["_"] = msg
		return true
	}
	for _, v := range pe.Violations {
		f := fieldOf(v.Field)
		if key, hidden := hiddenFields[f]; hidden {
			if p.Form != nil {
				// A form shown again keeps what was sent (a registration's
				// request id too, so a resend is carried out once): not an
				// id the services refuse, or every resend is refused too.
				p.Form.Set(f, ids.UUIDv7{}.New())
			}
			msg := p.t(key)
			if _, dup := p.Errors["_"]; !dup {
				p.Errors["_"] = msg
			}
			p.ErrorList = append(p.ErrorList, errItem{Message: msg})
			continue
		}
		// Beside the field: in the words of what its user types.
		msg := withEntry(p, v.Field, catalog.FormViolationText(p.Lang, v.Description))
		if _, dup := p.Errors[f]; !dup {
			p.Errors[f] = msg
		}
		p.ErrorList = append(p.ErrorList, errItem{Field: f, Label: fieldLabel(p, f), Message: msg})
	}
	return true
}

// startedOver answers a list page a sign-in went back to (resumedParam)
// whose service refused its page token with the same page at its first
// page, and reports whether it did: the token the coordinator had no
// longer decodes, and there is nothing for them to correct (ADR 0188).
func startedOver(rw http.ResponseWriter, r *http.Request, pe *apperr.Error) bool {
	if r.Method != http.MethodGet || r.URL.Query().Get(resumedParam) == "" {
		return false
	}
	for _, v := range pe.Violations {
		if v.Field == "page_token" {
			http.Redirect(rw, r, startOver(r.URL), http.StatusSeeOther)
			return true
		}
	}
	return false
}

// startedOverAfter is startedOver for a list page that words its own
// errors (the registers put a refused filter at its field).
func (w *Web) startedOverAfter(rw http.ResponseWriter, r *http.Request, p *page, err error) bool {
	return startedOver(rw, r, core.Public(p.ctx, w.opts.Logger, err))
}

// startOver is u without any list position or the resumed mark: every
// list on the page at its first page, the job kept.
func startOver(u *url.URL) string {
	keys := []string{resumedParam}
	for _, pre := range listPrefixes {
		keys = append(keys, pre+"page_token", pre+"at", pre+"back")
	}
	return without(u, keys...)
}

// firstPage is u without its page token: the first page of the same list,
// its filters kept.
func firstPage(u *url.URL) string { return without(u, "page_token") }

// without is u's path and query with the given query keys removed.
func without(u *url.URL, keys ...string) string {
	q := u.Query()
	for _, k := range keys {
		q.Del(k)
	}
	rest := url.URL{Path: u.Path, RawQuery: q.Encode()}
	return rest.String()
}

// sentence is s as a sentence of its own: its first letter a capital and
// a full stop at its end, unless it ends in one already (or in "?", "!"
// or the ":" of a heading). Empty stays empty.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	r, size := utf8.DecodeRuneInString(s)
	if size == 0 {
		return s
	}
	s = string(unicode.ToUpper(r)) + s[size:]
	if !strings.ContainsAny(s[len(s)-1:], ".?!:") {
		s += "."
	}
	return s
}
