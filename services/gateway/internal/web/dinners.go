package web

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/calendar"
	dinnersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	proposalv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/proposal/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/services/gateway/internal/apart"
	"github.com/motesplats/motesplats/services/gateway/internal/catalog"
	"github.com/motesplats/motesplats/services/gateway/internal/core"
)

// dinnerRoutes are the pages of the dinner-host programme ("Middagar"):
// matching, offers, sign-ups, seatings, the waitlist and the report. Every
// word on them comes from the dinners.<lang>.toml catalogues.
func (w *Web) dinnerRoutes() []Route {
	return []Route{
		{Method: "GET", Pattern: "/dinners", h: w.dinnersMatching},
		{Method: "POST", Pattern: "/dinners/jobs", h: w.dinnersStartJob},
		{Method: "GET", Pattern: "/dinners/jobs/{id}", h: w.dinnersJobProgress},
		{Method: "GET", Pattern: "/dinners/jobs/{id}/unseated", h: w.dinnerUnseated},
		{Method: "GET", Pattern: "/dinners/offers", h: w.dinnerOffers},
		{Method: "GET", Pattern: "/dinners/offers/new", h: w.dinnerOfferNew},
		{Method: "POST", Pattern: "/dinners/offers", h: w.dinnerOfferCreate},
		{Method: "POST", Pattern: "/dinners/offers/{id}/delete", h: w.dinnerOfferDelete},
		{Method: "POST", Pattern: "/dinners/offers/{id}/cancel", h: w.dinnerCancelDate},
		{Method: "GET", Pattern: "/dinners/offers/{id}/edit", h: w.dinnerOfferEdit},
		{Method: "POST", Pattern: "/dinners/offers/{id}", h: w.dinnerOfferUpdate},
		{Method: "GET", Pattern: "/dinners/signups", h: w.dinnerSignUps},
		{Method: "GET", Pattern: "/dinners/signups/new", h: w.dinnerSignUpNew},
		{Method: "POST", Pattern: "/dinners/signups", h: w.dinnerSignUpCreate},
		{Method: "POST", Pattern: "/dinners/signups/{id}/delete", h: w.dinnerSignUpDelete},
		{Method: "GET", Pattern: "/dinners/signups/{id}/edit", h: w.dinnerSignUpEdit},
		{Method: "POST", Pattern: "/dinners/signups/{id}", h: w.dinnerSignUpUpdate},
		{Method: "GET", Pattern: "/dinners/signups/{id}/held", h: w.dinnerHeld},
		{Method: "POST", Pattern: "/dinners/signups/{id}/held", h: w.dinnerHeldRecord},
		{Method: "GET", Pattern: "/dinners/seatings", h: w.dinnerSeatings},
		{Method: "POST", Pattern: "/dinners/seatings/{id}/{action}", h: w.dinnerSeatingAction},
		{Method: "GET", Pattern: "/dinners/waitlist", h: w.dinnerWaitlist},
		{Method: "GET", Pattern: "/dinners/report", h: w.dinnerReport},
		{Method: "GET", Pattern: "/dinners/report.csv", Token: true, h: w.dinnerReportCSV},
	}
}

// dinnerJobView is a dinner job as its progress bar shows it, its words
// translated.
type dinnerJobView struct {
	Job *dinnersv1.Job
	progress
	Running, Done, Failed bool
	// Result is a done job's line: the counts, and how close the points
	// came to the best possible, in the mentoring job's words "Bästa
	// möjliga" when the engine proved the optimum (gap 0; ADR 0184).
	Result string
	// Why says a done job proposed nothing because no party waited in its
	// municipalities ("" otherwise: the proposals section counts the
	// parties left without a seat per reason), as mp says (ADR 0211).
	Why string
	// Unseated links a done job's line to the parties it left without a
	// seat, "Visa de 53 sällskap som blev utan plats", as mentoring's line
	// links those it left out ("" when it left none; ADR 0232).
	Unseated string
}

