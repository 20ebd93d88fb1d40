package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/auth"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/services/gateway/internal/audit"
	"github.com/motesplats/motesplats/services/gateway/internal/core"
)

type matchingData struct {
	Available bool
	RequestID string
	Munis     []string
	// Org is an admin's choice of the organisation to match for.
	Org  pickerField
	Jobs []jobRow
	// Running are the jobs still going, shown with their progress bars.
	Running []jobView
	// Job is the job whose proposals are listed, when one is chosen.
	Job       string
	Proposals []proposalRow
	Pairs     []pairLine
	// ProposalPager and PairPager page the two lists separately.
	ProposalPager, PairPager pager
	// FollowUp lists only the active pairs without a recent check-in (the
	// overview's tile links here): among 50 pairs a page, marked ⚠ in a
	// column, the week's follow-ups took paging through every pair.
	FollowUp bool
	// Ended lists only the pairs that ended in the last endedDays days
	// (pairsfilter.go): the ones a coordinator calls after an early end.
	Ended bool
	// Links are the pairs list under each filter (pairsLinks).
	Links pairsLinks
}

func (w *Web) matching(rw http.ResponseWriter, r *http.Request, p *page) error {
	p.Title, p.Nav, p.Flash = p.t("m.title"), "matching", matchingFlash(p, r)
	d, err := w.matchingData(r, p)
	if err != nil {
		return err
	}
	p.Data = d
	return w.render(rw, p, http.StatusOK, "matching")
}

func (w *Web) matchingData(r *http.Request, p *page) (*matchingData, error) {
	d := &matchingData{Available: w.g.MentoringAvailable(), RequestID: ids.UUIDv7{}.New(), Munis: p.User.GetMunicipalityCodes()}
	if !d.Available {
		return d, nil
	}
	ctx := r.Context()
	if p.Admin {
		orgs, err := w.orgOptions(r, p)
		if err != nil {
			return nil, err
		}
		d.Org = noOrgHint(p, newPicker(p, "organisation_id", "f.organisation", "", orgs))
	}
	jobs, _, err := w.g.ListJobs(ctx, p.caller, jobHistorySize, "")
	if err != nil {
		return nil, err
	}
	if d.Job, err = queryJob(r); err != nil {
		return nil, err
	}
	older, err := olderJob(d.Job, jobs, (*mentoringv1.Job).GetId, func() (*mentoringv1.Job, error) { return w.g.GetJob(ctx, p.caller, d.Job) })
	if err != nil {
		return nil, err
	}
	if older != nil {
		jobs = append(jobs, older)
	}
	// Best first across pages: the service ranks by points (ADR 0128).
	q := &gatewayv1.ListPairsRequest{Statuses: []eventsv1.PairStatus{eventsv1.PairStatus_PAIR_STATUS_PROPOSED}, PageSize: 50, JobId: d.Job,
		PageToken: r.URL.Query().Get("page_token"), Order: mentoringv1.PairOrder_PAIR_ORDER_SCORE_DESC}
	props, err := w.g.ListPairs(ctx, p.caller, q)
	if err != nil {
		return nil, err
	}
	d.ProposalPager = newPager(p, r, "", "#proposals", 50, len(props.GetPairs()), props.GetTotalSize(), props.GetNextPageToken())
	pq := pairsQuery(r, p, d)
	pq.PageToken = r.URL.Query().Get("pairs_page_token")
	pairs, err := w.g.ListPairs(ctx, p.caller, pq)
	if err != nil {
		return nil, err
	}
	d.PairPager = newPager(p, r, "pairs_", "#pairs", 50, len(pairs.GetPairs()), pairs.GetTotalSize(), pairs.GetNextPageToken())
	pids, vids := pairsPeople(props.GetPairs(), pairs.GetPairs())
	ns, err := w.namesakesOf(ctx, p, pids, vids)
	if err != nil {
		return nil, err
	}
	matchingRows(p, d, jobs, func(j *mentoringv1.Job) string { return w.starters.get(ctx, w.g, j) }, props.GetPairs(), pairs.GetPairs(), ns)
	return d, nil
}

func (w *Web) startJob(rw http.ResponseWriter, r *http.Request, p *page) error {
	p.Title, p.Nav, p.Form = p.t("m.title"), "matching", r.PostForm
	munis, unknown := formMunis(r, p)
	return w.startJobForm(rw, r, p, jobStart{munis: munis, unknown: unknown, tmpl: "matching", done: "/matching",
		start: func() error {
			_, err := w.g.StartJob(r.Context(), p.caller, r.PostForm.Get("request_id"), strings.TrimSpace(r.PostForm.Get("organisation_id")), munis)
			return err
		},
		again: func() (any, error) { return w.matchingData(r, p) },
	})
}

