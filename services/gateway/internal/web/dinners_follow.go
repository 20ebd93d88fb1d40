package web

import (
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/motesplats/motesplats/pkg/apperr"
	dinnersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	proposalv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/proposal/v1"
)

// dinnerSeatingsData is the seatings page: the live and held seatings of the
// chosen status, each with the actions its status allows.
type dinnerSeatingsData struct {
	Rows     []dinnerSeatingRow
	Statuses []dinnerChoice
	Pager    pager
	Back     string
}

// followedStatuses are the statuses the seatings page filters by, in the order
// of a seating's life after approval.
var followedStatuses = []eventsv1.SeatingStatus{eventsv1.SeatingStatus_SEATING_STATUS_INVITED, eventsv1.SeatingStatus_SEATING_STATUS_CONFIRMED,
	eventsv1.SeatingStatus_SEATING_STATUS_HELD, eventsv1.SeatingStatus_SEATING_STATUS_DECLINED, eventsv1.SeatingStatus_SEATING_STATUS_CANCELLED,
	eventsv1.SeatingStatus_SEATING_STATUS_EXPIRED}

func (w *Web) dinnerSeatings(rw http.ResponseWriter, r *http.Request, p *page) error {
	p.Title, p.Nav, p.Form, p.Flash = p.t("dinners.seatings.title"), "dinners", r.URL.Query(), seatingFlash(p, r)
	q := r.URL.Query()
	var d dinnerSeatingsData
	if id := q.Get("seating"); id != "" {
		return w.oneSeating(rw, r, p, id)
	}
	names := make([]string, len(followedStatuses))
	for i, s := range followedStatuses {
		names[i] = s.String()
	}
	var v apperr.Validator
	want := eventsv1.SeatingStatus(eventsv1.SeatingStatus_value[choiceFilter(&v, q, "status", names...)])
	for _, s := range followedStatuses {
		d.Statuses = append(d.Statuses, dinnerChoice{s.String(), p.codeWord("dinners.status.", strings.TrimPrefix(s.String(), "SEATING_STATUS_")), s == want})
	}
	if err := v.Err(); err != nil {
		// A status the picker does not offer is refused at the picker,
		// as /participants refuses an unknown level, not read as "live".
		formErrors(p, err, sameField)
		p.Data = d
		return w.render(rw, p, http.StatusUnprocessableEntity, "dinners_seatings")
	}
	statuses := followedStatuses[:3]
	if want != 0 {
		statuses = []eventsv1.SeatingStatus{want}
	}
	res, err := w.g.ListSeatings(r.Context(), p.caller, &gatewayv1.ListSeatingsRequest{Statuses: statuses, PageSize: 50, PageToken: q.Get("page_token")})
	if err != nil {
		return err
	}
	d.Pager = newPager(p, r, "", "", 50, len(res.GetSeatings()), res.GetTotalSize(), res.GetNextPageToken())
	d.Back = r.URL.RequestURI()
	guests, hosts, err := seatingsApart(r.Context(), w, p, res.GetSeatings())
	if err != nil {
		return err
	}
	for _, v := range res.GetSeatings() {
		row := p.dinnerSeatingRow(v, d.Back)
		row.Apart, row.HostApart = guests[v.GetSeating().GetParticipantId()], hosts[v.GetSeating().GetVolunteerId()]
		d.Rows = append(d.Rows, row)
	}
	p.Data = d
	return w.render(rw, p, http.StatusOK, "dinners_seatings")
}

// dinnerWaitlistRow is a municipality's waitlist in words.
type dinnerWaitlistRow struct {
	*dinnersv1.WaitlistRow
	Municipality string
}

func (w *Web) dinnerWaitlist(rw http.ResponseWriter, r *http.Request, p *page) error {
	p.Title, p.Nav = p.t("dinners.waitlist.title"), "dinners"
	wl, at, err := w.g.DinnerWaitlistAt(r.Context(), p.caller, "", nil)
	if w.computing(rw, p, err) {
		return nil
	}
	if err != nil {
		return err
	}
	p.figuresAge(at)
	var rows []dinnerWaitlistRow
	for _, row := range wl.GetRows() {
		rows = append(rows, dinnerWaitlistRow{WaitlistRow: row, Municipality: muniLabel(row.GetMunicipalityCode())})
	}
	p.Data = rows
	return w.render(rw, p, http.StatusOK, "dinners_waitlist")
}

// dinnerReportData is the report page: the rows per month and municipality,
// the two charts and the CSV link.
type dinnerReportData struct {
	Rows            []dinnerReportRow
	Dinners, Guests template.HTML
	From, To, CSV   string
	// Rejected and Declined count seatings per month and reason, in words.
	Rejected, Declined []dinnerReasonRow
	// Groups are the guests' figures by gender and by first language
	// (issue 10: reports by gender and language in the web app, not only in
	// the CSV), each with a chart of the period's totals.
	Groups []dinnerGroupTable
}