func newDinnerJobView(p *page, j *dinnersv1.Job) dinnerJobView {
	s := j.GetState()
	done, failed := s == dinnersv1.JobState_JOB_STATE_SUCCEEDED, s == dinnersv1.JobState_JOB_STATE_FAILED
	v := dinnerJobView{Job: j, Running: !done && !failed, Done: done, Failed: failed,
		progress: newProgress(p, "dinners.progress", j.GetProgressPercent(), p.codeWord("dinners.phase.", j.GetPhase()),
			p.codeWord("dinners.state.", strings.TrimPrefix(s.String(), "JOB_STATE_")), done)}
	v.Label = whenLabel(p, v.Label, j.GetCreateTime(), j.GetMunicipalityCodes())
	v.TakenOver = takenOver(p, j.GetAttempts(), done, failed)
	if done {
		v.Result = dinnerJobResult(p, j)
		if k := j.GetCounts(); k.GetProposals() == 0 && k.GetParties() == 0 {
			v.Why = p.t("dinners.job.none.no_parties")
		}
		if n := j.GetCounts().GetUnseated(); n > 0 {
			v.Unseated = p.tn("dinners.unseated.link", n)
		}
	}
	return v
}

// dinnerJobResult is a done job's counts and quality: "högst 0,00 %
// under" read as a shortfall where there is none (outside round s32), so
// a proven optimum says what a mentoring job says of one. The pairs it
// left out as proposed before are counted after, as a mentoring or
// guides job's sentence counts them (ADR 0257): the parties among the
// unseated whose only dinners were those are otherwise a number without
// its cause.
func dinnerJobResult(p *page, j *dinnersv1.Job) string {
	k := j.GetCounts()
	s := p.tf("dinners.job.done", "Proposals", k.GetProposals(), "Unseated", k.GetUnseated(), "Gap", gapPercent(p, j.GetGapPpm()))
	if j.GetGapPpm() == 0 {
		s = p.tf("dinners.job.done_optimal", "Proposals", k.GetProposals(), "Unseated", k.GetUnseated(),
			"Optimal", p.tf("job.optimal", "Objective", grouped(p, j.GetObjective())))
	}
	if n := k.GetExcludedPairs(); n > 0 {
		s += " · " + p.tn("dinners.job.excluded", n)
	}
	return s
}

// gapPercent is a gap in parts per million as a percentage with two
// decimals, written with a decimal comma on a Swedish page ("0,45").
func gapPercent(p *page, ppm int64) string { return decimal(p, float64(ppm)/1e4, 2) }

// reason is one choice of a structured reason, its label translated.
type dinnerPick struct{ Value, Label string }

// dinnerSeatingRow is a seating with everything a row shows: names, the
// explanation as sentences with points, the status in words, the choices
// of reasons, and the party members for attendance.
type dinnerSeatingRow struct {
	*gatewayv1.SeatingView
	// ParticipantName and HostName are the guest and the host as the
	// registers name them, "Förnamn Efternamn, Kommun" (the seating's
	// municipality, where both signed up and offered), over the view's
	// bare names: a job over three municipalities listed two guests of
	// one name as one (ADR 0220).
	ParticipantName, HostName   string
	CSRF, Message, Status, Back string
	// Job is as proposalRow's: the job whose page shows the row.
	Job                     string
	Why                     []string
	Members                 []int
	RejectReasons, Declines []dinnerPick
	Attendances             []dinnerPick
	// Feedback are the forms still to fill in after a held dinner; Given
	// says what each side answered.
	Feedback []dinnerFeedbackSlot
	Given    []string
	// Attended says, on a held dinner, who came: "Närvaro: Person 1:
	// Kom · Person 2: Uteblev". Without it the row said "genomförd" and
	// the no-show a coordinator had just recorded was nowhere on the page
	// (ADR 0269).
	Attended string
	// Apart tells the guest from a namesake on the same page: when they
	// were registered ("registrerad 2026-03-14"; ADR 0132), else empty.
	Apart string
	// HostApart is Apart for the host (a volunteer), from the host's
	// namesakes over the caller's scope (seatingsApart, ADR 0209).
	HostApart string
	// Declined says who declined and why ("gästen: för långt bort"),
	// as the person or the coordinator answered: the status alone said
	// "tackade nej" and the reason reached only the report's counts.
	Declined string
	// Upcoming is set while the dinner is after today (Stockholm): the
	// service takes attendance only from the dinner's day, so the form says
	// so beside its button instead of answering with an error page.
	Upcoming bool
}

