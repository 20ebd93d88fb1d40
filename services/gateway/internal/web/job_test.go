package web

import (
	"html"
	"html/template"
	"regexp"
	"strings"
	"testing"

	dinnersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	guidesv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	"github.com/motesplats/motesplats/services/gateway/internal/core"
	"github.com/motesplats/motesplats/services/gateway/internal/emptyjob"
)

// TestFailedJobShowsNoInternals: a failed job's fragment says, in the
// user's language, that it failed, and never shows the service's error.
func TestFailedJobShowsNoInternals(t *testing.T) {
	t.Parallel()
	w, err := New(&core.Gateway{}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	j := &mentoringv1.Job{Id: "j1", State: mentoringv1.JobState_JOB_STATE_FAILED, ErrorMessage: "load pool: dial tcp 10.1.2.3:4222: connection refused"}
	var b strings.Builder
	if err := tplOf(t, w, "sv", "matching").ExecuteTemplate(&b, "job", newJobView(&page{Lang: "sv"}, j)); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "dial tcp") {
		t.Errorf("fragment shows the internal error:\n%s", b.String())
	}
	if !strings.Contains(b.String(), "Körningen misslyckades") {
		t.Errorf("fragment lacks the Swedish failure message:\n%s", b.String())
	}
	if strings.Contains(b.String(), "hx-get") {
		t.Error("a failed job's progress bar keeps polling")
	}
}

// tagRE matches an HTML tag, to read a fragment's text as a person does.
var tagRE = regexp.MustCompile(`<[^>]*>`)

// spaceRE is a run of white space in HTML source (a no-break space is
// text, and stays).
var spaceRE = regexp.MustCompile(`[ \t\r\n]+`)

// textOf is the text a fragment shows, tags dropped, spaces collapsed.
func textOf(s string) string {
	return strings.TrimSpace(spaceRE.ReplaceAllString(html.UnescapeString(tagRE.ReplaceAllString(s, " ")), " "))
}