// dinnerGroupTable is one dimension's rows (month and group, the group in
// words) and a chart of each group's guests seated and attended over the
// period.
type dinnerGroupTable struct {
	Title string
	Rows  []dinnerGroupRow
	Chart template.HTML
}

// dinnerGroupRow is a report row of a gender or language group.
type dinnerGroupRow struct {
	*dinnersv1.ReportRow
	Group string
}

// dinnerGroupWord is a report group's value in words: "kvinna", "kön inte
// angivet" (also for an older service's empty gender), "tigrinja",
// "okänt" for no language.
func dinnerGroupWord(p *page, dim, v string) string {
	if dim == "gender" && v == "" {
		v = "unspecified"
	}
	return groupWord(p, dim, v)
}

// dinnerGroups makes the gender and language tables of the report. Only
// groups with guests seated are shown: a dinner offered or held has no
// gender or language, so the service counts those in the group without a
// value, which the municipality table already shows. A guest whose
// gender is not recorded is "kön inte angivet", a missing language "okänt".
func dinnerGroups(p *page, rows []*dinnersv1.ReportRow) []dinnerGroupTable {
	var out []dinnerGroupTable
	var totals [][]monthBars
	top := 1
	for _, dim := range []string{"gender", "language"} {
		t := dinnerGroupTable{Title: p.t("dinners.r.by_" + dim)}
		var bars []monthBars
		for _, row := range rows {
			if row.GetDimension() != dim || row.GetGuestsSeated() == 0 {
				continue
			}
			label := dinnerGroupWord(p, dim, row.GetValue())
			t.Rows = append(t.Rows, dinnerGroupRow{ReportRow: row, Group: label})
			k := slices.IndexFunc(bars, func(b monthBars) bool { return b.Label == label })
			if k < 0 {
				bars = append(bars, monthBars{Label: label})
				k = len(bars) - 1
			}
			bars[k].A += int(row.GetGuestsSeated())
			bars[k].B += int(row.GetGuestsAttended())
			top = max(top, bars[k].A, bars[k].B)
		}
		if len(t.Rows) > 0 {
			out, totals = append(out, t), append(totals, bars)
		}
	}
	// One scale for the group charts, so equal bars mean equal numbers.
	for k := range out {
		out[k].Chart = dinnerChartLabelled(totals[k], top, p.t("dinners.r.seated"), p.t("dinners.r.attended"), 150)
	}
	return out
}

// dinnerReasonRow is one month's count of seatings ended for one reason.
type dinnerReasonRow struct {
	Month, Reason string
	Seatings      int
}

// dinnerReasons sums the municipality rows' reason counts per month and
// reason, reasons in words, in the rows' month order and the enums' order.
func dinnerReasons(p *page, rows []*dinnersv1.ReportRow) (rejected, declined []dinnerReasonRow) {
	type key struct {
		month  string
		reason int32
	}
	rej, dec := map[key]int{}, map[key]int{}
	var months []string
	for _, row := range rows {
		if row.GetDimension() != "" {
			continue
		}
		if !slices.Contains(months, row.GetMonth()) {
			months = append(months, row.GetMonth())
		}
		for _, c := range row.GetRejected() {
			rej[key{row.GetMonth(), int32(c.GetReason())}] += int(c.GetSeatings())
		}
		for _, c := range row.GetDeclined() {
			dec[key{row.GetMonth(), int32(c.GetReason())}] += int(c.GetSeatings())
		}
	}
	for _, m := range months {
		for v := range int32(len(proposalv1.RejectReason_name)) {
			if n := rej[key{m, v}]; n > 0 {
				rejected = append(rejected, dinnerReasonRow{m, rejectWord(p, proposalv1.RejectReason(v)), n})
			}
		}
		for v := range int32(len(eventsv1.RsvpDeclineReason_name)) {
			if n := dec[key{m, v}]; n > 0 {
				declined = append(declined, dinnerReasonRow{m, declineWord(p, eventsv1.RsvpDeclineReason(v)), n})
			}
		}
	}
	return rejected, declined
}

func rejectWord(p *page, r proposalv1.RejectReason) string {
	return p.codeWord("dinners.reject.", strings.TrimPrefix(r.String(), "REJECT_REASON_"))
}

func declineWord(p *page, r eventsv1.RsvpDeclineReason) string {
	return p.codeWord("dinners.decline.", strings.TrimPrefix(r.String(), "RSVP_DECLINE_REASON_"))
}