// jobProgress returns the job fragment the progress bar polls.
func (w *Web) jobProgress(rw http.ResponseWriter, r *http.Request, p *page) error {
	j, err := w.g.GetJob(r.Context(), p.caller, r.PathValue("id"))
	if err != nil {
		return err
	}
	if jobPage(rw, r, "/matching", j.GetId()) {
		return nil
	}
	v := newJobView(p, j)
	v.Poll = true
	jobDone(rw, v.Done)
	return w.fragment(rw, p, "matching", "job", v)
}

// jobDone tells the page whose job line polled the fragment that the job
// has ended, when it has: each programme's proposals section listens for
// the event and reloads itself, so the new proposals appear without a page
// reload (issue 12 for mentoring; the dinners and guides pages said "no
// proposals" under a finished job's "215 proposals" until reloaded,
// outside round s30).
func jobDone(rw http.ResponseWriter, done bool) {
	if done {
		rw.Header().Set("HX-Trigger", "jobDone")
	}
}

// pairAction approves or rejects a proposal; htmx swaps the table row,
// a plain form post goes back to the matching page. A rejection needs its
// reason (issue 12: rejecting asked for none); without one the row comes
// back asking for it, once the pair is known to be the caller's.
func (w *Web) pairAction(rw http.ResponseWriter, r *http.Request, p *page) error {
	a := core.PairAction{Action: r.PathValue("action")}
	switch a.Action {
	case "approve":
	case "reject":
		v, ok := eventsv1.RejectReason_value[r.PostForm.Get("reason")]
		if !ok || v == 0 {
			pv, err := w.g.GetPair(r.Context(), p.caller, r.PathValue("id"))
			if err != nil {
				return err
			}
			if r.Header.Get("HX-Request") == "" {
				http.Redirect(rw, r, "/pairs/"+url.PathEscape(pv.GetPair().GetId())+"#actions", http.StatusSeeOther)
				return nil
			}
			row := newProposalRow(p, pv, "", rejectReasons(p))
			row.Message, row.Job = p.t("m.reason_needed"), rowJob(r)
			if err := w.markProposal(r.Context(), p, pv, &row); err != nil {
				return err
			}
			return w.fragment(rw, p, "matching", "proposal", row)
		}
		a.RejectReason = eventsv1.RejectReason(v)
	default:
		return apperr.Errorf(apperr.NotFound, "not found")
	}
	v, err := w.g.ChangePair(r.Context(), p.caller, r.PathValue("id"), a)
	if w.pairResent(r, p, a.Action, err) {
		err = nil // sent twice: the first did it (resent.go)
	}
	if err != nil && r.Header.Get("HX-Request") != "" {
		return w.pairActionRefused(rw, r, p, err)
	}
	if err != nil {
		return err
	}
	if r.Header.Get("HX-Request") == "" {
		done := url.Values{"done": {a.Action}}
		if j := rowJob(r); j != "" {
			done.Set("job", j)
		}
		http.Redirect(rw, r, withDone(p, "/matching", done), http.StatusSeeOther)
		return nil
	}
	msg := p.t("m.approved")
	if a.Action == "reject" {
		msg = p.t("m.rejected")
	}
	row := newProposalRow(p, v, msg, rejectReasons(p))
	row.Job = rowJob(r)
	// The action is done: a namesake look-up that fails leaves the row's
	// words unmarked rather than hiding that it was done.
	_ = w.markProposal(r.Context(), p, v, &row)
	return w.fragment(rw, p, "matching", "proposal", row)
}

// pairActionRefused answers a proposal's approve or reject, sent from its
// row, that the service refused because the pair moved on: approved in
// another tab or by a colleague, answered, expired. htmx swaps no error
// answer, so the row stayed as it was with its buttons and the click
// said nothing (outside round s32, ADR 0178). The row is read again and
// shown as it is now, with the service's reason in words where its
// action was. Any other refusal is the error page, as before.
func (w *Web) pairActionRefused(rw http.ResponseWriter, r *http.Request, p *page, err error) error {
	pe := core.Public(p.ctx, w.opts.Logger, err)
	if pe.Code != apperr.FailedPrecondition && pe.Code != apperr.Conflict {
		return err
	}
	pv, gerr := w.g.GetPair(r.Context(), p.caller, r.PathValue("id"))
	if gerr != nil {
		return err
	}
	row := newProposalRow(p, pv, translateMessage(p.Lang, pe.Message), rejectReasons(p))
	row.Job = rowJob(r)
	if err := w.markProposal(r.Context(), p, pv, &row); err != nil {
		return err
	}
	return w.fragment(rw, p, "matching", "proposal", row)
}

