package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/motesplats/motesplats/pkg/apperr"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/services/gateway/internal/core"
)

// The matching page's job history (issue 12: finished jobs piled up as
// identical bars with no time, scope or counts) and bulk review: approve
// the selected proposals, or all at or above a score after a page that
// says how many that is.

// jobHistorySize is how many recent jobs the history shows.
const jobHistorySize = 10

// maxBulk caps one bulk approval (ADR 0050): a larger batch is approved
// in several rounds, and the page says how many are left.
const maxBulk = 500

// starters remembers who started each job: a job's starter never changes,
// and reading it costs a look into the audit log.
type starters struct {
	mu    sync.Mutex
	names map[string]string
}

func (s *starters) get(ctx context.Context, g *core.Gateway, j *mentoringv1.Job) string {
	s.mu.Lock()
	name, ok := s.names[j.GetId()]
	s.mu.Unlock()
	if ok {
		return name
	}
	name = g.WhoDid(ctx, j.GetId(), "start", j.GetCreateTime().AsTime())
	if name != "" {
		s.mu.Lock()
		if s.names == nil || len(s.names) > 10_000 {
			s.names = map[string]string{} // bounded: forget all, relearn
		}
		s.names[j.GetId()] = name
		s.mu.Unlock()
	}
	return name
}

// bulkData is the confirmation page of "approve all at or above a score".
type bulkData struct {
	MinScore int
	IDs      []string
	// More counts those above the cap, left for another round.
	More int
}

// proposalsFrom pages through the proposals of the caller's scope (of one
// job, when set) with a score of at least minScore, up to maxBulk, and
// counts those beyond. They come best first (ADR 0128), so the cap keeps
// the best and the reading stops at the first proposal below minScore.
func (w *Web) proposalsFrom(r *http.Request, p *page, job string, minScore int) (ids []string, more int, err error) {
	token := ""
	for range 100 { // 100 pages of 500: far above any organisation's proposals
		res, err := w.g.ListPairs(r.Context(), p.caller, &gatewayv1.ListPairsRequest{JobId: job, PageSize: 500, PageToken: token,
			Statuses: []eventsv1.PairStatus{eventsv1.PairStatus_PAIR_STATUS_PROPOSED}, Order: mentoringv1.PairOrder_PAIR_ORDER_SCORE_DESC})
		if err != nil {
			return nil, 0, err
		}
		for _, v := range res.GetPairs() {
			if int(v.GetPair().GetScore()) < minScore {
				return ids, more, nil
			}
			if len(ids) < maxBulk {
				ids = append(ids, v.GetPair().GetId())
			} else {
				more++
			}
		}
		if token = res.GetNextPageToken(); token == "" {
			break
		}
	}
	return ids, more, nil
}

// minScoreOf reads the bulk approval's lowest score, or puts on p what is
// wrong with it: nothing typed, not a whole number, or out of range (each
// said as such; "-1" was "must be a whole number").
func minScoreOf(p *page, s string) (int, error) {
	s = strings.TrimSpace(s)
	n, err := strconv.Atoi(s)
	var v apperr.Validator
	switch {
	case s == "":
		v.Add("min_score", "is required")
	case err != nil && !errors.Is(err, strconv.ErrRange):
		v.Add("min_score", "must be a whole number")
	case err != nil || n < 0 || n > maxMinScore:
		v.Add("min_score", fmt.Sprintf("must be between 0 and %d", maxMinScore))
	}
	if err := v.Err(); err != nil {
		formErrors(p, err, func(f string) string { return f })
		return 0, err
	}
	return n, nil
}

// maxMinScore bounds the lowest score well above any pair's points, so
// the number always fits the services' int32.
const maxMinScore = 1_000_000

// bulkConfirm shows how many proposals "approve all at or above" would
// approve, with the button that does it.
func (w *Web) bulkConfirm(rw http.ResponseWriter, r *http.Request, p *page) error {
	p.Title, p.Nav, p.Form = p.t("bulk.title"), "matching", r.URL.Query()
	n, err := minScoreOf(p, r.URL.Query().Get("min_score"))
	if err != nil {
		d, derr := w.matchingData(r, p)
		if derr != nil {
			return derr
		}
		p.Data = d
		return w.render(rw, p, http.StatusUnprocessableEntity, "matching")
	}
	// A job's id this system could not have made names no job's
	// proposals, as an unknown one does: "no proposal has at least n
	// points", not the service's 422 on a field the page has not (ADR 0245).
	var found []string
	more := 0
	if job := r.URL.Query().Get("job"); job == "" || ids.Valid(job) {
		if found, more, err = w.proposalsFrom(r, p, job, n); err != nil {
			return err
		}
	}
	p.Data = bulkData{MinScore: n, IDs: found, More: more}
	return w.render(rw, p, http.StatusOK, "bulk")
}

