package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/motesplats/motesplats/pkg/apperr"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	guidesv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	proposalv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/proposal/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/services/gateway/internal/catalog"
	"github.com/motesplats/motesplats/services/gateway/internal/core"
	"github.com/motesplats/motesplats/services/gateway/internal/emptyjob"
)

// guideRoutes are the establishment-guide pages ("Etableringslotsar"):
// eligibility and its rules, the assignment page, assignments, equity,
// guide organisations.
func (w *Web) guideRoutes() []Route {
	return []Route{
		{Method: "GET", Pattern: "/guides", h: w.guideEligibility},
		{Method: "POST", Pattern: "/guides/rules", h: w.guideRules},
		{Method: "GET", Pattern: "/guides/assign", h: w.guideAssign},
		{Method: "POST", Pattern: "/guides/jobs", h: w.guideStartJob},
		{Method: "GET", Pattern: "/guides/jobs/{id}", h: w.guideJobProgress},
		{Method: "GET", Pattern: "/guides/jobs/{id}/unassigned", h: w.guideUnassigned},
		{Method: "GET", Pattern: "/guides/assignments", h: w.guideAssignments},
		{Method: "POST", Pattern: "/guides/assignments/{id}/{action}", h: w.guideAction},
		{Method: "GET", Pattern: "/guides/equity", h: w.guideEquity},
		{Method: "GET", Pattern: "/guides/equity.csv", Token: true, h: w.guideEquityCSV},
		{Method: "GET", Pattern: "/guides/organisations", h: w.guideOrganisations},
	}
}

// word is key's text, or fallback when the catalogue has no such key.
func (p *page) word(key, fallback string) string {
	if s := p.t(key); s != key {
		return s
	}
	return fallback
}

// guideJobView is a job as the progress line shows it.
type guideJobView struct {
	// Why says why a done job proposed nothing ("" when it did).
	ID, Error, Counts, Why string
	// Unassigned links to the newcomers a done job left without a guide
	// ("" when it left nobody): "Visa de 21 som blev utan plats".
	Unassigned string
	progress
	Running, Done, Failed bool
}

func newGuideJobView(p *page, j *guidesv1.Job) guideJobView {
	st := j.GetState()
	v := guideJobView{ID: j.GetId(), Done: st == guidesv1.JobState_JOB_STATE_SUCCEEDED, Failed: st == guidesv1.JobState_JOB_STATE_FAILED}
	v.Running = !v.Done && !v.Failed
	v.progress = newProgress(p, "m.progress", j.GetProgressPercent(),
		p.word("guides.phase."+j.GetPhase(), p.word("phase."+j.GetPhase(), j.GetPhase())),
		p.word("guides.state."+strings.ToLower(strings.TrimPrefix(st.String(), "JOB_STATE_")), st.String()), v.Done)
	v.Label = whenLabel(p, v.Label, j.GetCreateTime(), j.GetMunicipalityCodes())
	v.TakenOver = takenOver(p, j.GetAttempts(), v.Done, v.Failed)
	if v.Done {
		v.Counts = p.tf("guides.job.counts", "Proposals", j.GetCounts()["proposals"], "Unassigned", j.GetCounts()["unassigned"])
		v.Why = p.emptyJob(emptyjob.FromGuides(j.GetCounts()))
		if n := j.GetCounts()["unassigned"]; n > 0 {
			v.Unassigned = p.tn("guides.unassigned.link", n)
		}
	}
	if v.Failed {
		v.Error = p.t("guides.job.failed")
		if strings.HasPrefix(j.GetErrorMessage(), "the quotas cannot all be met: ") {
			v.Error = p.t("guides.job.quota") + " " + strings.TrimPrefix(j.GetErrorMessage(), "the quotas cannot all be met: ")
		}
	}
	return v
}