// usersData is the users page: the users, and the organisations by name
// for their column and the new user's picker (an admin reads ids nowhere).
type usersData struct {
	Users []*gatewayv1.User
	// OrgNames maps an organisation id to its name.
	OrgNames map[string]string
	// Role and Org are the new user's pickers, in the page's language.
	Role, Org pickerField
}

// loadUsers fills p.Data for the users page.
func (w *Web) loadUsers(r *http.Request, p *page) error {
	p.Title, p.Nav = p.t("u.title"), "users"
	us, _, err := w.g.ListUsers(r.Context(), p.caller, 500, "")
	if err != nil {
		return err
	}
	d := usersData{Users: us, OrgNames: map[string]string{}}
	orgs, err := w.orgOptions(r, p)
	if err != nil {
		return err
	}
	for _, o := range orgs {
		d.OrgNames[o.Value] = o.Label
	}
	d.Org = noOrgHint(p, newPicker(p, "organisation_id", "f.organisation", "u.org.none", orgs))
	var roles []option
	for _, r := range []string{"coordinator", "admin", "operator"} {
		roles = append(roles, option{Value: r, Label: p.t("role." + r)})
	}
	d.Role = newPicker(p, "role", "u.role", "", roles)
	p.Data = d
	return nil
}

// orgOptions lists the organisations p's user sees, by name, for a
// picker: an admin chooses one by its name, never types its id.
func (w *Web) orgOptions(r *http.Request, p *page) ([]option, error) {
	all, err := w.allOrganisations(r, p)
	if err != nil {
		return nil, err
	}
	orgs := make([]option, 0, len(all))
	for _, o := range all {
		orgs = append(orgs, option{Value: o.GetId(), Label: o.GetName()})
	}
	sortOptions(p.Lang, orgs)
	return orgs, nil
}

func (w *Web) users(rw http.ResponseWriter, r *http.Request, p *page) error {
	if err := w.loadUsers(r, p); err != nil {
		return err
	}
	p.Flash = usersFlash(p, r)
	return w.render(rw, p, http.StatusOK, "users")
}

func (w *Web) createUser(rw http.ResponseWriter, r *http.Request, p *page) error {
	p.Form = r.PostForm
	role := gatewayv1.Role(gatewayv1.Role_value["ROLE_"+strings.ToUpper(r.PostForm.Get("role"))])
	munis, unknown := municipalityCodes(r.PostForm.Get("municipality_codes"))
	u := &gatewayv1.User{
		Email: r.PostForm.Get("email"), DisplayName: r.PostForm.Get("display_name"), Role: role,
		OrganisationId: strings.TrimSpace(r.PostForm.Get("organisation_id")), MunicipalityCodes: munis,
	}
	// A name no municipality has is refused with everything else the
	// form would be refused for, in one answer (ADR 0211): it stopped the
	// form before the organisation's and the account's checks, which
	// then refused in rounds of their own.
	err := unknownMunicipalities("municipality_codes", unknown)
	if err != nil {
		if cerr := w.g.CheckNewUser(r.Context(), p.caller, u, r.PostForm.Get("password"), err); cerr != nil {
			err = cerr
		}
	} else {
		_, err = w.g.CreateUser(r.Context(), p.caller, u, r.PostForm.Get("password"))
	}
	if err != nil {
		if apperr.ErrorCode(err) == apperr.AlreadyExists {
			// Beside the e-mail field, as the e-mail form has it: the
			// summary alone named no field (ADR 0223).
			err = apperr.FieldError("user.email", apperr.ErrorMessage(err))
		}
		if formErrors(p, err, userField) {
			if lerr := w.loadUsers(r, p); lerr != nil {
				return lerr
			}
			return w.render(rw, p, http.StatusUnprocessableEntity, "users")
		}
		return err
	}
	http.Redirect(rw, r, withDone(p, "/admin/users", url.Values{"done": {"created"}}), http.StatusSeeOther)
	return nil
}

