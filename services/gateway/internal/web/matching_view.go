package web

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	"github.com/motesplats/motesplats/pkg/municipality"
	"github.com/motesplats/motesplats/services/gateway/internal/apart"
	"github.com/motesplats/motesplats/services/gateway/internal/emptyjob"
	"github.com/motesplats/motesplats/services/gateway/internal/localtime"
)

// The /matching page's template reads only the flat views below: strings,
// numbers and booleans, every word already translated (ADR 0069). Passing
// the services' protobuf messages to the template made it spend most of
// its time in reflection over generated fields and method calls
// (.Job.Counts.Proposals, .Pair.ScoreParts); a view is built once, in Go,
// and the template only prints it.

// progress is a job's progress in words, as every programme's progress
// bar shows it: Label beside the bar, Line after it. A finished job reads
// "Förlopp" and "100 % klar", never "klar 100% · klar" (testers read the
// word twice: phase and state both say "klar").
type progress struct {
	Label, Line string
	Percent     int32
	// TakenOver says a job needed more than one attempt (a runner died
	// or lost its lease and another took the job over, or an attempt
	// failed and was retried): "Togs över efter ett avbrott (försök 2)"
	// while it runs, "Behövde 2 försök: ..." once done; "" for a job
	// on its first attempt (ADR 0199).
	TakenOver string
}

// takenOver words a job's attempts for its progress line and summary
// ("" when the first attempt is the only one).
func takenOver(p *page, attempts int32, done, failed bool) string {
	switch {
	case attempts < 2:
		return ""
	case done:
		return p.tf("job.taken_over.done", "Attempts", attempts)
	case failed:
		return p.tf("job.taken_over.failed", "Attempts", attempts)
	}
	return p.tf("job.taken_over", "Attempts", attempts)
}

// newProgress words a job's progress; labelKey is the programme's
// "Progress" word, phase and state its words for where the job is.
func newProgress(p *page, labelKey string, percent int32, phase, state string, done bool) progress {
	if done {
		return progress{Label: p.t(labelKey), Line: p.t("job.line.done"), Percent: 100}
	}
	label := p.t(labelKey)
	if phase != "" && phase != state {
		label += ": " + phase
	}
	return progress{Label: label, Line: p.tf("job.line", "Percent", percent, "State", state), Percent: percent}
}

// codeWord is a code's word in the page's language (prefix "state.",
// code "SUCCEEDED" is "klar"); a code the catalogue lacks is shown in its
// readable form, never dropped.
func (p *page) codeWord(prefix, code string) string {
	code = strings.ToLower(code)
	if s := p.t(prefix + code); s != prefix+code {
		return s
	}
	return strings.ReplaceAll(code, "_", " ")
}

// jobView is a job as its progress bar shows it: polling while it runs,
// a link to the proposals when it succeeded, a translated message (never
// the service's error text) when it failed.
type jobView struct {
	ID string
	progress
	// Proposals is the count in words ("131 förslag"), for a done job.
	Proposals string
	// Unmatched links to the newcomers a done job left without a
	// proposal ("Visa de 333 som blev utan förslag"); "" when none were.
	Unmatched string
	// Why says why a done job proposed nothing ("" when it proposed
	// something): 0 proposals after an earlier job read as a fault.
	Why string
	// RowState is the state in words as the history table shows it, with
	// the percentage while the job runs ("pågår (75 %)").
	RowState              string
	Running, Done, Failed bool
	// Poll marks the fragment the progress bar polls: it carries the
	// history row's state too (an htmx out-of-band swap), so the row and
	// the bar show the same figure, read at the same moment, rather than
	// the row keeping the one from when the page loaded.
	Poll bool
}