// guideAssignmentRow is an assignment with its explanation in words and
// the actions its status allows.
type guideAssignmentRow struct {
	ID, Newcomer, Organisation, Municipality, Language, Status, CSRF string
	Score                                                            int32
	Why                                                              []string
	Proposed, Approved, Assigned, Active                             bool
	NewcomerAccepted, OrganisationAccepted                           bool
	// Dates are the follow-up's dates in words: when the guidance started
	// (or, not yet started, when it was assigned) and when the newcomer's
	// establishment period, and with it the guidance, ends (ADR 0139).
	Dates []string
	// Apart tells the newcomer from a namesake on the same page (see
	// dinnerSeatingRow).
	Apart string
	// PastEnd marks an assigned or active guidance whose establishment
	// period is over: the coordinator should end it.
	PastEnd bool
}

// newGuideAssignmentRow is v's row on a page read on today (YYYY-MM-DD,
// Stockholm's day).
func newGuideAssignmentRow(p *page, v *gatewayv1.GuideAssignmentView, today string) guideAssignmentRow {
	a := v.GetAssignment()
	st := a.GetStatus()
	row := guideAssignmentRow{ID: a.GetId(), Newcomer: v.GetParticipantName(), Organisation: orgOrGone(p, a.GetOrganisationId(), v.GetOrganisationName()),
		Municipality: muniLabel(a.GetMunicipalityCode()), Language: langWord(p, a.GetLanguage()), Score: a.GetScore(), CSRF: p.CSRF,
		Status:   p.word("guides.status."+strings.ToLower(strings.TrimPrefix(st.String(), "ASSIGNMENT_STATUS_")), st.String()),
		Proposed: st == eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_PROPOSED, Approved: st == eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_APPROVED,
		Assigned: st == eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_ASSIGNED, Active: st == eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_ACTIVE,
		NewcomerAccepted: a.GetNewcomerAccepted(), OrganisationAccepted: a.GetOrganisationAccepted()}
	row.Dates, row.PastEnd = guidanceDates(p, a, today)
	if over := guidanceOver(p, a); over != "" {
		row.Dates = append(row.Dates, over)
	}
	for _, r := range catalog.Explain(a) {
		key := "guides.explain." + r.Rule
		text := p.tf(key, "Language", langWord(p, r.Language))
		if text == key {
			text = r.English()
		}
		row.Why = append(row.Why, p.tf("guides.explain.points", "Text", text, "Points", r.Points))
	}
	return row
}

// langWord is a language's name in the page's language, or its code.
func langWord(p *page, code string) string {
	if code == "" {
		return p.t("guides.unknown")
	}
	return p.word("guides.lang."+code, code)
}

type guideAssignData struct {
	Available bool
	RequestID string
	Munis     []string
	Quotas    []option
	Jobs      []guideJobView
	Rows      []guideAssignmentRow
	Pager     pager
	Reasons   []option
	JobID     string
}

func (w *Web) guideAssign(rw http.ResponseWriter, r *http.Request, p *page) error {
	p.Title, p.Nav, p.Action = p.t("guides.assign.title"), "guides", "/guides/assign"
	switch done := flashQuery(p, r).Get("done"); done {
	case "approved", "rejected":
		p.Flash = p.t("guides.done." + done)
	case "started":
		p.Flash = p.t("job.done.started")
	}
	d, err := w.guideAssignData(r, p)
	if err != nil {
		return err
	}
	p.Data = d
	return w.render(rw, p, http.StatusOK, "guides_assign")
}

