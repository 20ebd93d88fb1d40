package web

import (
	"fmt"
	"html/template"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	guidesv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
)

// equityGroup is one group's line on the equity page, in words.
type equityGroup struct {
	Label            string
	Asked, Matched   int32
	Share, Median    string
	Flagged, Small   bool
	ShareF, MedianF  float64
	HasMedian        bool
	FlagText, Status string
}

// equityTable is one dimension of one programme, with its chart.
type equityTable struct {
	Title  string
	Groups []equityGroup
	Chart  template.HTML
}

// equityProgramme is one programme's equity tables.
type equityProgramme struct {
	ID, Title, Note string
	Tables          []equityTable
	Flagged         []equityGroup
}

type guideEquityData struct {
	Available  bool
	Programmes []equityProgramme
	MinGroup   int32
	// Reasons are why assignments were rejected, declined or ended, in
	// words, most frequent first.
	Reasons []guideReasonRow
}

// guideReasonRow is one outcome and reason with how many assignments had
// it.
type guideReasonRow struct {
	Words string
	Count int32
}

// guideReasonWords says a ReasonCount in the page's language: the
// outcome, who declined, and the reason (or that none was given).
func guideReasonWords(p *page, r *guidesv1.ReasonCount) string {
	outcome := p.word("guides.status."+strings.ToLower(strings.TrimPrefix(r.GetStatus().String(), "ASSIGNMENT_STATUS_")), r.GetStatus().String())
	switch r.GetParty() {
	case eventsv1.AssignmentParty_ASSIGNMENT_PARTY_NEWCOMER:
		outcome = p.tf("guides.reasons.by", "Outcome", outcome, "Party", p.t("guides.party.newcomer"))
	case eventsv1.AssignmentParty_ASSIGNMENT_PARTY_ORGANISATION:
		outcome = p.tf("guides.reasons.by", "Outcome", outcome, "Party", p.t("guides.party.organisation"))
	}
	why := p.t("guides.reasons.none_given")
	for prefix, key := range map[string]string{"REJECT_REASON_": "guides.reject.", "DECLINE_REASON_": "guides.decline.",
		"ASSIGNMENT_END_REASON_": "guides.end."} {
		if rest, ok := strings.CutPrefix(r.GetReason(), prefix); ok {
			why = midLine(p.word(key+strings.ToLower(rest), r.GetWords()))
		}
	}
	return outcome + ": " + why
}

// equityDims are the dimensions in the order the page shows them.
var equityDims = []string{"gender", "language", "municipality", "age_band", "parental_leave", "household_type"}

func (w *Web) guideEquity(rw http.ResponseWriter, r *http.Request, p *page) error {
	p.Title, p.Nav, p.Action = p.t("guides.equity.title"), "guides", "/guides/equity"
	d := &guideEquityData{Available: w.g.GuidesAvailable(), MinGroup: equityMinGroup(r)}
	ctx := r.Context()
	var ats []time.Time // when each programme's figures were computed
	if d.Available {
		res, at, err := w.g.GuideEquityAt(ctx, p.caller, &gatewayv1.GetGuideEquityRequest{MinGroupSize: d.MinGroup})
		if w.computing(rw, p, err) {
			return nil
		}
		if err != nil {
			return err
		}
		ats = append(ats, at)
		var gs []*typev1.EquityGroup
		for _, row := range res.GetRows() {
			gs = append(gs, &typev1.EquityGroup{Dimension: equityDim(row),
				Group: row.GetGroup(), Asked: row.GetEntitled(), Matched: row.GetWithGuide(), Share: row.GetShare(),
				MedianDays: row.GetMedianDays(), Flagged: row.GetFlagged(), Small: row.GetEntitled() < d.MinGroup})
		}
		d.Programmes = append(d.Programmes, equityOf(p, "guides", p.t("guides.equity.guides"), p.t("guides.equity.guides_note"), gs))
		for _, r := range res.GetReasons() {
			d.Reasons = append(d.Reasons, guideReasonRow{Words: guideReasonWords(p, r), Count: r.GetCount()})
		}
	}
	// Mentoring and dinners where the data allows; a programme that is not
	// configured or refuses is left out, never fails the page.
	if w.g.MentoringAvailable() {
		if res, at, err := w.g.MentoringReportAt(ctx, p.caller, &gatewayv1.GetMentoringReportRequest{}); err == nil && len(res.GetEquity()) > 0 {
			ats = append(ats, at)
			d.Programmes = append(d.Programmes, equityOf(p, "mentoring", p.t("guides.equity.mentoring"), p.t("guides.equity.mentoring_note"), res.GetEquity()))
		}
	}
	if w.g.DinnersAvailable() {
		if res, at, err := w.g.DinnerReportAt(ctx, p.caller, &gatewayv1.GetDinnerReportRequest{}); err == nil && len(res.GetEquity()) > 0 {
			ats = append(ats, at)
			d.Programmes = append(d.Programmes, equityOf(p, "dinners", p.t("guides.equity.dinners"), p.t("guides.equity.dinners_note"), res.GetEquity()))
		}
	}
	p.figuresAge(ats...)
	p.Data = d
	return w.render(rw, p, http.StatusOK, "guides_equity")
}