// dinnerReportRow is a row with its municipality's name.
type dinnerReportRow struct {
	*dinnersv1.ReportRow
	Municipality string
}

func (w *Web) dinnerReport(rw http.ResponseWriter, r *http.Request, p *page) error {
	p.Title, p.Nav, p.Form = p.t("dinners.report.title"), "dinners", r.URL.Query()
	q := r.URL.Query()
	rep, at, err := w.g.DinnerReportAt(r.Context(), p.caller, &gatewayv1.GetDinnerReportRequest{FromMonth: q.Get("from_month"), ToMonth: q.Get("to_month")})
	if w.computing(rw, p, err) {
		return nil
	}
	if err != nil {
		if dinnerFormErrors(p, err) {
			p.Data = dinnerReportData{}
			return w.render(rw, p, http.StatusUnprocessableEntity, "dinners_report")
		}
		return err
	}
	p.figuresAge(at)
	d := dinnerReportData{From: q.Get("from_month"), To: q.Get("to_month")}
	d.CSV = "/dinners/report.csv?" + q.Encode()
	// Per month, summed over municipalities, for the charts.
	var months []string
	sum := map[string]*[4]int{}
	for _, row := range rep.GetRows() {
		if row.GetDimension() != "" {
			continue
		}
		d.Rows = append(d.Rows, dinnerReportRow{ReportRow: row, Municipality: muniLabel(row.GetMunicipalityCode())})
		s, ok := sum[row.GetMonth()]
		if !ok {
			s = &[4]int{}
			sum[row.GetMonth()] = s
			months = append(months, row.GetMonth())
		}
		s[0] += int(row.GetDinnersOffered())
		s[1] += int(row.GetDinnersHeld())
		s[2] += int(row.GetGuestsSeated())
		s[3] += int(row.GetGuestsAttended())
	}
	// One scale for both charts, so a bar of dinners and a bar of guests
	// of one length mean the same number.
	top := 1
	for _, s := range sum {
		top = max(top, s[0], s[1], s[2], s[3])
	}
	series := func(a, b int) []monthBars {
		var out []monthBars
		for _, m := range months {
			out = append(out, monthBars{Label: m, A: sum[m][a], B: sum[m][b]})
		}
		return out
	}
	d.Dinners = dinnerChart(series(0, 1), top, p.t("dinners.r.offered"), p.t("dinners.r.held"))
	d.Guests = dinnerChart(series(2, 3), top, p.t("dinners.r.seated"), p.t("dinners.r.attended"))
	d.Rejected, d.Declined = dinnerReasons(p, rep.GetRows())
	d.Groups = dinnerGroups(p, rep.GetRows())
	p.Data = d
	return w.render(rw, p, http.StatusOK, "dinners_report")
}

// bars is one month's pair of bars.
type monthBars struct {
	Label string
	A, B  int
}

// pairedChart draws two bars per month (a dark one for la, a light one
// for lb) on a scale whose full width is top, labelled for screen readers
// (role=img with every value in the text alternative).
func dinnerChart(rows []monthBars, top int, la, lb string) template.HTML {
	return dinnerChartLabelled(rows, top, la, lb, 80)
}

// dinnerChartLabelled is dinnerChart with labelW pixels for the labels:
// a month needs 80, a group's name in words ("kön inte angivet") more.
func dinnerChartLabelled(rows []monthBars, top int, la, lb string, labelW int) template.HTML {
	if len(rows) == 0 {
		return ""
	}
	const barH, gap, width = 14, 10, 460
	var alt []string
	for _, r := range rows {
		alt = append(alt, fmt.Sprintf("%s: %s %d, %s %d", r.Label, la, r.A, lb, r.B))
	}
	h := len(rows)*(2*barH+gap) + 20
	var b strings.Builder
	fmt.Fprintf(&b, `<svg role="img" viewBox="0 0 %d %d" width="100%%" aria-label="%s" xmlns="http://www.w3.org/2000/svg">`,
		width, h, template.HTMLEscapeString(strings.Join(alt, "; ")))
	for i, r := range rows {
		y := i * (2*barH + gap)
		wa, wb := (width-labelW-50)*r.A/top, (width-labelW-50)*r.B/top
		fmt.Fprintf(&b, `<text x="0" y="%d">%s</text>`, y+barH+4, template.HTMLEscapeString(r.Label))
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="#0b5394"></rect><text x="%d" y="%d">%d</text>`,
			labelW, y, max(wa, 1), barH, labelW+wa+6, y+barH-3, r.A)
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="#9fc5e8"></rect><text x="%d" y="%d">%d</text>`,
			labelW, y+barH, max(wb, 1), barH, labelW+wb+6, y+2*barH-3, r.B)
	}
	fmt.Fprintf(&b, `<rect x="%d" y="%d" width="12" height="12" fill="#0b5394"></rect><text x="%d" y="%d">%s</text>`, labelW, h-14, labelW+16, h-3, template.HTMLEscapeString(la))
	fmt.Fprintf(&b, `<rect x="%d" y="%d" width="12" height="12" fill="#9fc5e8"></rect><text x="%d" y="%d">%s</text>`, labelW+170, h-14, labelW+186, h-3, template.HTMLEscapeString(lb))
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // every interpolated string is escaped above
}