func newJobView(p *page, j *mentoringv1.Job) jobView {
	s := j.GetState()
	v := jobView{ID: j.GetId(), Done: s == mentoringv1.JobState_JOB_STATE_SUCCEEDED, Failed: s == mentoringv1.JobState_JOB_STATE_FAILED}
	v.Running = !v.Done && !v.Failed
	v.progress = newProgress(p, "m.progress", j.GetProgressPercent(), p.codeWord("phase.", j.GetPhase()),
		p.codeWord("state.", strings.TrimPrefix(s.String(), "JOB_STATE_")), v.Done)
	v.TakenOver = takenOver(p, j.GetAttempts(), v.Done, v.Failed)
	if v.Done {
		v.Proposals = p.tn("m.count", j.GetCounts().GetProposals())
		v.Why = p.emptyJob(emptyjob.FromMentoring(j.GetCounts()))
		if n := j.GetCounts().GetUnmatched(); n > 0 {
			v.Unmatched = p.tn("m.unmatched.link", n)
		}
	}
	v.RowState = p.codeWord("state.", strings.TrimPrefix(s.String(), "JOB_STATE_"))
	if v.Running {
		v.RowState += " (" + strconv.Itoa(int(j.GetProgressPercent())) + " %)"
	}
	return v
}

// jobRow is a job as the history table shows it.
type jobRow struct {
	jobView
	// Started is the start in Stockholm time; StartedBy the coordinator's
	// name ("" for the schedule); Scope the municipalities by name.
	Started, StartedBy, Scope string
	// Counts is the job's size in words; Quality says whether the engine
	// proved no matching scores more (set when done).
	Counts, Quality string
}

// jobStarted is a job's start in Stockholm time and its municipalities by
// name, the words that tell one job of a programme from another.
func jobStarted(p *page, created *timestamppb.Timestamp, codes []string) (started, scope string) {
	if created != nil {
		started = created.AsTime().In(stockholm).Format("2006-01-02 15:04")
	}
	return started, jobScope(p, codes)
}

// maxScopeNames is how many municipalities a job's line names before it
// counts the rest.
const maxScopeNames = 10

// jobScope is a job's municipalities as its line and the history show
// them: by name, the first maxScopeNames and how many more, or "hela
// landet (290 kommuner)" when they are every one. An administrator's
// guides job before any guide place has the nation as its scope (ADR
// 0249), and its progress line and history row named all 290, a screen
// of names before its result (outside round s45, ADR 0251).
func jobScope(p *page, codes []string) string {
	if len(codes) == 0 {
		return ""
	}
	seen := make(map[string]bool, len(codes))
	for _, c := range codes {
		if municipality.Valid(c) {
			seen[c] = true
		}
	}
	if n := len(municipality.All()); len(seen) == n {
		return p.tn("job.scope.nation", n, "N", grouped(p, int64(n)))
	}
	shown := codes
	if len(codes) > maxScopeNames {
		shown = codes[:maxScopeNames]
	}
	names := make([]string, 0, len(shown)+1)
	for _, c := range shown {
		names = append(names, muniLabel(c))
	}
	if rest := len(codes) - len(shown); rest > 0 {
		return strings.Join(names, ", ") + " " + p.tn("job.scope.more", rest, "N", grouped(p, int64(rest)))
	}
	return strings.Join(names, ", ")
}

// whenLabel is a programme job's progress label with its start and
// municipalities: the dinners and guides pages list the last jobs one
// under another, each "Förlopp 100 % klar" and alike otherwise.
func whenLabel(p *page, label string, created *timestamppb.Timestamp, codes []string) string {
	started, scope := jobStarted(p, created, codes)
	for _, s := range []string{started, scope} {
		if s != "" {
			label += " · " + s
		}
	}
	return label
}

func newJobRow(p *page, j *mentoringv1.Job, startedBy string) jobRow {
	r := jobRow{jobView: newJobView(p, j), StartedBy: startedBy}
	r.Started, r.Scope = jobStarted(p, j.GetCreateTime(), j.GetMunicipalityCodes())
	if c := j.GetCounts(); c != nil {
		// Each count in its own number ("1 mentor", not "1 mentorer") and
		// grouped as every other count of the app ("1 388 nyanlända").
		r.Counts = p.tf("job.count_line", "Newcomers", jobCount(p, "job.count.newcomers", c.GetNewcomers()),
			"Mentors", jobCount(p, "job.count.mentors", c.GetMentors()), "Proposals", jobCount(p, "job.count.proposals", c.GetProposals()),
			"Unmatched", jobCount(p, "job.count.unmatched", c.GetUnmatched()))
	}
	if r.Done {
		if j.GetObjective() == j.GetBound() {
			r.Quality = p.tf("job.optimal", "Objective", grouped(p, j.GetObjective()))
		} else {
			r.Quality = p.tf("job.bound", "Objective", grouped(p, j.GetObjective()), "Bound", grouped(p, j.GetBound()))
		}
	}
	return r
}