// equityMinGroup is the page's and the CSV's minimum group size
// (min_group, 1 to 1,000; 10 by default): smaller groups are never
// flagged.
func equityMinGroup(r *http.Request) int32 {
	if n, err := strconv.Atoi(r.URL.Query().Get("min_group")); err == nil && n > 0 && n <= 1000 {
		return int32(n)
	}
	return 10
}

// equityDim is a guides row's dimension as the page names it ("language").
func equityDim(row *guidesv1.EquityRow) string {
	return strings.ToLower(strings.TrimPrefix(row.GetDimension().String(), "EQUITY_DIMENSION_"))
}

// equityCSV is the guides' equity rows as the CSV a person downloads:
// the dimension and the group in words, the counts, the share with a
// guide in per cent, the median wait in days (empty when no one in the
// group has a guide yet), and whether the group is flagged or too small
// to be, in words.
func equityCSV(p *page, rows []*guidesv1.EquityRow, minGroup int32) *csvFile {
	f := newCSV(p.t("guides.csv.dimension"), p.t("guides.csv.group"), p.t("guides.csv.entitled"), p.t("guides.csv.with_guide"),
		p.t("guides.csv.share_percent"), p.t("guides.csv.median_days"), p.t("guides.csv.flagged"), p.t("guides.csv.small"))
	yesNo := func(b bool) string {
		if b {
			return p.t("guides.yes")
		}
		return p.t("guides.no")
	}
	for _, row := range rows {
		dim, median := equityDim(row), ""
		if row.GetMedianDays() >= 0 {
			median = decimal(p, row.GetMedianDays(), 0)
		}
		f.row(p.t("guides.dim."+dim), groupWord(p, dim, row.GetGroup()), strconv.Itoa(int(row.GetEntitled())), strconv.Itoa(int(row.GetWithGuide())),
			decimal(p, 100*row.GetShare(), 1), median, yesNo(row.GetFlagged()), yesNo(row.GetEntitled() < minGroup))
	}
	return f
}

// equityOf turns a programme's rows into tables per dimension, each with
// a chart; every chart of the page uses the same scales (0 to 100 % for
// the share, 0 to the longest median of the programme for the wait), so
// bars compare across dimensions.
func equityOf(p *page, id, title, note string, gs []*typev1.EquityGroup) equityProgramme {
	prog := equityProgramme{ID: id, Title: title, Note: note}
	maxMedian := 1.0
	for _, g := range gs {
		maxMedian = math.Max(maxMedian, g.GetMedianDays())
	}
	for _, dim := range equityDims {
		t := equityTable{Title: p.t("guides.dim." + dim)}
		for _, g := range gs {
			if g.GetDimension() != dim {
				continue
			}
			eg := equityGroup{Label: groupWord(p, dim, g.GetGroup()), Asked: g.GetAsked(), Matched: g.GetMatched(),
				ShareF: g.GetShare(), Share: fmt.Sprintf("%.0f %%", 100*g.GetShare()), Flagged: g.GetFlagged(), Small: g.GetSmall(),
				MedianF: g.GetMedianDays(), HasMedian: g.GetMedianDays() >= 0, Median: "–"}
			if eg.HasMedian {
				eg.Median = p.tf("guides.equity.days", "Days", fmt.Sprintf("%.0f", g.GetMedianDays()))
			}
			switch {
			case eg.Flagged:
				eg.Status = p.t("guides.equity.flagged")
				eg.FlagText = p.tf("guides.equity.flag_line", "Group", t.Title+": "+eg.Label, "Share", eg.Share, "Size", eg.Asked)
				prog.Flagged = append(prog.Flagged, eg)
			case eg.Small:
				eg.Status = p.t("guides.equity.small")
			}
			t.Groups = append(t.Groups, eg)
		}
		if len(t.Groups) == 0 {
			continue
		}
		t.Chart = equityChart(p, t.Title, t.Groups, maxMedian)
		prog.Tables = append(prog.Tables, t)
	}
	return prog
}

