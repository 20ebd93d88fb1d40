package web

import (
	"net/http"
	"time"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/services/gateway/internal/localtime"
)

// waitingPageSize is how many waiting newcomers one page lists.
const waitingPageSize = 50

// waitingData is the page of the newcomers who wait for a mentor: the
// overview's "599 Nyanlända som väntar på mentor" made into names, longest
// waiting first, so a coordinator can find them (ADR 0170; it linked to
// the matching page, which lists no one waiting).
type waitingData struct {
	Rows  []waitingRow
	Pager pager
	// LastJob is the newest finished matching run that left newcomers
	// without a proposal, whose list says why for each (nil when none):
	// the page said who waited, and why took a detour back to the
	// matching page (coordinator's week, session 47, ADR 0261).
	LastJob *leftOutLink
}

// leftOutLink is a finished run's left-out list: its job, the link's
// words, and when the run started.
type leftOutLink struct {
	ID, Unmatched, Started string
}

// waitingRow is one waiting newcomer in words. Apart is as
// unmatchedRow's; Since is the day the wait began and Days how long ago.
type waitingRow struct {
	ID, Name, Municipality, Apart, Since, Days string
}

// waiting lists the newcomers in the caller's scope who wait for a mentor.
// The address carries only the page token, never a name.
func (w *Web) waiting(rw http.ResponseWriter, r *http.Request, p *page) error {
	p.Title, p.Nav = p.t("m.waiting.title"), "matching"
	res, err := w.g.ListWaitingNewcomers(r.Context(), p.caller, &gatewayv1.ListWaitingNewcomersRequest{PageSize: waitingPageSize,
		PageToken: r.URL.Query().Get("page_token")})
	if err != nil {
		return err
	}
	ids := make([]string, 0, len(res.GetNewcomers()))
	for _, n := range res.GetNewcomers() {
		ids = append(ids, n.GetParticipantId())
	}
	ns, err := w.namesakesOf(r.Context(), p, ids, nil)
	if err != nil {
		return err
	}
	d := newWaitingData(p, r, res, ns.participants, time.Now())
	jobs, _, err := w.g.ListJobs(r.Context(), p.caller, jobHistorySize, "")
	if err != nil {
		return err
	}
	d.LastJob = lastLeftOut(p, jobs)
	p.Data = d
	return w.render(rw, p, http.StatusOK, "waiting")
}

// newWaitingData words res as of now; namesakes are its newcomers' over
// the caller's whole scope (ADR 0200).
func newWaitingData(p *page, r *http.Request, res *gatewayv1.ListWaitingNewcomersResponse, namesakes []*typev1.Namesake, now time.Time) *waitingData {
	d := &waitingData{}
	named := make([]namesake, 0, len(res.GetNewcomers()))
	for _, n := range res.GetNewcomers() {
		since := n.GetWaitStartTime().AsTime().In(stockholm)
		days := p.t("m.waiting.today") // "i dag", not "0 dagar"
		if w := localtime.DaysSince(since, now); w > 0 {
			days = p.tn("m.waiting.days", w)
		}
		d.Rows = append(d.Rows, waitingRow{ID: n.GetParticipantId(), Name: n.GetParticipantName(), Municipality: muniLabel(n.GetMunicipalityCode()),
			Since: since.Format(time.DateOnly), Days: days})
		if n.GetParticipantName() != "" {
			named = append(named, namesake{ID: n.GetParticipantId(), Label: n.GetParticipantName() + ", " + n.GetMunicipalityCode(),
				Registered: n.GetParticipantRegistered()})
		}
	}
	apart := apartWords(p, besides(named, namesakes))
	for i := range d.Rows {
		d.Rows[i].Apart = apart[d.Rows[i].ID]
	}
	d.Pager = newPager(p, r, "", "", waitingPageSize, len(res.GetNewcomers()), res.GetTotalSize(), res.GetNextPageToken())
	return d
}

// lastLeftOut is the newest finished run of jobs (newest first) with
// newcomers left without a proposal, in words; nil when there is none.
func lastLeftOut(p *page, jobs []*mentoringv1.Job) *leftOutLink {
	for _, j := range jobs {
		if j.GetState() != mentoringv1.JobState_JOB_STATE_SUCCEEDED {
			continue
		}
		if v := newJobView(p, j); v.Unmatched != "" {
			started, _ := jobStarted(p, j.GetCreateTime(), nil)
			return &leftOutLink{ID: v.ID, Unmatched: v.Unmatched, Started: started}
		}
		return nil // the newest finished run left no one out
	}
	return nil
}