// proposalRow is a proposal as its table row shows it: the explanation in
// sentences, and the message of the action just taken.
type proposalRow struct {
	ID, ParticipantName, VolunteerName string
	// ParticipantApart and VolunteerApart say when the person was
	// registered, only beside a namesake on the page (ADR 0170).
	ParticipantApart, VolunteerApart string
	Score                            int32
	Why                              []reason
	CSRF, Message                    string
	// Done hides the actions once one was taken.
	Done bool
	// RejectReasons are the reasons to choose from, in words.
	RejectReasons []option
	// Job is the job whose page shows the row, sent with its actions so
	// a session that ended goes back to that page (ADR 0188).
	Job string
}

// newProposalRow is a proposal's row; a message means an action was
// taken. reasons is rejectReasons(p), shared by the rows of a page.
func newProposalRow(p *page, v *gatewayv1.PairView, msg string, reasons []option) proposalRow {
	return proposalRow{ID: v.GetPair().GetId(), ParticipantName: newcomerNamed(v), VolunteerName: mentorNamed(v),
		Score: v.GetPair().GetScore(), Why: explain(p, v), CSRF: p.CSRF, Message: msg, Done: msg != "", RejectReasons: reasons}
}

// newcomerNamed and mentorNamed are a pair's newcomer and mentor as the
// registers name them, "Förnamn Efternamn, Kommun" (ADR 0220): two
// newcomers of one name in two municipalities of one job read as one.
// The municipalities are on the PairView already: no read more.
func newcomerNamed(v *gatewayv1.PairView) string {
	return apart.Named(v.GetParticipantName(), v.GetPair().GetMunicipalityCode())
}

func mentorNamed(v *gatewayv1.PairView) string {
	return apart.Named(v.GetVolunteerName(), v.GetVolunteerMunicipalityCode())
}

// rejectReasons are the reasons a coordinator may give for rejecting a
// proposal, in the page's language.
func rejectReasons(p *page) []option {
	return enumOptions(p, eventsv1.RejectReason_name, "REJECT_REASON_", "reason.reject.")
}

// pairLine is an offered or active pair as the pairs table shows it.
type pairLine struct {
	ID, ParticipantName, VolunteerName string
	// ParticipantApart and VolunteerApart are as proposalRow's.
	ParticipantApart, VolunteerApart string
	// Status is the pair's status in words.
	Status string
	// FollowUp flags a pair with no recent check-in; LastCheckIn is the
	// date of the last one.
	FollowUp    bool
	LastCheckIn string
	// EndReason is an ended pair's reason in words and Ended its day in
	// Sweden: the list of pairs ended lately is for calling the ones who
	// ended early, which "Avslutat" alone does not tell apart.
	EndReason, Ended string
}

func newPairLine(p *page, v *gatewayv1.PairView) pairLine {
	pr := v.GetPair()
	l := pairLine{ID: pr.GetId(), ParticipantName: newcomerNamed(v), VolunteerName: mentorNamed(v),
		Status:   p.codeWord("status.", strings.TrimPrefix(pr.GetStatus().String(), "PAIR_STATUS_")),
		FollowUp: pr.GetNeedsFollowUp(), LastCheckIn: pr.GetLastCheckInDate()}
	if r := pr.GetEndReason(); r != eventsv1.EndReason_END_REASON_UNSPECIFIED {
		l.EndReason = p.codeWord("reason.end.", strings.TrimPrefix(r.String(), "END_REASON_"))
	}
	if t := pr.GetEndTime(); t != nil {
		l.Ended = t.AsTime().In(localtime.Zone).Format(time.DateOnly)
	}
	return l
}