func (w *Web) guideAssignData(r *http.Request, p *page) (*guideAssignData, error) {
	d := &guideAssignData{Available: w.g.GuidesAvailable(), RequestID: ids.UUIDv7{}.New(), Munis: p.User.GetMunicipalityCodes()}
	var err error
	if d.JobID, err = queryJob(r); err != nil {
		return nil, err
	}
	for _, q := range []guidesv1.QuotaKind{guidesv1.QuotaKind_QUOTA_KIND_GENDER_PER_MUNICIPALITY, guidesv1.QuotaKind_QUOTA_KIND_MUNICIPALITY_TOTAL,
		guidesv1.QuotaKind_QUOTA_KIND_LANGUAGE} {
		d.Quotas = append(d.Quotas, option{q.String(), p.t("guides.quota." + strings.ToLower(strings.TrimPrefix(q.String(), "QUOTA_KIND_")))})
	}
	for v := proposalv1.RejectReason_REJECT_REASON_POOR_FIT; v <= proposalv1.RejectReason_REJECT_REASON_OTHER; v++ {
		d.Reasons = append(d.Reasons, option{v.String(), p.t("guides.reject." + strings.ToLower(strings.TrimPrefix(v.String(), "REJECT_REASON_")))})
	}
	if !d.Available {
		return d, nil
	}
	ctx := r.Context()
	jobs, _, err := w.g.ListGuideJobs(ctx, p.caller, 3, "")
	if err != nil {
		return nil, err
	}
	older, err := olderJob(d.JobID, jobs, (*guidesv1.Job).GetId, func() (*guidesv1.Job, error) { return w.g.GetGuideJob(ctx, p.caller, d.JobID) })
	if err != nil {
		return nil, err
	}
	if older != nil {
		jobs = append(jobs, older)
	}
	for _, j := range jobs {
		d.Jobs = append(d.Jobs, newGuideJobView(p, j))
	}
	res, err := w.g.ListGuideAssignments(ctx, p.caller, &gatewayv1.ListGuideAssignmentsRequest{JobId: d.JobID, PageSize: 50,
		PageToken: r.URL.Query().Get("page_token"), Statuses: []eventsv1.AssignmentStatus{eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_PROPOSED}})
	if err != nil {
		return nil, err
	}
	today := time.Now().In(stockholm).Format(time.DateOnly)
	apart, err := rowsApart(ctx, w, p, res.GetAssignments(), (*gatewayv1.GuideAssignmentView).GetAssignment)
	if err != nil {
		return nil, err
	}
	for _, v := range res.GetAssignments() {
		row := newGuideAssignmentRow(p, v, today)
		row.Apart = apart[v.GetAssignment().GetParticipantId()]
		d.Rows = append(d.Rows, row)
	}
	d.Pager = newPager(p, r, "", "#proposals", 50, len(d.Rows), res.GetTotalSize(), res.GetNextPageToken())
	return d, nil
}

func (w *Web) guideStartJob(rw http.ResponseWriter, r *http.Request, p *page) error {
	p.Title, p.Nav, p.Action, p.Form = p.t("guides.assign.title"), "guides", "/guides/assign", r.PostForm
	munis, unknown := formMunis(r, p)
	req := &gatewayv1.StartGuideJobRequest{RequestId: r.PostForm.Get("request_id"), MunicipalityCodes: munis}
	q, known := guidesv1.QuotaKind_value[r.PostForm.Get("quota")]
	if known && q != 0 {
		req.Quotas = []guidesv1.QuotaKind{guidesv1.QuotaKind(q)}
	}
	return w.startJobForm(rw, r, p, jobStart{munis: req.MunicipalityCodes, unknown: unknown, tmpl: "guides_assign", done: "/guides/assign",
		start: func() error {
			// A quota the form does not offer is refused, never run as no
			// quota.
			if !known && r.PostForm.Get("quota") != "" {
				return apperr.FieldError("quota", "is not a known quota kind")
			}
			_, err := w.g.StartGuideJob(r.Context(), p.caller, req)
			return err
		},
		again: func() (any, error) { return w.guideAssignData(r, p) },
	})
}

// guideJobProgress returns the fragment the progress line polls.
func (w *Web) guideJobProgress(rw http.ResponseWriter, r *http.Request, p *page) error {
	j, err := w.g.GetGuideJob(r.Context(), p.caller, r.PathValue("id"))
	if err != nil {
		return err
	}
	if jobPage(rw, r, "/guides/assign", j.GetId()) {
		return nil
	}
	v := newGuideJobView(p, j)
	jobDone(rw, v.Done)
	return w.fragment(rw, p, "guides_assign", "guidejob", v)
}

