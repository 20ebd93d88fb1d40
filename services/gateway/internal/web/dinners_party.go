package web

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// partyField is the sign-up form's field of a party member's violation
// ("party[2].age" is age_2 when rows 1 and 2 are filled in): the form
// posts the newcomer as age_self and the others as relation_k and age_k,
// and signUpFromForm sends them in order, skipping empty rows. Both ages
// of a party of -5 and 500 were listed as "Sällskapet", linking to the
// fieldset, not to the two fields.
func partyField(form url.Values, path string) string {
	idx, attr, ok := strings.Cut(strings.TrimPrefix(path, "party["), "].")
	i, err := strconv.Atoi(idx)
	if !ok || err != nil || i < 0 {
		return "party"
	}
	if i == 0 {
		if attr == "age" {
			return "age_self"
		}
		return "party"
	}
	n := 0
	for k := 1; k <= maxMembers; k++ {
		if form.Get(fmt.Sprintf("relation_%d", k)) == "" && strings.TrimSpace(form.Get(fmt.Sprintf("age_%d", k))) == "" {
			continue
		}
		if n++; n == i {
			switch attr {
			case "age", "relation":
				return fmt.Sprintf("%s_%d", attr, k)
			}
			return "party"
		}
	}
	return "party"
}