// matchingRows fills d's jobs, proposals and pairs from the services'
// answers; startedBy names who started a job; ns are the namesakes of the
// people of both (namesakesOf).
func matchingRows(p *page, d *matchingData, jobs []*mentoringv1.Job, startedBy func(*mentoringv1.Job) string, props, pairs []*gatewayv1.PairView, ns pageNamesakes) {
	d.Jobs = make([]jobRow, 0, len(jobs))
	for i, j := range jobs {
		r := newJobRow(p, j, startedBy(j))
		d.Jobs = append(d.Jobs, r)
		if r.Running || i == 0 {
			d.Running = append(d.Running, r.jobView)
		}
	}
	reasons := rejectReasons(p)
	d.Proposals = make([]proposalRow, 0, len(props))
	newcomers, mentors := pairsApart(p, props, ns)
	for _, v := range props {
		row := newProposalRow(p, v, "", reasons)
		row.Job = d.Job
		row.ParticipantApart, row.VolunteerApart = newcomers[v.GetPair().GetParticipantId()], mentors[v.GetPair().GetVolunteerId()]
		d.Proposals = append(d.Proposals, row)
	}
	tiesByName(d.Proposals)
	d.Pairs = make([]pairLine, 0, len(pairs))
	newcomers, mentors = pairsApart(p, pairs, ns)
	for _, v := range pairs {
		line := newPairLine(p, v)
		line.ParticipantApart, line.VolunteerApart = newcomers[v.GetPair().GetParticipantId()], mentors[v.GetPair().GetVolunteerId()]
		d.Pairs = append(d.Pairs, line)
	}
}

// pairsApart tells apart, by id, the newcomers and the mentors of a page
// of proposals or pairs who share a name and municipality with another of
// the page ("Zahra Gebremedhin" twice in Uppsala after make seed): when
// each was registered, as the registers and the dinners and guides lists
// do (ADR 0132, 0170). A mentor in two pairs, or a newcomer, counts once.
// ns are their namesakes over the caller's whole scope: a namesake on
// another page, or in no pair, marks them too (ADR 0200).
func pairsApart(p *page, vs []*gatewayv1.PairView, ns pageNamesakes) (newcomers, mentors map[string]string) {
	newcomers = viewsApart(p, vs, (*gatewayv1.PairView).GetPair, ns.participants)
	all := make([]namesake, len(vs))
	for i, v := range vs {
		all[i] = namesake{ID: v.GetPair().GetVolunteerId(), Label: v.GetVolunteerName() + ", " + v.GetVolunteerMunicipalityCode(), Registered: v.GetVolunteerRegistered()}
	}
	return newcomers, onceApart(p, all, ns.volunteers)
}

// tiesByName orders each run of proposals with equal points by the
// newcomer's name, then the mentor's, in Swedish order (nameCollator), and
// leaves the points order alone: the service ranks a job's proposals by
// points across pages, ties by pair id (ADR 0128), which means nothing to
// a coordinator reading the page. A run that crosses a page break stays
// split where the service split it, so no proposal moves between pages.
func tiesByName(rows []proposalRow) {
	c := nameCollator()
	for i := 0; i < len(rows); {
		j := i + 1
		for j < len(rows) && rows[j].Score == rows[i].Score {
			j++
		}
		slices.SortStableFunc(rows[i:j], func(a, b proposalRow) int {
			if n := c.CompareString(a.ParticipantName, b.ParticipantName); n != 0 {
				return n
			}
			return c.CompareString(a.VolunteerName, b.VolunteerName)
		})
		i = j
	}
}

// jobCount is n with its noun, key's form for n, the number grouped.
func jobCount(p *page, key string, n int32) string {
	return p.tn(key, n, "N", grouped(p, int64(n)))
}

// pairsPeople are the newcomers' and the mentors' ids of pages of pairs,
// to ask their namesakes about (namesakesOf).
func pairsPeople(pages ...[]*gatewayv1.PairView) (participants, volunteers []string) {
	for _, vs := range pages {
		for _, v := range vs {
			participants = append(participants, v.GetPair().GetParticipantId())
			volunteers = append(volunteers, v.GetPair().GetVolunteerId())
		}
	}
	return participants, volunteers
}
