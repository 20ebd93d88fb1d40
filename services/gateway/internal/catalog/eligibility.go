package catalog

import (
	"regexp"
	"strconv"
	"strings"
)

// eligibilityPatterns turn the guides service's English eligibility
// reasons with figures in them (its README's table) into catalogue keys,
// with their months and dates.
var eligibilityPatterns = []struct {
	re  *regexp.Regexp
	key string
}{
	{regexp.MustCompile(`^permit older than (\d+) months$`), "guides.why.permit_old"},
	{regexp.MustCompile(`^inside the (\d+)-month establishment period until (\d{4}-\d{2}-\d{2})$`), "guides.why.inside"},
}

// eligibilityKeys are the reasons without figures.
var eligibilityKeys = map[string]string{
	"no residence permit recorded":                         "guides.why.no_permit",
	"permit date is in the future":                         "guides.why.future",
	"in the establishment programme":                       "guides.why.enrolled",
	"has left or completed the establishment programme":    "guides.why.completed",
	"not in the establishment programme":                   "guides.why.not_enrolled",
	"establishment programme status not recorded":          "guides.why.no_status",
	"on full-time parental leave, which the rules exclude": "guides.why.full_leave_excludes",
	"full-time parental leave does not exclude":            "guides.why.full_leave_ok",
	"on part-time parental leave, which the rules exclude": "guides.why.part_leave_excludes",
	"part-time parental leave does not exclude":            "guides.why.part_leave_ok",
	"no rule excludes":                                     "guides.why.none",
}

// EligibilityReason is one of the guides service's eligibility reasons
// ("not entitled: permit older than 24 months") in locale, as the web
// app's guide pages and mp show it: months take the plural form their
// number does ("1 månad", "24 månader"), because the catalogue gets the
// number, not its text. A reason the catalogue does not know (a newer
// service's) is returned as it came.
func EligibilityReason(locale, s string) string {
	head, rest := "guides.why.entitled", strings.TrimPrefix(s, "entitled: ")
	if strings.HasPrefix(s, "not entitled: ") {
		head, rest = "guides.why.not_entitled", strings.TrimPrefix(s, "not entitled: ")
	}
	if rest == s {
		return s
	}
	body := ""
	if k, ok := eligibilityKeys[rest]; ok {
		body = Text(locale, k)
	}
	for _, p := range eligibilityPatterns {
		if m := p.re.FindStringSubmatch(rest); m != nil {
			months, _ := strconv.Atoi(m[1])
			data := map[string]any{"Months": months}
			if len(m) > 2 {
				data["Date"] = m[2]
			}
			body = Data(locale, p.key, data, months)
		}
	}
	if body == "" {
		return s
	}
	return Text(locale, head) + ": " + body
}
