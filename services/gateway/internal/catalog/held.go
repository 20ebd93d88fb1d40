package catalog

import "strings"

// Held says in locale's words who holds the places of a full mentor,
// guide unit or dinner (ADR 0171): "1 förslag som inte är godkänt än och
// 2 erbjudna eller aktiva par". prefix names the programme's three
// plural messages, prefix+"proposals" (open proposals, which a
// coordinator can reject to free the places), prefix+"approved" (pairs,
// assignments or guests approved since, which only the people free) and
// prefix+"this_job" (the job's own proposals); a count of 0 is left out,
// and all three 0 (a result stored before the counts) is "".
func Held(locale, prefix string, proposals, approved, thisJob int32) string {
	var items []string
	for _, it := range []struct {
		key string
		n   int32
	}{{"proposals", proposals}, {"approved", approved}, {"this_job", thisJob}} {
		if it.n > 0 {
			items = append(items, Data(locale, prefix+it.key, nil, it.n))
		}
	}
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + Text(locale, "list.and") + items[len(items)-1]
}

// Mentor is a full mentor named to a newcomer left out, in locale's
// words: the points the pair would have had, and who holds the mentor's
// places (Held); a result stored before the counts gives the points
// alone.
func Mentor(locale, name string, score, proposals, pairs, thisJob int32) string {
	held := Held(locale, "m.unmatched.held.", proposals, pairs, thisJob)
	if held == "" {
		return Data(locale, "m.unmatched.mentor", map[string]any{"Name": name, "Score": score}, nil)
	}
	return Data(locale, "m.unmatched.mentor_held"+oneHeld(proposals, pairs, thisJob), map[string]any{"Name": name, "Score": score, "Held": held}, nil)
}

// oneHeld is the suffix of the _one message when a single proposal or
// pair holds the places: a mentor or unit of one place, whose "platserna
// hålls av 1 förslag" read as if it had several (outside round s31).
func oneHeld(proposals, approved, thisJob int32) string {
	if proposals+approved+thisJob == 1 {
		return "_one"
	}
	return ""
}

// GuideUnit is a full guide unit named to a newcomer left out, as Mentor
// is a mentor: organisation, language (in words), points, and who holds
// its places.
func GuideUnit(locale, organisation, language string, score, proposals, assignments, thisJob int32) string {
	data := map[string]any{"Organisation": organisation, "Language": language, "Score": score}
	held := Held(locale, "guides.unassigned.held.", proposals, assignments, thisJob)
	if held == "" {
		return Data(locale, "guides.unassigned.unit", data, nil)
	}
	data["Held"] = held
	return Data(locale, "guides.unassigned.unit_held"+oneHeld(proposals, assignments, thisJob), data, nil)
}

// FullDinners says who held the seats of the dinners that fit the parties
// left out as DINNERS_FULL when a dinners job started: "Platser som hålls
// vid de 2 middagarna som passar: 3 av förslag som inte är godkända än och
// 5 av inbjudna eller bekräftade gäster". Not "the full dinners": a dinner
// with free seats too few for a party counts too (outside round s31). "" when
// no seat was held (the dinners had free seats, too few for the party) or
// the result was stored before the counts.
func FullDinners(locale string, dinners, proposals, approved int32) string {
	held := Held(locale, "dinners.unseated.held.", proposals, approved, 0)
	if held == "" || dinners == 0 {
		return ""
	}
	return Data(locale, "dinners.unseated.full_held", map[string]any{"At": Data(locale, "dinners.unseated.at_full", nil, dinners), "Held": held}, nil)
}

// UnseatedReasons are the dinners' reasons a party got no seat, as the
// catalogue's key suffixes (dinners.unseated.*), in the order a
// coordinator reads them: the rules' stages, furthest last (ADR 0165).
var UnseatedReasons = []string{"no_date", "no_kitchen", "no_host_in_reach", "proposed_before", "dinners_full", "seats_taken"}

// UnseatedLines counts a dinners job's parties left without a seat per
// reason (counts, by UnseatedReasons' suffix), one sentence each ("2
// sällskap: ..."); the full dinners' line goes on with who holds their
// seats (the job's full dinners and their seats held, ADR 0171). The web's
// proposals section and mp say why a job proposed nothing by the same
// lines (ADR 0211).
func UnseatedLines(locale string, counts map[string]int, fullDinners, heldByProposals, heldByApproved int32) []string {
	var out []string
	for _, r := range UnseatedReasons {
		n := counts[r]
		if n == 0 {
			continue
		}
		line := Data(locale, "dinners.unseated."+r, nil, n)
		if r == "dinners_full" {
			if held := FullDinners(locale, fullDinners, heldByProposals, heldByApproved); held != "" {
				line += ". " + held
			}
		}
		out = append(out, line)
	}
	return out
}
