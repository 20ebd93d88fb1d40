package web

import "strconv"

// grouped is n with its thousands grouped as the page's language writes
// them on screen: "28 201" in Swedish (a no-break space, so the number
// never wraps between its groups), "28,201" in English. A matching job's
// score ran to five digits written "28201", which a Swedish reader takes
// in at a glance only grouped. Not for CSV files: a spreadsheet reads a
// grouped number as text.
func grouped(p *page, n int64) string {
	s := strconv.FormatInt(n, 10)
	sign := ""
	if n < 0 {
		sign, s = "-", s[1:]
	}
	sep := ","
	if p.Lang == "sv" {
		sep = "\u00a0"
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + sep + s[i:]
	}
	return sign + s
}