// groupWord is a group's value in words: "kvinna", "arabiska",
// "Stockholm", "30–39 år"; "okänt" for an empty value.
func groupWord(p *page, dim, v string) string {
	switch {
	case v == "":
		return p.t("guides.unknown")
	case dim == "language":
		return langWord(p, v)
	case dim == "municipality":
		return muniLabel(v)
	case dim == "age_band":
		return p.tf("guides.age", "Band", strings.ReplaceAll(v, "-", "–"))
	}
	return p.word("guides.group."+v, v)
}

// equityChart draws a group's share with a guide (0 to 100 %) and its
// median wait (0 to the programme's longest) as two bars per group, in an
// SVG labelled for screen readers (role=img with every figure in words).
// A flagged group's bar is hatched as well as coloured, so the flag does
// not rest on colour alone.
func equityChart(p *page, title string, gs []equityGroup, maxMedian float64) template.HTML {
	const rowH, barH, labelW, barW, width = 34, 12, 150, 220, 520
	var alt []string
	for _, g := range gs {
		s := fmt.Sprintf("%s: %s, %s", g.Label, g.Share, g.Median)
		if g.Status != "" {
			s += " (" + g.Status + ")"
		}
		alt = append(alt, s)
	}
	var b strings.Builder
	h := len(gs)*rowH + 20
	fmt.Fprintf(&b, `<svg role="img" viewBox="0 0 %d %d" width="100%%" aria-label="%s" xmlns="http://www.w3.org/2000/svg" class="equity">`,
		width, h, template.HTMLEscapeString(title+": "+strings.Join(alt, "; ")))
	b.WriteString(`<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="3" height="6" fill="#b45309"></rect></pattern></defs>`)
	fmt.Fprintf(&b, `<text x="%d" y="12" class="axis">0 %%</text><text x="%d" y="12" class="axis" text-anchor="end">100 %%</text>`, labelW, labelW+barW)
	for i, g := range gs {
		y := 20 + i*rowH
		fill := "#0b5394"
		if g.Flagged {
			fill = "url(#hatch)"
		}
		sw := int(math.Round(barW * g.ShareF))
		fmt.Fprintf(&b, `<text x="0" y="%d">%s</text>`, y+barH, template.HTMLEscapeString(g.Label))
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="#e5e7eb"></rect><rect x="%d" y="%d" width="%d" height="%d" fill="%s"></rect>`,
			labelW, y, barW, barH, labelW, y, max(sw, 1), barH, fill)
		fmt.Fprintf(&b, `<text x="%d" y="%d">%s · %d/%d%s</text>`, labelW+barW+6, y+barH, template.HTMLEscapeString(g.Share), g.Matched, g.Asked,
			template.HTMLEscapeString(map[bool]string{true: " · " + g.Status, false: ""}[g.Status != ""]))
		if g.HasMedian {
			mw := int(math.Round(barW * g.MedianF / maxMedian))
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="#6b7280"></rect><text x="%d" y="%d" class="small">%s</text>`,
				labelW, y+barH+2, max(mw, 1), barH/2, labelW+max(mw, 1)+4, y+barH+8, template.HTMLEscapeString(g.Median))
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // every interpolated string is escaped above
}