// dinnerFeedbackSlot is one side's feedback form.
type dinnerFeedbackSlot struct {
	Party, Label string
	Guest        bool
	// RequestID goes with the form and its resends: a page sent again
	// after the other feedback replaced it (the back button, a resend
	// after a lost answer) is told it stands, not stored as a new
	// opinion over the newer one (ADR 0273).
	RequestID string
}

func (p *page) dinnerSeatingRow(v *gatewayv1.SeatingView, back string) dinnerSeatingRow {
	s := v.GetSeating()
	row := dinnerSeatingRow{SeatingView: v, CSRF: p.CSRF,
		ParticipantName: apart.Named(v.GetParticipantName(), s.GetMunicipalityCode()), HostName: apart.Named(v.GetHostName(), s.GetMunicipalityCode()), Back: back, Status: p.codeWord("dinners.status.", strings.TrimPrefix(s.GetStatus().String(), "SEATING_STATUS_")),
		Upcoming: s.GetDate() > calendar.Today(p.clock())}
	for _, part := range s.GetScoreParts() {
		row.Why = append(row.Why, p.tf("dinners.why."+part.GetRule(), "Points", part.GetPoints()))
	}
	for k := range s.GetPartySize() {
		row.Members = append(row.Members, int(k)+1)
	}
	for v := proposalv1.RejectReason_REJECT_REASON_POOR_FIT; v <= proposalv1.RejectReason_REJECT_REASON_OTHER; v++ {
		row.RejectReasons = append(row.RejectReasons, dinnerPick{v.String(), p.codeWord("dinners.reject.", strings.TrimPrefix(v.String(), "REJECT_REASON_"))})
	}
	for v := eventsv1.RsvpDeclineReason_RSVP_DECLINE_REASON_DATE; v <= eventsv1.RsvpDeclineReason_RSVP_DECLINE_REASON_OTHER; v++ {
		row.Declines = append(row.Declines, dinnerPick{v.String(), p.codeWord("dinners.decline.", strings.TrimPrefix(v.String(), "RSVP_DECLINE_REASON_"))})
	}
	if s.GetStatus() == eventsv1.SeatingStatus_SEATING_STATUS_HELD {
		row.Attended = attendedWords(p, s.GetAttendance())
		for _, side := range []struct {
			party eventsv1.DinnerParty
			fb    *dinnersv1.Feedback
			key   string
		}{{eventsv1.DinnerParty_DINNER_PARTY_GUEST, s.GetGuestFeedback(), "dinners.feedback.guest"}, {eventsv1.DinnerParty_DINNER_PARTY_HOST, s.GetHostFeedback(), "dinners.feedback.host"}} {
			if side.fb == nil {
				row.Feedback = append(row.Feedback, dinnerFeedbackSlot{side.party.String(), p.t(side.key), side.party == eventsv1.DinnerParty_DINNER_PARTY_GUEST, ids.UUIDv7{}.New()})
			} else {
				row.Given = append(row.Given, p.tf("dinners.feedback.given", "Side", p.t(side.key), "Rating", side.fb.GetRating()))
			}
		}
	}
	if by := s.GetDeclinedBy(); s.GetStatus() == eventsv1.SeatingStatus_SEATING_STATUS_DECLINED && by != eventsv1.DinnerParty_DINNER_PARTY_UNSPECIFIED {
		reason := ""
		if r := s.GetDeclineReason(); r != eventsv1.RsvpDeclineReason_RSVP_DECLINE_REASON_UNSPECIFIED {
			// The reason as a list offers it ("För långt bort"), mid-line.
			reason = midLine(declineWord(p, r))
		}
		party := "host"
		if by == eventsv1.DinnerParty_DINNER_PARTY_GUEST {
			party = "guest"
		}
		row.Declined = p.tf("dinners.declined."+party, "Reason", reason)
	}
	for v := eventsv1.Attendance_ATTENDANCE_CAME; v <= eventsv1.Attendance_ATTENDANCE_CANCELLED_LATE; v++ {
		row.Attendances = append(row.Attendances, dinnerPick{v.String(), p.codeWord("dinners.attendance.", strings.TrimPrefix(v.String(), "ATTENDANCE_"))})
	}
	return row
}

