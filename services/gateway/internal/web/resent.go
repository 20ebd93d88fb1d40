package web

import (
	"log/slog"
	"net/http"

	"github.com/motesplats/motesplats/pkg/apperr"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	"github.com/motesplats/motesplats/services/gateway/internal/core"
)

// A plain form (no script) sent twice, by a double click or a browser's
// resend, had its first post done and its second answered with a 409
// page: "bara ett föreslaget par kan godkännas (status nu: erbjuden)",
// though what the coordinator asked for was done (outside round s43, ADR
// 0242). A second post of the same action on a record already in the
// state that action leads to now answers as the first did, the same 303
// and flash; any other refusal (a reject after an approve) stays the page
// that says why. A row's action sent by htmx keeps its answer, the row as
// it is now with the refusal in words (ADR 0178): a second tab's row says
// that someone else had done it.

// pairResults, seatingResults and assignmentResults name the state each
// action leads to, for the actions whose outcome is one state whoever
// sent them (an acceptance's depends on its party, a check-in has its
// own request id).
var (
	pairResults = map[string]eventsv1.PairStatus{
		"approve": eventsv1.PairStatus_PAIR_STATUS_OFFERED,
		"reject":  eventsv1.PairStatus_PAIR_STATUS_REJECTED,
		"end":     eventsv1.PairStatus_PAIR_STATUS_ENDED,
	}
	seatingResults = map[string]eventsv1.SeatingStatus{
		"approve": eventsv1.SeatingStatus_SEATING_STATUS_INVITED,
		"reject":  eventsv1.SeatingStatus_SEATING_STATUS_REJECTED,
		"cancel":  eventsv1.SeatingStatus_SEATING_STATUS_CANCELLED,
	}
	assignmentResults = map[string]eventsv1.AssignmentStatus{
		"approve":  eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_APPROVED,
		"reject":   eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_REJECTED,
		"activate": eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_ACTIVE,
		"end":      eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_ENDED,
	}
)

// resendable says whether err, the answer to a plain form's action, is a
// refusal of a record that moved on (FailedPrecondition or Conflict), so
// that the record is worth reading again to see whether it moved on by
// this very action.
func resendable(r *http.Request, p *page, err error) bool {
	if err == nil || r.Header.Get("HX-Request") != "" {
		return false
	}
	code := core.Public(p.ctx, slog.Default(), err).Code
	return code == apperr.FailedPrecondition || code == apperr.Conflict
}

// pairResent says whether a refused pair action was done already: the
// pair is in the state action leads to.
func (w *Web) pairResent(r *http.Request, p *page, action string, err error) bool {
	want, ok := pairResults[action]
	if !ok || !resendable(r, p, err) {
		return false
	}
	v, gerr := w.g.GetPair(r.Context(), p.caller, r.PathValue("id"))
	return gerr == nil && v.GetPair().GetStatus() == want
}

// seatingResent says the same of a dinners seating.
func (w *Web) seatingResent(r *http.Request, p *page, action string, err error) bool {
	want, ok := seatingResults[action]
	if !ok || !resendable(r, p, err) {
		return false
	}
	v, gerr := w.g.GetSeating(r.Context(), p.caller, r.PathValue("id"))
	return gerr == nil && v.GetSeating().GetStatus() == want
}

// assignmentResent says the same of a guides assignment.
func (w *Web) assignmentResent(r *http.Request, p *page, action string, err error) bool {
	want, ok := assignmentResults[action]
	if !ok || !resendable(r, p, err) {
		return false
	}
	v, gerr := w.g.GetGuideAssignment(r.Context(), p.caller, r.PathValue("id"))
	return gerr == nil && v.GetAssignment().GetStatus() == want
}
