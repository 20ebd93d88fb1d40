package report_test

import (
	"fmt"
	"time"

	"github.com/motesplats/motesplats/pkg/report"
)

// A programme turns each of its records into a report.Record (groups,
// dated events, when the person started waiting, when the match ran) and
// asks for the figures it shows.
func Example() {
	at := func(s string) time.Time { t, _ := time.Parse(time.RFC3339, s); return t }
	pairs := []report.Record{
		{ // proposed in February, both accepted on 1 March in Stockholm (still 28 Feb in UTC)
			Keys:   map[string]string{"municipality": "0180", "gender": "woman"},
			Events: []report.Event{{Kind: "proposed", At: at("2026-02-20T09:00:00Z")}, {Kind: "active", At: at("2026-02-28T23:30:00Z")}},
			Since:  at("2026-01-20T09:00:00Z"), Active: at("2026-02-28T23:30:00Z"),
		},
		{ // proposed in March and declined
			Keys: map[string]string{"municipality": "0880", "gender": "man"},
			Events: []report.Event{{Kind: "proposed", At: at("2026-03-02T09:00:00Z")},
				{Kind: "declined", At: at("2026-03-09T09:00:00Z"), Reason: "NO_TIME"}},
		},
	}
	p := report.Period{From: report.Month{Year: 2026, Month: time.February}, To: report.Month{Year: 2026, Month: time.March}}
	for _, c := range report.ByMonth(pairs, p, "municipality") {
		fmt.Println(c.Month, c.Value, "proposed", c.Counts.N("proposed"), "became active", c.Counts.N("active"), "active at month end", c.Counts.Active)
	}
	w := report.Waits(pairs, p)
	fmt.Println("waited for a pair: median", report.Days(w.Median), "days over", w.N)
	fmt.Println("declines:", report.Reasons(pairs, p, "declined"))
	for _, g := range report.Equity(pairs, report.EquitySpec{Dim: "gender"}).Rows {
		fmt.Printf("%s: %d of %d matched, flagged %v\n", g.Value, g.Matched, g.Size, g.Flagged)
	}
	// Output:
	// 2026-02 0180 proposed 1 became active 0 active at month end 0
	// 2026-03 0180 proposed 0 became active 1 active at month end 1
	// 2026-03 0880 proposed 1 became active 0 active at month end 0
	// waited for a pair: median 39 days over 1
	// declines: [{NO_TIME 1}]
	// man: 0 of 1 matched, flagged true
	// woman: 1 of 1 matched, flagged false
}