type dinnersMatchingData struct {
	Available bool
	RequestID string
	Munis     []dinnerPick
	// Org picks an administrator's organisation by name (a coordinator's
	// job is their own organisation's).
	Org       pickerField
	Jobs      []dinnerJobView
	Proposals []dinnerSeatingRow
	Unseated  []string
	// Free says how to free the seats open proposals hold at the full
	// dinners, nil when none does.
	Free  *freeHint
	Pager pager
	// Job is the job the address names ("" for every job's proposals):
	// the proposals section reloads it when a job line reports its end.
	Job string
}

func (w *Web) dinnersMatching(rw http.ResponseWriter, r *http.Request, p *page) error {
	p.Title, p.Nav, p.Flash = p.t("dinners.matching.title"), "dinners", seatingFlash(p, r)
	d, err := w.dinnersMatchingData(r, p)
	if err != nil {
		return err
	}
	p.Data = d
	return w.render(rw, p, http.StatusOK, "dinners")
}

func (w *Web) dinnersMatchingData(r *http.Request, p *page) (*dinnersMatchingData, error) {
	d := &dinnersMatchingData{Available: w.g.DinnersAvailable(), RequestID: ids.UUIDv7{}.New(), Munis: dinnerMunis(p)}
	if !d.Available {
		return d, nil
	}
	ctx := r.Context()
	if p.Admin {
		org, err := w.orgPicker(r, p, "dinners.f.org_pick")
		if err != nil {
			return nil, err
		}
		d.Org = org
	}
	jobs, _, err := w.g.ListDinnerJobs(ctx, p.caller, 3, "")
	if err != nil {
		return nil, err
	}
	job, err := queryJob(r)
	if err != nil {
		return nil, err
	}
	d.Job = job
	// A job older than the last three still shows when the address names
	// it (a bookmark of its progress lands here, ADR 0135).
	older, err := olderJob(job, jobs, (*dinnersv1.Job).GetId, func() (*dinnersv1.Job, error) { return w.g.GetDinnerJob(ctx, p.caller, job) })
	if err != nil {
		return nil, err
	}
	if older != nil {
		jobs = append(jobs, older)
	}
	for _, j := range jobs {
		d.Jobs = append(d.Jobs, newDinnerJobView(p, j))
	}
	res, err := w.g.ListSeatings(ctx, p.caller, &gatewayv1.ListSeatingsRequest{JobId: job, PageSize: 50, PageToken: r.URL.Query().Get("page_token"),
		Statuses: []eventsv1.SeatingStatus{eventsv1.SeatingStatus_SEATING_STATUS_PROPOSED}})
	if err != nil {
		return nil, err
	}
	guests, hosts, err := seatingsApart(ctx, w, p, res.GetSeatings())
	if err != nil {
		return nil, err
	}
	for _, v := range res.GetSeatings() {
		row := p.dinnerSeatingRow(v, "/dinners#proposals")
		row.Job = d.Job
		row.Apart, row.HostApart = guests[v.GetSeating().GetParticipantId()], hosts[v.GetSeating().GetVolunteerId()]
		d.Proposals = append(d.Proposals, row)
	}
	d.Pager = newPager(p, r, "", "#proposals", 50, len(res.GetSeatings()), res.GetTotalSize(), res.GetNextPageToken())
	if job != "" {
		// Counted per reason, named nowhere on the page: no names read.
		un, err := w.g.CountUnseatedParties(ctx, p.caller, &gatewayv1.ListUnseatedPartiesRequest{JobId: job, PageSize: 500})
		if err != nil {
			return nil, err
		}
		d.Unseated = unseatedLines(p, un.GetUnseated(), un.GetFullDinners())
		d.Free = newFreeHint(p, "dinners", dinnersHeldByProposals(un.GetUnseated(), un.GetFullDinners()))
	}
	return d, nil
}