type guideAssignmentsData struct {
	Available  bool
	Rows       []guideAssignmentRow
	Pager      pager
	EndReasons []option
	Declines   []option
	// Statuses is the status filter's choices, the one shown selected.
	Statuses []dinnerChoice
	// Filtered says a status was chosen, so an empty page says none is in
	// that state rather than "none approved or running".
	Filtered bool
}

func (w *Web) guideAssignments(rw http.ResponseWriter, r *http.Request, p *page) error {
	p.Title, p.Nav, p.Action = p.t("guides.assignments.title"), "guides", "/guides/assignments"
	d := &guideAssignmentsData{Available: w.g.GuidesAvailable()}
	for v := eventsv1.AssignmentEndReason_ASSIGNMENT_END_REASON_PERIOD_OVER; v <= eventsv1.AssignmentEndReason_ASSIGNMENT_END_REASON_OPTED_OUT; v++ {
		d.EndReasons = append(d.EndReasons, option{v.String(), p.t("guides.end." + strings.ToLower(strings.TrimPrefix(v.String(), "ASSIGNMENT_END_REASON_")))})
	}
	for v := proposalv1.DeclineReason_DECLINE_REASON_NO_TIME; v <= proposalv1.DeclineReason_DECLINE_REASON_OTHER; v++ {
		d.Declines = append(d.Declines, option{v.String(), p.t("guides.decline." + strings.ToLower(strings.TrimPrefix(v.String(), "DECLINE_REASON_")))})
	}
	// The page lists the approved, assigned and active assignments; an
	// address may narrow it to one of them (?status=ASSIGNMENT_STATUS_ACTIVE)
	// or to those that are over, ended, declined, rejected or withdrawn, so
	// a guidance a coordinator ended (or a party declined) can still be
	// found with its reason: it was on no page once it left the running
	// three. A proposal is the assignment page's. Any other status is
	// refused by its field, never read as all.
	statuses := []eventsv1.AssignmentStatus{eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_APPROVED,
		eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_ASSIGNED, eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_ACTIVE}
	var names []string
	for _, s := range append(slices.Clone(statuses), eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_ENDED, eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_DECLINED,
		eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_REJECTED, eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_WITHDRAWN) {
		names = append(names, s.String())
	}
	var v apperr.Validator
	want := choiceFilter(&v, r.URL.Query(), "status", names...)
	for _, n := range names {
		d.Statuses = append(d.Statuses, dinnerChoice{n, p.t("guides.status." + strings.ToLower(strings.TrimPrefix(n, "ASSIGNMENT_STATUS_"))), n == want})
	}
	if want != "" {
		statuses, d.Filtered = []eventsv1.AssignmentStatus{eventsv1.AssignmentStatus(eventsv1.AssignmentStatus_value[want])}, true
	}
	if err := v.Err(); err != nil {
		formErrors(p, err, sameField)
		p.Data = d
		return w.render(rw, p, http.StatusUnprocessableEntity, "guides_assignments")
	}
	if d.Available {
		res, err := w.g.ListGuideAssignments(r.Context(), p.caller, &gatewayv1.ListGuideAssignmentsRequest{PageSize: 50,
			PageToken: r.URL.Query().Get("page_token"), Statuses: statuses})
		if err != nil {
			return err
		}
		today := time.Now().In(stockholm).Format(time.DateOnly)
		apart, err := rowsApart(r.Context(), w, p, res.GetAssignments(), (*gatewayv1.GuideAssignmentView).GetAssignment)
		if err != nil {
			return err
		}
		for _, v := range res.GetAssignments() {
			row := newGuideAssignmentRow(p, v, today)
			row.Apart = apart[v.GetAssignment().GetParticipantId()]
			d.Rows = append(d.Rows, row)
		}
		d.Pager = newPager(p, r, "", "", 50, len(d.Rows), res.GetTotalSize(), res.GetNextPageToken())
	}
	p.Data = d
	return w.render(rw, p, http.StatusOK, "guides_assignments")
}

