package web

import (
	"regexp"
	"strconv"
	"strings"
)

// A refused interest is named, as a refused language is ("... (klingonska)"):
// the service refuses one entry of the list ("interests[1]") in words that
// do not say which, and a coordinator who typed five had to guess (ADR
// 0231). The form sends the typed list through splitList and NormInterests,
// which keep its count and order, so the service's index is the typed
// entry's.

// interestPathRe matches a service's path to one entry of the interests.
var interestPathRe = regexp.MustCompile(`(?:^|\.)interests\[(\d+)\]$`)

// withEntry is msg, the refusal of the violation at path, naming the
// entry the coordinator typed when path is one interest; otherwise msg.
func withEntry(p *page, path, msg string) string {
	m := interestPathRe.FindStringSubmatch(path)
	if m == nil {
		return msg
	}
	i, err := strconv.Atoi(m[1])
	typed := typedEntries(p.Form.Get("interests"))
	if err != nil || i >= len(typed) {
		return msg
	}
	return p.tf("form.entry", "Message", msg, "Entry", typed[i])
}

// typedEntries is s split as splitList splits it, each entry as typed
// (splitList lower-cases; the refusal names what the coordinator wrote).
func typedEntries(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}