// unseatedLines counts a job's left-out parties per reason, one sentence
// each in the page's language ("2 sällskap: ..."); the full dinners' line
// goes on with who holds their seats (full: the job's full dinners, each
// counted once; ADR 0171). The words and their order are
// catalog.UnseatedLines', which mp says too (ADR 0211).
func unseatedLines(p *page, us []*dinnersv1.UnseatedParty, full *dinnersv1.FullDinners) []string {
	counts := map[string]int{}
	for _, u := range us {
		counts[strings.ToLower(strings.TrimPrefix(u.GetReason().String(), "UNSEATED_REASON_"))]++
	}
	return catalog.UnseatedLines(p.Lang, counts, full.GetDinners(), full.GetSeatsHeldByProposals(), full.GetSeatsHeldByApproved())
}

// dinnerMunis are the caller's municipalities with their names, for the
// pickers (an admin types codes instead).
func dinnerMunis(p *page) []dinnerPick {
	var out []dinnerPick
	for _, c := range p.User.GetMunicipalityCodes() {
		out = append(out, dinnerPick{c, muniLabel(c)})
	}
	return out
}

func (w *Web) dinnersStartJob(rw http.ResponseWriter, r *http.Request, p *page) error {
	p.Title, p.Nav, p.Form = p.t("dinners.matching.title"), "dinners", r.PostForm
	munis, unknown := formMunis(r, p)
	return w.startJobForm(rw, r, p, jobStart{munis: munis, unknown: unknown, tmpl: "dinners", done: "/dinners",
		start: func() error {
			_, err := w.g.StartDinnerJob(r.Context(), p.caller, r.PostForm.Get("request_id"), strings.TrimSpace(r.PostForm.Get("organisation_id")), munis)
			return err
		},
		again: func() (any, error) { return w.dinnersMatchingData(r, p) },
		// The service's messages in the page's language, as on the forms
		// ("must list 1 to 64 municipalities" was English on a Swedish page).
		errs: dinnerFormErrors,
	})
}

// dinnersJobProgress returns the job fragment the progress bar polls.
func (w *Web) dinnersJobProgress(rw http.ResponseWriter, r *http.Request, p *page) error {
	j, err := w.g.GetDinnerJob(r.Context(), p.caller, r.PathValue("id"))
	if err != nil {
		return err
	}
	if jobPage(rw, r, "/dinners", j.GetId()) {
		return nil
	}
	v := newDinnerJobView(p, j)
	jobDone(rw, v.Done)
	return w.fragment(rw, p, "dinners", "dinnerjob", v)
}

