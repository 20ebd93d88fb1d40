package web

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/motesplats/motesplats/pkg/calendar"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	"github.com/motesplats/motesplats/services/gateway/internal/core"
)

// Reports a funder accepts (issue 12): proposals, offers, new active pairs
// and ended pairs per month kept apart, the time from registration to an
// active pair, breakdowns by gender, language and municipality, charts of
// one quantity drawn to a common scale, and the CSV in the user's
// language beside a stable machine-readable one (?format=machine).

// monthRow is one month of the mentoring report.
type monthRow struct {
	Month                                                string
	Proposed, Offered, Accepted, Active, Ended, Declined int
}

// breakdownRow is one value of a breakdown (a gender, a language, a
// municipality) over the period.
type breakdownRow struct {
	Label                     string
	Proposed, Accepted, Ended int
	MedianDays                int32
	HasMedian                 bool
}

type reportData struct {
	Report *core.Report
	// Mentoring is the "new pairs by month" series (pairsByMonth).
	Mentoring []core.Count
	// MentoringShown says whether the mentoring figures are known.
	MentoringShown bool
	Months         []monthRow
	// Proposals, Offers, Ended: the other monthly series, kept apart.
	Proposals, Offers, Ended []core.Count
	// PairScale is the common maximum of the monthly charts, PeopleScale
	// of the newcomer charts, so bars compare across charts.
	PairScale, PeopleScale int
	MedianDays, MeanDays   int32
	HasDays                bool
	ByGender, ByLanguage   []breakdownRow
	ByMunicipality         []breakdownRow
	// CSV and MachineCSV are the downloads of the period shown.
	CSV, MachineCSV string
}

// mentoringPeriod is the period the reports page and its CSV count the
// mentoring figures over, as the query chose it (from_month, to_month,
// YYYY-MM; empty for the service's default, the last twelve months): a
// funder asks for a period (coordinator's week, session 47, ADR 0261), and
// the page only showed the default.
func mentoringPeriod(r *http.Request) (from, to string) {
	q := r.URL.Query()
	return strings.TrimSpace(q.Get("from_month")), strings.TrimSpace(q.Get("to_month"))
}

// csvLink is the export's address with the period and, when given, the
// format.
func csvLink(from, to, format string) string {
	q := url.Values{}
	for k, v := range map[string]string{"from_month": from, "to_month": to, "format": format} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if len(q) == 0 {
		return "/reports/export.csv"
	}
	return "/reports/export.csv?" + q.Encode()
}

func (w *Web) reports(rw http.ResponseWriter, r *http.Request, p *page) error {
	p.Title, p.Nav, p.Form = p.t("r.title"), "reports", r.URL.Query()
	from, to := mentoringPeriod(r)
	rep, err := w.g.Report(r.Context(), p.caller)
	if w.computing(rw, p, err) {
		return nil
	}
	if err != nil {
		return err
	}
	d := reportData{Report: rep, CSV: csvLink(from, to, ""), MachineCSV: csvLink(from, to, "machine")}
	var mentoringAt time.Time
	status := http.StatusOK
	if w.g.MentoringAvailable() {
		mr, at, err := w.g.MentoringReportAt(r.Context(), p.caller, &gatewayv1.GetMentoringReportRequest{FromMonth: from, ToMonth: to})
		switch {
		case err == nil:
			fillMentoring(p, &d, mr)
			mentoringAt = at
		case formErrors(p, err, func(f string) string { return f }):
			// A period the service refuses (not YYYY-MM, the last month
			// before the first) is said beside its field, with no
			// download of it.
			for k, e := range p.ErrorList {
				if e.Field == "from_month" || e.Field == "to_month" {
					p.ErrorList[k].Label = p.t("r." + e.Field)
				}
			}
			d.CSV, d.MachineCSV, status = "", "", http.StatusUnprocessableEntity
		}
	}
	p.figuresAge(rep.At, mentoringAt)
	d.PeopleScale = scaleOf(rep.ByMunicipality, rep.BySwedishLevel, rep.ByGender)
	rep.ByMunicipality = namedMunicipalities(rep.ByMunicipality)
	p.Data = d
	return w.render(rw, p, status, "reports")
}