// guideAction changes an assignment and goes back to the page it came
// from (proposals to the assignment page, the rest to assignments).
func (w *Web) guideAction(rw http.ResponseWriter, r *http.Request, p *page) error {
	f := r.PostForm
	a := core.GuideAction{Action: r.PathValue("action")}
	back := "/guides/assignments"
	// Every list's value is read with enumField, as the dinners seating
	// steps read theirs: one the lists do not offer (a tampered form) is
	// refused by its field, nothing changed, never passed on as "not
	// given" or as the service's zero value.
	var v apperr.Validator
	// A proposal is approved or rejected on the page of the job under
	// review, which it goes back to, saying what was done: it went back to
	// the latest job's page, and nothing said the click had taken
	// (outside round s29).
	reviewed := url.Values{}
	if j := f.Get("job"); ids.Valid(j) {
		reviewed.Set("job", j)
	}
	switch a.Action {
	case "approve":
		reviewed.Set("done", "approved")
		back = withDone(p, "/guides/assign", reviewed)
	case "reject":
		reviewed.Set("done", "rejected")
		back = withDone(p, "/guides/assign", reviewed)
		// The form's list requires a reason (none is chosen for the
		// coordinator); a post without one (a script, an old page)
		// counts as "other", as mentoring's does.
		a.RejectReason = proposalv1.RejectReason(enumField(&v, f, "reason", proposalv1.RejectReason_value))
		if a.RejectReason == proposalv1.RejectReason_REJECT_REASON_UNSPECIFIED {
			a.RejectReason = proposalv1.RejectReason_REJECT_REASON_OTHER
		}
	case "accept", "decline":
		a.Party = guidesv1.AcceptingParty(enumField(&v, f, "party", guidesv1.AcceptingParty_value))
		a.DeclineReason = proposalv1.DeclineReason(enumField(&v, f, "reason", proposalv1.DeclineReason_value))
	case "activate":
	case "end":
		a.EndReason = eventsv1.AssignmentEndReason(enumField(&v, f, "reason", eventsv1.AssignmentEndReason_value))
	default:
		return apperr.Errorf(apperr.NotFound, "not found")
	}
	if err := v.Err(); err != nil {
		return err
	}
	if _, err := w.g.ChangeGuideAssignment(r.Context(), p.caller, r.PathValue("id"), a); err != nil && !w.assignmentResent(r, p, a.Action, err) {
		return err
	}
	http.Redirect(rw, r, back, http.StatusSeeOther)
	return nil
}

// guideEquityCSV downloads the equity rows as CSV (see csvFile; also with
// an API token): the page's figures in the user's words, one row per
// group, with the same minimum group size (min_group) as the page. mp
// guides equity -o saves this same file (ADR 0111), naming the
// municipalities it was given (municipalities, codes comma-separated) and
// its own language when MP_LANG chose another than the account's (lang,
// one the app offers).
func (w *Web) guideEquityCSV(rw http.ResponseWriter, r *http.Request, p *page) error {
	minGroup := equityMinGroup(r)
	if l := r.URL.Query().Get("lang"); slices.Contains(offered, l) {
		p.Lang = l
	}
	res, err := w.g.GuideEquity(r.Context(), p.caller, &gatewayv1.GetGuideEquityRequest{MinGroupSize: minGroup,
		MunicipalityCodes: splitList(r.URL.Query().Get("municipalities"))})
	if err != nil {
		return err
	}
	return equityCSV(p, res.GetRows(), minGroup).send(rw, p.t("guides.csv.file")+"-"+time.Now().In(stockholm).Format(time.DateOnly))
}
