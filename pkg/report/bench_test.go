package report

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// BenchmarkMentoringReport computes what the mentoring report shows over
// 100,000 pairs and twelve months: totals, month x municipality cells,
// two breakdowns, waits and three reason lists.
func BenchmarkMentoringReport(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	p := Period{From: Month{2026, time.January}, To: Month{2026, time.December}}
	start := p.Start()
	rs := make([]Record, 100_000)
	for i := range rs {
		at := start.Add(time.Duration(r.Int64N(int64(365 * day))))
		rec := Record{
			Keys: map[string]string{"municipality": fmt.Sprintf("%04d", 100+r.IntN(290)),
				"gender": []string{"", "woman", "man", "other"}[r.IntN(4)], "language": []string{"ar", "so", "ti", "fa", "uk"}[r.IntN(5)]},
			Since:  at.Add(-time.Duration(r.Int64N(int64(90 * day)))),
			Events: []Event{{Kind: "proposed", At: at}},
		}
		switch r.IntN(4) {
		case 0:
			rec.Events = append(rec.Events, Event{Kind: "declined", At: at.Add(3 * day), Reason: "NO_TIME"})
		case 1, 2:
			rec.Active = at.Add(5 * day)
			rec.Events = append(rec.Events, Event{Kind: "accepted", At: rec.Active})
			if r.IntN(2) == 0 {
				rec.Ended = rec.Active.Add(60 * day)
				rec.Events = append(rec.Events, Event{Kind: "ended", At: rec.Ended, Reason: "COMPLETED"})
			}
		}
		rs[i] = rec
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = Total(rs, p)
		_ = ByMonth(rs, p, "municipality")
		_ = Breakdown(rs, p, "gender")
		_ = Breakdown(rs, p, "language")
		_ = Waits(rs, p)
		for _, k := range []string{"declined", "rejected", "ended"} {
			_ = Reasons(rs, p, k)
		}
	}
}