// fillMentoring turns the mentoring service's report into the page's
// tables and series.
func fillMentoring(p *page, d *reportData, mr *mentoringv1.GetReportResponse) {
	d.MentoringShown = true
	d.Mentoring = pairsByMonth(mr.GetRows())
	at := map[string]int{}
	munis := map[string]*breakdownRow{}
	var muniOrder []string
	for _, row := range mr.GetRows() {
		k, ok := at[row.GetMonth()]
		if !ok {
			k = len(d.Months)
			at[row.GetMonth()] = k
			d.Months = append(d.Months, monthRow{Month: row.GetMonth()})
		}
		c := row.GetCounts()
		m := &d.Months[k]
		m.Proposed += int(c.GetProposed())
		m.Offered += int(c.GetOffered())
		m.Accepted += int(c.GetAccepted())
		m.Active += int(c.GetActive())
		m.Ended += int(c.GetEnded())
		m.Declined += int(c.GetDeclined())
		b := munis[row.GetMunicipalityCode()]
		if b == nil {
			b = &breakdownRow{Label: muniLabel(row.GetMunicipalityCode())}
			munis[row.GetMunicipalityCode()] = b
			muniOrder = append(muniOrder, row.GetMunicipalityCode())
		}
		b.Proposed += int(c.GetProposed())
		b.Accepted += int(c.GetAccepted())
		b.Ended += int(c.GetEnded())
	}
	for _, m := range d.Months {
		d.Proposals = append(d.Proposals, core.Count{Label: m.Month, N: m.Proposed})
		d.Offers = append(d.Offers, core.Count{Label: m.Month, N: m.Offered})
		d.Ended = append(d.Ended, core.Count{Label: m.Month, N: m.Ended})
	}
	for _, c := range muniOrder {
		d.ByMunicipality = append(d.ByMunicipality, *munis[c])
	}
	d.PairScale = scaleOf(d.Mentoring, d.Proposals, d.Offers, d.Ended)
	d.MedianDays, d.MeanDays = mr.GetMedianDaysToActive(), mr.GetMeanDaysToActive()
	d.HasDays = d.MedianDays >= 0
	for _, b := range mr.GetByGender() {
		d.ByGender = append(d.ByGender, breakdown(genderWord(p, b.GetValue()), b))
	}
	for _, b := range mr.GetByLanguage() {
		label := p.t("label.unspecified")
		if b.GetValue() != "" {
			label = langName(p.Lang, b.GetValue())
		}
		d.ByLanguage = append(d.ByLanguage, breakdown(label, b))
	}
}

func breakdown(label string, b *mentoringv1.ReportBreakdown) breakdownRow {
	c := b.GetCounts()
	return breakdownRow{Label: label, Proposed: int(c.GetProposed()), Accepted: int(c.GetAccepted()), Ended: int(c.GetEnded()),
		MedianDays: b.GetMedianDaysToActive(), HasMedian: b.GetMedianDaysToActive() >= 0}
}

// genderWord is a gender as the mentoring report names it ("woman",
// "GENDER_WOMAN" or "") in the page's language.
func genderWord(p *page, v string) string {
	v = strings.ToLower(strings.TrimPrefix(v, "GENDER_"))
	if v == "" || v == "unspecified" || v == "not given" {
		return p.t("label.unspecified")
	}
	if s := p.t("label." + v); s != "label."+v {
		return s
	}
	return v
}

// scaleOf is the largest count of several charts: drawn to it, bars of
// the same quantity compare across charts.
func scaleOf(series ...[]core.Count) int {
	top := 1
	for _, s := range series {
		for _, c := range s {
			top = max(top, c.N)
		}
	}
	return top
}

// namedMunicipalities labels municipality counts by name, not code.
func namedMunicipalities(rows []core.Count) []core.Count {
	out := make([]core.Count, len(rows))
	for i, r := range rows {
		out[i] = core.Count{Label: muniLabel(r.Label), N: r.N}
	}
	return out
}

// pairsByMonth is the "new mentoring pairs by month" chart: per month, the
// pairs that both parties accepted in it, summed over municipalities. A
// proposal or an offer is not a pair (issue 12: the chart once showed 266
// proposals as pairs when one pair had been offered). Months in the order
// they first appear in the rows (the service sorts them).
func pairsByMonth(rows []*mentoringv1.ReportRow) []core.Count {
	var out []core.Count
	at := map[string]int{}
	for _, row := range rows {
		k, ok := at[row.GetMonth()]
		if !ok {
			k = len(out)
			at[row.GetMonth()] = k
			out = append(out, core.Count{Label: row.GetMonth()})
		}
		out[k].N += int(row.GetCounts().GetAccepted())
	}
	return out
}

