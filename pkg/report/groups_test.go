package report

import (
	"testing"
	"time"
)

func TestEquityGroups(t *testing.T) {
	t.Parallel()
	day := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	var rs []Record
	// 10 women, 8 matched after 4 days; 10 men, 4 matched after 10 days;
	// 2 of unknown gender, neither matched.
	for i := range 10 {
		w := Record{Keys: map[string]string{"gender": "woman"}, Since: day}
		if i < 8 {
			w.Active = day.AddDate(0, 0, 4)
		}
		m := Record{Keys: map[string]string{"gender": "man"}, Since: day}
		if i < 4 {
			m.Active = day.AddDate(0, 0, 10)
		}
		rs = append(rs, w, m)
	}
	rs = append(rs, Record{Keys: map[string]string{"gender": ""}}, Record{Keys: map[string]string{"gender": ""}})
	got := EquityGroups(rs, []string{"gender"}, 5)
	want := map[string]struct {
		asked, matched int32
		share, median  float64
		flagged, small bool
	}{
		"":      {2, 0, 0, -1, false, true},
		"man":   {10, 4, 0.4, 10, true, false},
		"woman": {10, 8, 0.8, 4, false, false},
	}
	if len(got) != len(want) {
		t.Fatalf("%d groups, want %d: %v", len(got), len(want), got)
	}
	for _, g := range got {
		w, ok := want[g.GetGroup()]
		if !ok || g.GetDimension() != "gender" {
			t.Errorf("unexpected group %v", g)
			continue
		}
		if g.GetAsked() != w.asked || g.GetMatched() != w.matched || g.GetShare() != w.share || g.GetMedianDays() != w.median ||
			g.GetFlagged() != w.flagged || g.GetSmall() != w.small {
			t.Errorf("group %q = %v, want %+v", g.GetGroup(), g, w)
		}
	}
}
