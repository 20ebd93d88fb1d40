package web

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var rectRe = regexp.MustCompile(`<rect x="\d+" y="\d+" width="(\d+)" height="14"`)

// TestDinnerChartsShareAScale: the report's two charts are drawn on one
// scale, so the same number is the same length in both (a chart scaled
// to its own largest bar would make 20 guests look like 100 dinners); and
// labels are escaped.
func TestDinnerChartsShareAScale(t *testing.T) {
	t.Parallel()
	widths := func(svg string) []int {
		var out []int
		for _, m := range rectRe.FindAllStringSubmatch(svg, -1) {
			n, _ := strconv.Atoi(m[1])
			out = append(out, n)
		}
		return out
	}
	dinners := widths(string(dinnerChart([]monthBars{{Label: "2026-11", A: 100, B: 50}}, 100, "offered", "held")))
	guests := widths(string(dinnerChart([]monthBars{{Label: "2026-11", A: 50, B: 20}}, 100, "seated", "came")))
	if len(dinners) != 2 || len(guests) != 2 {
		t.Fatalf("bars: %v %v", dinners, guests)
	}
	if dinners[1] != guests[0] || dinners[0] != 2*dinners[1] || guests[1] >= guests[0] {
		t.Fatalf("not one scale: dinners %v, guests %v", dinners, guests)
	}
	svg := string(dinnerChart([]monthBars{{Label: "<script>", A: 1, B: 0}}, 1, "a&b", "c"))
	if strings.Contains(svg, "<script>") || !strings.Contains(svg, "a&amp;b") || !strings.Contains(svg, `role="img"`) {
		t.Fatalf("escaping or role: %s", svg)
	}
	if dinnerChart(nil, 1, "a", "b") != "" {
		t.Fatal("an empty chart drew something")
	}
}