// bulkApprove approves the proposals named in the form (the selected
// rows, or those the confirmation page listed), at most maxBulk, and goes
// back to the matching page saying how many it approved and how many
// failed (one taken meanwhile by another coordinator is not an error of
// the others).
func (w *Web) bulkApprove(rw http.ResponseWriter, r *http.Request, p *page) error {
	p.Title, p.Nav, p.Form = p.t("m.title"), "matching", r.PostForm
	ids := r.PostForm["ids"]
	if len(ids) == 0 || len(ids) > maxBulk {
		var v apperr.Validator
		if len(ids) == 0 {
			v.Add("ids", "choose at least one proposal")
		} else {
			v.Add("ids", fmt.Sprintf("must list at most %d proposals", maxBulk))
		}
		formErrors(p, v.Err(), func(f string) string { return f })
		d, err := w.matchingData(r, p)
		if err != nil {
			return err
		}
		p.Data = d
		return w.render(rw, p, http.StatusUnprocessableEntity, "matching")
	}
	ok, failed := 0, 0
	for _, id := range ids {
		if _, err := w.g.ChangePair(r.Context(), p.caller, id, core.PairAction{Action: "approve"}); err != nil {
			failed++
			continue
		}
		ok++
	}
	// To the matching page, which says how many: a rendered page here was
	// a POST's answer, and back or reload offered to approve again (ADR
	// 0236).
	done := url.Values{"done": {"bulk"}, "approved": {strconv.Itoa(ok)}, "failed": {strconv.Itoa(failed)}}
	http.Redirect(rw, r, withDone("/matching", done), http.StatusSeeOther)
	return nil
}

// jobStart is one programme's "start a matching job" form. Mentoring,
// dinners and guides handle the form alike (the same check of the
// municipalities, the same redisplay with errors, the same redirect) and
// differ only in these.
type jobStart struct {
	// munis are the municipalities chosen (formMunis); unknown the
	// names typed that are none.
	munis, unknown []string
	// start queues the job.
	start func() error
	// again returns the page's data, to show the form again with its
	// errors.
	again func() (any, error)
	// tmpl is the page shown again; done is where a queued job sends the
	// browser.
	tmpl, done string
	// errs puts a refusal's messages on the page; nil is formErrors with
	// the field path cut at "[" (dinners words its service's messages
	// from its own catalogue, dinnerFormErrors).
	errs func(*page, error) bool
}

// formMunis are the municipalities a start form names: the ticked boxes,
// or for an administrator (who has no boxes) a comma-separated list of
// names or codes; unknown are the entries of that list no municipality is
// called.
func formMunis(r *http.Request, p *page) (munis, unknown []string) {
	if p.Admin {
		return municipalityCodes(r.PostForm.Get("municipality_codes"))
	}
	return r.PostForm["municipality_codes"], nil
}

// startJobForm queues the job of js, or shows its page again with the
// errors by their fields.
func (w *Web) startJobForm(rw http.ResponseWriter, r *http.Request, p *page, js jobStart) error {
	err := unknownMunicipalities("municipality_codes", js.unknown)
	if err != nil {
		// Refused here: the service would only say "not an SCB code".
	} else if len(js.munis) == 0 && !p.Admin {
		// No box ticked means none, not (as an empty list means to the
		// API) all of the coordinator's municipalities.
		var v apperr.Validator
		v.Add("municipality_codes", "choose at least one municipality")
		err = v.Err()
	} else {
		err = js.start()
	}
	if err == nil {
		// Said, and focused, as every form's outcome (ADR 0236): after a
		// start by keyboard the focus was on the page's body, at its top,
		// with nothing said but the progress bar's line (outside round
		// s43).
		http.Redirect(rw, r, withDone(js.done, url.Values{"done": {"started"}}), http.StatusSeeOther)
		return nil
	}
	errs := js.errs
	if errs == nil {
		errs = func(p *page, err error) bool {
			return formErrors(p, err, func(f string) string { f, _, _ = strings.Cut(f, "["); return f })
		}
	}
	if !errs(p, err) {
		return err
	}
	d, err := js.again()
	if err != nil {
		return err
	}
	p.Data = d
	return w.render(rw, p, http.StatusUnprocessableEntity, js.tmpl)
}

// jobPage sends a direct visit of a job's progress address (a bookmark,
// a link pasted in a mail) to the page that shows the job, page?job=id,
// and reports whether it did. Only the page's polling (htmx, which sends
// HX-Request) gets the bare fragment: a browser showing it alone had no
// language, title or layout (ADR 0135). The caller has read the job
// first, so an id that is not the caller's is refused as before.
func jobPage(rw http.ResponseWriter, r *http.Request, page, id string) bool {
	// One address, two answers: a cache must keep them apart.
	rw.Header().Add("Vary", "HX-Request")
	if r.Header.Get("HX-Request") != "" {
		return false
	}
	http.Redirect(rw, r, page+"?job="+url.QueryEscape(id), http.StatusSeeOther)
	return true
}

// olderJob is the job the page's address names (id) when the page's list
// of recent jobs lacks it, so a job reached by its old address still
// shows its bar; nil when the list has it or id is empty. A job not found
// (or not the caller's) or an id that is none is nil as well: the page
// then answers as it did before, the proposals' list refusing a bad id
// by its own field.
func olderJob[J any](id string, recent []J, idOf func(J) string, get func() (J, error)) (J, error) {
	var none J
	if id == "" || slices.ContainsFunc(recent, func(j J) bool { return idOf(j) == id }) {
		return none, nil
	}
	j, err := get()
	if c := apperr.ErrorCode(err); c == apperr.NotFound || c == apperr.Invalid {
		return none, nil
	}
	return j, err
}