func (w *Web) userAction(rw http.ResponseWriter, r *http.Request, p *page) error {
	if !p.Admin {
		return apperr.Errorf(apperr.PermissionDenied, "only admins may do this")
	}
	var disabled bool
	switch r.PathValue("action") {
	case "disable":
		disabled = true
	case "enable":
	case "erase":
		return w.eraseUser(rw, r, p)
	case "email":
		return w.changeUserEmail(rw, r, p)
	default:
		return apperr.Errorf(apperr.NotFound, "not found")
	}
	if _, err := w.g.UpdateUser(r.Context(), p.caller, &gatewayv1.User{Id: r.PathValue("id"), Disabled: disabled}, []string{"disabled"}, ""); err != nil {
		return err
	}
	http.Redirect(rw, r, withDone(p, "/admin/users", url.Values{"done": {map[bool]string{true: "disabled", false: "enabled"}[disabled]}}), http.StatusSeeOther)
	return nil
}

type auditData struct {
	Entries []*gatewayv1.AuditEntry
	Next    string
	// Names are the users' names by id: a row said only
	// "01a24214-09bd-... samordnare"; the id stays beside the name, as
	// the search takes it.
	Names map[string]string
}

func (w *Web) audit(rw http.ResponseWriter, r *http.Request, p *page) error {
	p.Title, p.Nav, p.Form = p.t("a.title"), "audit", r.URL.Query()
	// Newest first unless asked otherwise: the admin who has just erased a
	// user read a first page of the stream's oldest sign-ins (ADR 0205's
	// Left, 0211).
	q := audit.Query{UserID: strings.TrimSpace(r.URL.Query().Get("user_id")), ResourceID: strings.TrimSpace(r.URL.Query().Get("resource_id")),
		PageSize: 100, PageToken: r.URL.Query().Get("page_token"), NewestFirst: r.URL.Query().Get("order") != "oldest"}
	var v apperr.Validator
	for name, t := range map[string]*time.Time{"from": &q.Start, "to": &q.End} {
		if s := r.URL.Query().Get(name); s != "" {
			// In Stockholm's time, as the table shows the entries.
			parsed, err := time.ParseInLocation("2006-01-02T15:04", s, stockholm)
			if err != nil {
				v.Add(name, "must be a date and time")
			}
			*t = parsed
		}
	}
	// A window whose end is not after its start holds no entry: the page
	// showed an empty table, which an admin asking "who read this record"
	// read as "nobody" (found from outside, ADR 0223).
	if !q.Start.IsZero() && !q.End.IsZero() && !q.End.After(q.Start) {
		v.Add("to", "must be after the From time")
	}
	// Only an admin is shown the form's mistakes: anyone else goes on to
	// the search, refused (and recorded) as without them. A coordinator's
	// mistyped date answered the admin's search form (found from outside,
	// ADR 0223).
	if err := v.Err(); err != nil && p.Admin {
		formErrors(p, err, func(f string) string { return f })
		return w.render(rw, p, http.StatusUnprocessableEntity, "audit")
	}
	es, next, err := w.g.SearchAudit(r.Context(), p.caller, q)
	if err != nil {
		// A coordinator is refused with the forbidden page, as on every
		// other admin page, not the admin's search form with the refusal
		// as a field error (422, in English).
		if apperr.ErrorCode(err) != apperr.PermissionDenied && formErrors(p, err, func(f string) string { return f }) {
			return w.render(rw, p, http.StatusUnprocessableEntity, "audit")
		}
		return err
	}
	// The names are a help, not the record: a caller who may search the
	// log but not list the users (an operator) sees the ids alone.
	// An id no account holds any more is an erased user's: the entry
	// keeps the id and says so where the name was (ADR 0201). A
	// service's entry (notify's, one per message sent) has no account
	// to look for: it read "raderad användare notify" (ADR 0227).
	names := map[string]string{}
	if p.Admin {
		for _, e := range es {
			id := e.GetUserId()
			if _, seen := names[id]; seen || id == "" {
				continue
			}
			if e.GetRole() == string(auth.RoleService) {
				names[id] = p.t("a.service")
				continue
			}
			u, err := w.g.GetUser(r.Context(), p.caller, id)
			switch {
			case err == nil:
				names[id] = u.GetDisplayName()
			case apperr.ErrorCode(err) == apperr.NotFound:
				names[id] = p.t("u.erased")
			}
		}
	}
	p.Data = auditData{Entries: es, Next: next, Names: names}
	return w.render(rw, p, http.StatusOK, "audit")
}