// exportCSV writes the report as CSV. ?format=machine, and a program
// signed in with an API token that names no format, gets the stable form:
// section, label, count, with codes, in English, one layout whatever the
// user's language. A person in the web app gets the file every CSV
// download is (csvFile): headers and labels in their language, ';'
// between fields, a byte-order mark; mp report export asks for that same
// file with ?format=local, in its own language when MP_LANG chose another
// than the account's (lang, one the app offers), as mp guides equity -o
// does (ADR 0111).
func (w *Web) exportCSV(rw http.ResponseWriter, r *http.Request, p *page) error {
	f := r.URL.Query().Get("format")
	if f != "" && f != "machine" && f != "local" {
		return w.fail400(rw, p)
	}
	machine := f == "machine" || f == "" && r.Header.Get("Authorization") != ""
	if l := r.URL.Query().Get("lang"); slices.Contains(offered, l) {
		p.Lang = l
	}
	// The pairs' rows are part of the file: a period the service refuses
	// is refused as /reports refuses it (422, the month beside its label),
	// and a service that cannot be read is an error page that says to try
	// again, not a file without the pairs that looks whole (sweep s48,
	// ADR 0267, 0271). Only a gateway without the mentoring service
	// writes none.
	var mr *mentoringv1.GetReportResponse
	if w.g.MentoringAvailable() {
		from, to := mentoringPeriod(r)
		res, err := w.g.MentoringReport(r.Context(), p.caller, &gatewayv1.GetMentoringReportRequest{FromMonth: from, ToMonth: to})
		if w.computing(rw, p, err) {
			return nil
		}
		if err != nil {
			return err
		}
		mr = res
	}
	name := "motesplats-report-" + calendar.Today(p.clock()) // the day in Sweden, as the other exports name it
	if machine {
		var buf strings.Builder
		err := w.g.ExportReport(r.Context(), p.caller, &buf)
		if w.computing(rw, p, err) {
			return nil
		}
		if err != nil {
			return err
		}
		cw := csv.NewWriter(&buf)
		for _, row := range mr.GetRows() {
			c := row.GetCounts()
			for _, f := range []struct {
				s string
				n int32
			}{{"pairs_proposed", c.GetProposed()}, {"pairs_offered", c.GetOffered()}, {"pairs_accepted", c.GetAccepted()}, {"pairs_active", c.GetActive()}, {"pairs_ended", c.GetEnded()}, {"pairs_declined", c.GetDeclined()}} {
				_ = cw.Write([]string{f.s, row.GetMonth() + "/" + row.GetMunicipalityCode(), strconv.Itoa(int(f.n))})
			}
		}
		if mr != nil {
			_ = cw.Write([]string{"days_to_active", "median", strconv.Itoa(int(mr.GetMedianDaysToActive()))})
			_ = cw.Write([]string{"days_to_active", "mean", strconv.Itoa(int(mr.GetMeanDaysToActive()))})
		}
		cw.Flush()
		return sendCSV(rw, name, buf.String())
	}
	rep, err := w.g.ExportReportData(r.Context(), p.caller)
	if w.computing(rw, p, err) {
		return nil
	}
	if err != nil {
		return err
	}
	// A person's file is named in their words (ADR 0125); the machine
	// form keeps its name for programs.
	return localCSV(p, rep, mr).send(rw, p.t("csv.file")+"-"+time.Now().In(stockholm).Format(time.DateOnly))
}

func (w *Web) fail400(rw http.ResponseWriter, p *page) error {
	w.fail(rw, p, http.StatusBadRequest, p.t("r.bad_format"))
	return nil
}

// localCSV is the report for a person (see csvFile): three columns
// (section, what, how many) headed and labelled in the page's language.
func localCSV(p *page, rep *core.Report, mr *mentoringv1.GetReportResponse) *csvFile {
	f := newCSV(p.t("csv.section"), p.t("csv.label"), p.t("csv.count"))
	row := func(section, label string, n int) {
		f.row(p.t(section), label, strconv.Itoa(n))
	}
	row("csv.total", p.t("dash.newcomers"), rep.Participants)
	row("csv.total", p.t("dash.volunteers"), rep.Volunteers)
	for _, c := range rep.ByMunicipality {
		row("r.by_muni", muniLabel(c.Label), c.N)
	}
	for _, c := range rep.BySwedishLevel {
		label := c.Label
		if s := p.t("label." + strings.ToLower(c.Label)); s != "label."+strings.ToLower(c.Label) {
			label = s
		}
		row("r.by_level", label, c.N)
	}
	for _, c := range rep.ByGender {
		row("r.by_gender", genderWord(p, c.Label), c.N)
	}
	if mr != nil {
		d := reportData{}
		fillMentoring(p, &d, mr)
		for _, m := range d.Months {
			row("r.proposals", m.Month, m.Proposed)
			row("r.offers", m.Month, m.Offered)
			row("r.pairs", m.Month, m.Accepted)
			row("r.active", m.Month, m.Active)
			row("r.ended", m.Month, m.Ended)
			row("r.declined", m.Month, m.Declined)
		}
		if d.HasDays {
			row("r.days", p.t("r.median"), int(d.MedianDays))
			row("r.days", p.t("r.mean"), int(d.MeanDays))
		}
	}
	return f
}