// TestProgressLineReadsNaturally: a finished job's progress reads "100 %
// klar" with "klar" once (testers read "klar 100% · klar": phase and state
// are both "klar"), in all three programmes and in English; a running
// job says where it is and how far.
func TestProgressLineReadsNaturally(t *testing.T) {
	t.Parallel()
	w, err := New(&core.Gateway{}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	sv, en := &page{Lang: "sv"}, &page{Lang: "en"}
	done := func(p *page) []struct {
		file, name string
		data       any
	} {
		return []struct {
			file, name string
			data       any
		}{
			{"matching", "job", newJobView(p, &mentoringv1.Job{Id: "j1", State: mentoringv1.JobState_JOB_STATE_SUCCEEDED, ProgressPercent: 100, Phase: "done",
				Counts: &mentoringv1.JobCounts{Proposals: 3}})},
			{"dinners", "dinnerjob", newDinnerJobView(p, &dinnersv1.Job{Id: "d1", State: dinnersv1.JobState_JOB_STATE_SUCCEEDED, ProgressPercent: 100, Phase: "done",
				Counts: &dinnersv1.JobCounts{Proposals: 3}})},
			{"guides_assign", "guidejob", newGuideJobView(p, &guidesv1.Job{Id: "g1", State: guidesv1.JobState_JOB_STATE_SUCCEEDED, ProgressPercent: 100, Phase: "done"})},
		}
	}
	for _, tt := range done(sv) {
		var b strings.Builder
		if err := tplOf(t, w, "sv", tt.file).ExecuteTemplate(&b, tt.name, tt.data); err != nil {
			t.Fatal(err)
		}
		text := textOf(b.String())
		if n := len(regexp.MustCompile(`\bklar\b`).FindAllString(text, -1)); n != 1 || !strings.Contains(text, "100\u00a0% klar") {
			t.Errorf("%s: a finished job reads %q: want \"100 %% klar\", klar once (found %d)", tt.name, text, n)
		}
	}
	for _, tt := range done(en) {
		var b strings.Builder
		if err := tplOf(t, w, "en", tt.file).ExecuteTemplate(&b, tt.name, tt.data); err != nil {
			t.Fatal(err)
		}
		if text := textOf(b.String()); !strings.Contains(text, "Progress 100% 100% done") || strings.Contains(text, "finished") {
			t.Errorf("%s: a finished job reads %q in English", tt.name, text)
		}
	}
	var b strings.Builder
	run := newJobView(sv, &mentoringv1.Job{Id: "j2", State: mentoringv1.JobState_JOB_STATE_RUNNING, ProgressPercent: 45, Phase: "solve"})
	if err := tplOf(t, w, "sv", "matching").ExecuteTemplate(&b, "job", run); err != nil {
		t.Fatal(err)
	}
	if text, want := textOf(b.String()), "Förlopp: söker de bästa paren 45% 45\u00a0% · pågår"; text != want {
		t.Errorf("a running job reads %q, want %q", text, want)
	}
}

// TestJobRowFollowsProgressBar: the history row and the progress bar of a
// running job read the same figure. The row is drawn with the page; the
// bar polls its fragment, which therefore carries the row's state out of
// band (same id), so the row cannot stay at the figure of page load.
func TestJobRowFollowsProgressBar(t *testing.T) {
	t.Parallel()
	w, err := New(&core.Gateway{}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := &page{Lang: "sv"}
	running := func(pct int32) *mentoringv1.Job {
		return &mentoringv1.Job{Id: "j1", State: mentoringv1.JobState_JOB_STATE_RUNNING, ProgressPercent: pct, Phase: "solve"}
	}
	// The history table's row, as the page draws it.
	tpl, err := tplOf(t, w, "sv", "matching").Clone()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	rows := template.Must(tpl.New("rows").Parse(`{{range .}}{{template "jobstate" .}}{{end}}`))
	if err := rows.Execute(&b, []jobRow{newJobRow(p, running(0), "")}); err != nil {
		t.Fatal(err)
	}
	if row := b.String(); row != `<span id="jobstate-j1">pågår (0 %)</span>` {
		t.Fatalf("row at page load: %s", row)
	}
	render := func(v jobView) string {
		t.Helper()
		var b strings.Builder
		if err := tplOf(t, w, "sv", "matching").ExecuteTemplate(&b, "job", v); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	if strings.Contains(render(newJobView(p, running(0))), "jobstate-j1") {
		t.Error("the bar drawn with the page repeats the row's state")
	}
	later := newJobView(p, running(75))
	later.Poll = true
	frag := render(later)
	if !strings.Contains(frag, `value="75"`) {
		t.Fatalf("bar: %s", frag)
	}
	if want := `<span id="jobstate-j1" hx-swap-oob="true">pågår (75 %)</span>`; !strings.Contains(frag, want) {
		t.Errorf("polled fragment lacks the row's state %s:\n%s", want, frag)
	}
}

// TestEmptyJobSaysWhy: a finished job that proposed nothing says why on
// its progress line, in the page's language, in mentoring and guides;
// a job with proposals shows no such sentence.
func TestEmptyJobSaysWhy(t *testing.T) {
	t.Parallel()
	w, err := New(&core.Gateway{}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	done := mentoringv1.JobState_JOB_STATE_SUCCEEDED
	tests := []struct {
		name, lang string
		job        *mentoringv1.Job
		want       string
	}{
		{"job after job", "sv", &mentoringv1.Job{Id: "j1", State: done, ProgressPercent: 100,
			Counts: &mentoringv1.JobCounts{BusyNewcomers: 12, Mentors: 3, FreeSlots: 3}},
			"Inga förslag: alla 12 nyanlända i kommunerna har redan ett förslag eller ett par"},
		{"job after job, English", "en", &mentoringv1.Job{Id: "j1", State: done, ProgressPercent: 100,
			Counts: &mentoringv1.JobCounts{BusyNewcomers: 12, Mentors: 3, FreeSlots: 3}},
			"No proposals: all 12 newcomers in these municipalities already have a proposal or a pair"},
		{"nobody eligible", "sv", &mentoringv1.Job{Id: "j1", State: done, ProgressPercent: 100,
			Counts: &mentoringv1.JobCounts{Newcomers: 4, FreeSlots: 2, ExcludedPairs: 3, BusyNewcomers: 5}},
			"reglerna tillåter inget par mellan de 4 nyanlända och de 2 lediga platserna (ingen är behörig). 3 par har föreslagits förut " +
				"och föreslås inte igen. 5 nyanlända till har redan ett förslag eller ett par"},
		{"proposals made", "sv", &mentoringv1.Job{Id: "j1", State: done, ProgressPercent: 100,
			Counts: &mentoringv1.JobCounts{Newcomers: 4, FreeSlots: 2, EligiblePairs: 5, Proposals: 2}}, ""},
	}
	for _, tt := range tests {
		var b strings.Builder
		if err := tplOf(t, w, tt.lang, "matching").ExecuteTemplate(&b, "job", newJobView(&page{Lang: tt.lang}, tt.job)); err != nil {
			t.Fatal(err)
		}
		got := textOf(b.String())
		if tt.want == "" && (strings.Contains(got, "Inga förslag") || strings.Contains(got, "No proposals")) {
			t.Errorf("%s: a job with proposals explains an empty result: %s", tt.name, got)
		}
		if !strings.Contains(got, tt.want) {
			t.Errorf("%s: fragment reads %q, want it to hold %q", tt.name, got, tt.want)
		}
	}

	// The history table's row says it too, after the page reloads.
	var row strings.Builder
	empty := &mentoringv1.Job{Id: "j2", State: done, ProgressPercent: 100, Counts: &mentoringv1.JobCounts{BusyNewcomers: 3, FreeSlots: 1}}
	if err := tplOf(t, w, "sv", "matching").ExecuteTemplate(&row, "jobproposals", newJobRow(&page{Lang: "sv"}, empty, "")); err != nil {
		t.Fatal(err)
	}
	if got, want := textOf(row.String()), "0 förslag Inga förslag: alla 3 nyanlända i kommunerna har redan"; !strings.Contains(got, want) {
		t.Errorf("history row reads %q, want it to hold %q", got, want)
	}

	g := &guidesv1.Job{Id: "g1", State: guidesv1.JobState_JOB_STATE_SUCCEEDED, ProgressPercent: 100,
		Counts: map[string]int64{"busy_newcomers": 2, "not_entitled": 1, "free_capacity": 3}}
	var b strings.Builder
	if err := tplOf(t, w, "sv", "guides_assign").ExecuteTemplate(&b, "guidejob", newGuideJobView(&page{Lang: "sv"}, g)); err != nil {
		t.Fatal(err)
	}
	if got, want := textOf(b.String()), "Inga förslag: alla 2 nyanlända i kommunerna har redan en lots"; !strings.Contains(got, want) {
		t.Errorf("guide job fragment reads %q, want it to hold %q", got, want)
	}
}

// TestEveryEmptyJobReasonHasWords: each cause emptyjob names has its
// sentence in Swedish and English for both programmes, so a page never
// shows a catalogue key.
func TestEveryEmptyJobReasonHasWords(t *testing.T) {
	t.Parallel()
	if _, err := New(&core.Gateway{}, Options{}); err != nil {
		t.Fatal(err)
	}
	reasons := []emptyjob.Reason{emptyjob.AllBusy, emptyjob.NoNewcomers, emptyjob.NoCapacity, emptyjob.NoEligible,
		emptyjob.ProposedBefore, emptyjob.Unexplained}
	for _, lang := range []string{"sv", "en"} {
		p := &page{Lang: lang}
		for _, prefix := range []string{"job.none.", "guides.job.none."} {
			for _, r := range reasons {
				if k := prefix + string(r); p.t(k) == k {
					t.Errorf("%s: no text for %s", lang, k)
				}
			}
		}
		// held_fit is the guides' own (their instance keeps full units).
		for _, k := range []string{"job.none.busy_too", "job.none.excluded", "job.none.partial", "guides.job.none.not_entitled",
			"guides.job.none." + string(emptyjob.HeldFit), "guides.job.none.busy_too"} {
			if p.t(k) == k {
				t.Errorf("%s: no text for %s", lang, k)
			}
		}
	}
}