// dinnerReportCSV is the report as CSV (see csvFile), with the column
// names in the caller's language and municipalities by name; mp dinners
// report -csv downloads it with an API token, in mp's language when
// MP_LANG chose another than the account's (lang, one the app offers), as
// mp guides equity -o does.
func (w *Web) dinnerReportCSV(rw http.ResponseWriter, r *http.Request, p *page) error {
	q := r.URL.Query()
	if l := q.Get("lang"); slices.Contains(offered, l) {
		p.Lang = l
	}
	rep, err := w.g.DinnerReport(r.Context(), p.caller, &gatewayv1.GetDinnerReportRequest{FromMonth: q.Get("from_month"), ToMonth: q.Get("to_month")})
	if err != nil {
		// Refused months: the report page with its months marked, in the
		// dinners area's words, as the report itself shows them (the
		// error page said "from_month: must be YYYY-MM.").
		if dinnerFormErrors(p, err) {
			p.Title, p.Nav, p.Form, p.Data = p.t("dinners.report.title"), "dinners", q, dinnerReportData{}
			return w.render(rw, p, http.StatusUnprocessableEntity, "dinners_report")
		}
		return err
	}
	head := []string{"month", "municipality_code", "municipality", "group", "value", "offered", "held", "seated", "attended",
		"first_time_per_mille", "no_show_per_mille", "late_cancel_per_mille", "median_wait_days"}
	for k, h := range head {
		head[k] = p.t("dinners.csv." + h)
	}
	// A column per reason, named in words, after the figures.
	rejects, declines := int32(len(proposalv1.RejectReason_name)), int32(len(eventsv1.RsvpDeclineReason_name))
	for v := int32(1); v < rejects; v++ {
		head = append(head, p.tf("dinners.csv.rejected", "Reason", rejectWord(p, proposalv1.RejectReason(v))))
	}
	for v := int32(1); v < declines; v++ {
		head = append(head, p.tf("dinners.csv.declined", "Reason", declineWord(p, eventsv1.RsvpDeclineReason(v))))
	}
	f := newCSV(head...)
	for _, row := range rep.GetRows() {
		name := ""
		if row.GetMunicipalityCode() != "" {
			name = muniLabel(row.GetMunicipalityCode())
		}
		group, value := "", row.GetValue()
		if row.GetDimension() != "" {
			// The group and its value in words, as the page shows them.
			group, value = p.codeWord("dinners.group.", row.GetDimension()), dinnerGroupWord(p, row.GetDimension(), value)
		}
		rec := []string{row.GetMonth(), row.GetMunicipalityCode(), name, group, value,
			dinnerInt(row.GetDinnersOffered()), dinnerInt(row.GetDinnersHeld()), dinnerInt(row.GetGuestsSeated()), dinnerInt(row.GetGuestsAttended()),
			dinnerInt(row.GetFirstTimePerMille()), dinnerInt(row.GetNoShowPerMille()), dinnerInt(row.GetLateCancelPerMille()), dinnerInt(row.GetMedianWaitDays())}
		rej, dec := make([]int32, rejects), make([]int32, declines)
		for _, c := range row.GetRejected() {
			if r := int32(c.GetReason()); r > 0 && r < rejects {
				rej[r] += c.GetSeatings()
			}
		}
		for _, c := range row.GetDeclined() {
			if r := int32(c.GetReason()); r > 0 && r < declines {
				dec[r] += c.GetSeatings()
			}
		}
		for _, n := range append(rej[1:], dec[1:]...) {
			rec = append(rec, dinnerInt(n))
		}
		f.row(rec...)
	}
	return f.send(rw, p.t("dinners.csv.file")+"-"+reportPeriod(q.Get("from_month"), q.Get("to_month")))
}

// reportPeriod is the months of a report download's file name: the last
// month (this one when none is named), after the first when it differs
// ("2026-10_2026-12").
func reportPeriod(from, to string) string {
	if to == "" {
		to = time.Now().In(stockholm).Format("2006-01")
	}
	if from == "" || from == to {
		return to
	}
	return from + "_" + to
}

func dinnerInt(n int32) string { return strconv.Itoa(int(n)) }