// dinnerSeatingAction runs one step of a seating's life from a form:
// approve or reject a proposal (htmx swaps the row), RSVP, cancel,
// attendance or feedback (back to the page the form was on).
func (w *Web) dinnerSeatingAction(rw http.ResponseWriter, r *http.Request, p *page) error {
	f := r.PostForm
	a := core.SeatingAction{Action: r.PathValue("action")}
	var v apperr.Validator
	switch a.Action {
	case "approve", "cancel":
	// Every list's value is read with enumField: one the lists do not
	// offer (a tampered form) is refused by its field, nothing changed.
	case "reject":
		a.RejectReason = proposalv1.RejectReason(enumField(&v, f, "reason", proposalv1.RejectReason_value))
	case "rsvp":
		a.Party = eventsv1.DinnerParty(enumField(&v, f, "party", eventsv1.DinnerParty_value))
		a.Accept = f.Get("answer") == "yes"
		if !a.Accept {
			a.DeclineReason = eventsv1.RsvpDeclineReason(enumField(&v, f, "decline_reason", eventsv1.RsvpDeclineReason_value))
		}
	case "attendance":
		// Members are numbered from 1 on the form, from 0 in the service.
		for k := 1; k <= 12; k++ {
			name := fmt.Sprintf("member_%d", k)
			if f.Get(name) == "" {
				continue
			}
			a.Attendance = append(a.Attendance, &dinnersv1.GuestAttendance{Member: int32(k - 1), Attendance: eventsv1.Attendance(enumField(&v, f, name, eventsv1.Attendance_value))})
		}
	case "feedback":
		a.Party = eventsv1.DinnerParty(enumField(&v, f, "party", eventsv1.DinnerParty_value))
		rating, err := strconv.Atoi(f.Get("rating"))
		v.Check(err == nil || f.Get("rating") == "", "feedback.rating", "must be from 1 to 5")
		a.Feedback = &dinnersv1.Feedback{Rating: int32(rating), WouldMeetAgain: f.Get("meet_again") != "", LanguagePractised: f.Get("practised") != "",
			FirstTimeInSwedishHome: f.Get("first_time") != "", RequestId: f.Get("request_id")}
	default:
		return apperr.Errorf(apperr.NotFound, "not found")
	}
	if err := v.Err(); err != nil {
		return err
	}
	sv, err := w.g.ChangeSeating(r.Context(), p.caller, r.PathValue("id"), a)
	if w.seatingResent(r, p, a.Action, err) {
		err = nil // sent twice: the first did it (resent.go)
	}
	if err != nil {
		// The one violation the gateway itself adds, in the page's
		// language (the services' own are translated by translateMessage).
		if vs := apperr.Violations(err); len(vs) == 1 && vs[0].Field == "reason" {
			return apperr.FieldError("reason", p.t("dinners.err.reason"))
		}
		if r.Header.Get("HX-Request") != "" && (a.Action == "approve" || a.Action == "reject") {
			// From its row, a seating that moved on (approved in another
			// tab) answers as the row it is now with the reason, not a 409
			// htmx does not show (outside round s32, ADR 0178).
			if pe := core.Public(p.ctx, slog.Default(), err); pe.Code == apperr.FailedPrecondition || pe.Code == apperr.Conflict {
				if cur, gerr := w.g.GetSeating(r.Context(), p.caller, r.PathValue("id")); gerr == nil {
					row := p.dinnerSeatingRow(cur, "/dinners#proposals")
					row.Message, row.Job = p.dinnerMsg(pe.Message), rowJob(r)
					if err := w.markSeating(r.Context(), p, cur, &row); err != nil {
						return err
					}
					return w.fragment(rw, p, "dinners", "dinnerproposal", row)
				}
			}
		}
		return p.dinnerErr(err)
	}
	if r.Header.Get("HX-Request") != "" && (a.Action == "approve" || a.Action == "reject") {
		row := p.dinnerSeatingRow(sv, "/dinners#proposals")
		row.Message, row.Job = p.t("dinners.approved"), rowJob(r)
		if a.Action == "reject" {
			row.Message = p.t("dinners.rejected")
		}
		// Done: a namesake look-up that fails leaves the name unmarked
		// rather than hiding that it was done (as mentoring's rows).
		_ = w.markSeating(r.Context(), p, sv, &row)
		return w.fragment(rw, p, "dinners", "dinnerproposal", row)
	}
	back := f.Get("back")
	if !strings.HasPrefix(back, "/dinners") || strings.HasPrefix(back, "//") {
		back = "/dinners/seatings"
	}
	http.Redirect(rw, r, withDone(p, back, url.Values{"done": {a.Action}}), http.StatusSeeOther)
	return nil
}

// orgPicker is a picker of every organisation by name, for an
// administrator who must name one (never an id to type). Organisations are
// few; ten pages of 500 bound the reads whatever the register holds.
func (w *Web) orgPicker(r *http.Request, p *page, anyKey string) (pickerField, error) {
	var orgs []option
	token := ""
	for range 10 {
		batch, next, err := w.g.ListOrganisations(r.Context(), p.caller, 500, token)
		if err != nil {
			return pickerField{}, err
		}
		for _, o := range batch {
			orgs = append(orgs, option{Value: o.GetId(), Label: o.GetName()})
		}
		if token = next; token == "" {
			break
		}
	}
	sortOptions(p.Lang, orgs)
	return noOrgHint(p, newPicker(p, "organisation_id", "f.organisation", anyKey, orgs)), nil
}

// attendedWords is a held dinner's attendance in the page's words, each
// member numbered from 1 as the attendance form numbers them; empty when
// none was recorded.
func attendedWords(p *page, att []*dinnersv1.GuestAttendance) string {
	if len(att) == 0 {
		return ""
	}
	words := make([]string, len(att))
	for k, a := range att {
		words[k] = p.t("dinners.f.member") + " " + strconv.Itoa(int(a.GetMember())+1) + ": " +
			p.codeWord("dinners.attendance.", strings.TrimPrefix(a.GetAttendance().String(), "ATTENDANCE_"))
	}
	return p.tf("dinners.attendance.given", "Members", strings.Join(words, " · "))
}
