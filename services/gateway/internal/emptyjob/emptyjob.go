// Package emptyjob says, in words, why a finished matching or guide job
// proposed nothing. "proposals: 0" after an earlier job read as a fault
// (found from outside, session 19); the job's counts already tell the
// cause apart: everyone already has a proposal or a pair, nobody is in the
// pool, nobody has a free slot, or the rules allow no pair. mp prints
// Sentence in English and the web's Swedish words otherwise; the web app
// shows the same cause from its catalogue (Reason is the key).
package emptyjob

import (
	"fmt"

	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
)

// Reason is why a job proposed nothing; "" when it proposed something.
// Its value is the web catalogue's key suffix ("job.none.all_busy").
type Reason string

// The reasons, tested in this order: the first that holds is the cause.
const (
	// AllBusy: every newcomer in scope already has a live proposal or
	// pair (proposed, approved, offered, active), so none is left to
	// propose; typically a job right after another.
	AllBusy Reason = "all_busy"
	// NoNewcomers: nobody is in the pool in the job's municipalities
	// (mentoring: no consent to mentoring; guides: nobody entitled).
	NoNewcomers Reason = "no_newcomers"
	// NoCapacity: no mentor or guide organisation in scope has a free
	// slot.
	NoCapacity Reason = "no_capacity"
	// NoEligible: there are newcomers and free slots, but the rules
	// allow no pair between them (language, area, rules), or every
	// allowed pair was proposed before.
	NoEligible Reason = "no_eligible"
	// ProposedBefore: the engine chose pairs, but each had been
	// proposed before (declined, rejected or ended; the same two people
	// are never proposed to each other twice), so none was written.
	ProposedBefore Reason = "proposed_before"
	// HeldFit (guides): there are newcomers, free places and assignments
	// the rules allow, but the engine chose none: a guides job keeps the
	// full units in its instance (ADR 0160), so its allowed assignments
	// include those to units whose places proposals or assignments hold,
	// and the free places are elsewhere (another language). A second job
	// after the first one's proposals reads so (outside round s31, ADR
	// 0175); the left-out list names who holds the places, or the quota.
	HeldFit Reason = "held_fit"
	// Unexplained: the counts show no cause (a job recorded before its
	// service counted them); the counts are printed as they are.
	Unexplained Reason = "unexplained"
)

// Programme names the job's programme, for the words of the sentence.
type Programme int

const (
	// Mentoring jobs pair newcomers with mentors.
	Mentoring Programme = iota
	// Guides jobs assign entitled newcomers to guide organisations.
	Guides
)

// Counts are the figures a finished job carries, programme-neutral.
type Counts struct {
	// Programme sets the words ("mentor", "guide organisation").
	Programme Programme
	// Newcomers could be matched: in the pool, in scope, not busy.
	Newcomers int64
	// Busy were left out: a live proposal or pair (assignment).
	Busy int64
	// NotEntitled were left out by the guides' entitlement rules.
	NotEntitled int64
	// Slots is the free capacity in scope (mentor slots, guide places).
	Slots int64
	// Eligible is the number of pairs the rules allow; Excluded the
	// pairs left out because they were proposed before (mentoring, and
	// guides since ADR 0248: a newcomer and an organisation in a
	// municipality, whatever the language, since ADR 0257).
	Eligible, Excluded int64
	// Unmatched newcomers stayed without a proposal in the engine's
	// result; Newcomers-Unmatched is how many it chose a pair for.
	Unmatched int64
	// Proposals the job made.
	Proposals int64
	// Partial marks counts recorded before the service counted the
	// newcomers it left out (guide jobs before session 20): no newcomer
	// to match may then mean everyone was busy, so no cause is named.
	Partial bool
}

// FromMentoring is a mentoring job's counts; nil gives zero counts.
func FromMentoring(c *mentoringv1.JobCounts) Counts {
	return Counts{Programme: Mentoring, Newcomers: int64(c.GetNewcomers()), Busy: int64(c.GetBusyNewcomers()),
		Slots: int64(c.GetFreeSlots()), Eligible: int64(c.GetEligiblePairs()), Excluded: int64(c.GetExcludedPairs()),
		Unmatched: int64(c.GetUnmatched()), Proposals: int64(c.GetProposals())}
}

// FromGuides is a guide job's named counts (guides.v1.Job.counts).
func FromGuides(c map[string]int64) Counts {
	return Counts{Programme: Guides, Newcomers: c["newcomers"], Busy: c["busy_newcomers"], NotEntitled: c["not_entitled"],
		Slots: c["free_capacity"], Eligible: c["eligible_pairs"], Excluded: c["excluded_pairs"], Unmatched: c["unassigned"], Proposals: c["proposals"], Partial: !hasKey(c, "busy_newcomers")}
}

func hasKey(m map[string]int64, k string) bool {
	_, ok := m[k]
	return ok
}

// Why is the reason a job with these counts proposed nothing, "" when it
// proposed something.
func Why(c Counts) Reason {
	switch {
	case c.Proposals > 0:
		return ""
	case c.Newcomers == 0 && c.Busy > 0:
		return AllBusy
	case c.Newcomers == 0 && c.Partial:
		return Unexplained
	case c.Newcomers == 0:
		return NoNewcomers
	case c.Slots == 0:
		return NoCapacity
	case c.Eligible == 0:
		return NoEligible
	case c.Newcomers > c.Unmatched:
		return ProposedBefore
	case c.Programme == Guides && !c.Partial:
		return HeldFit
	}
	return Unexplained
}

// Text is the reason in a catalogue's words, with the figures that show
// it: tf fills a message of the gateway's catalogue (job.none.* for
// mentoring, guides.job.none.* for guides) with its placeholders. The web
// app's job line and mp's Swedish both say it through this one function;
// "" when the job proposed something.
func Text(c Counts, tf func(key string, data map[string]any) string) string {
	why := Why(c)
	if why == "" {
		return ""
	}
	prefix := "job.none."
	if c.Programme == Guides {
		prefix = "guides.job.none."
	}
	s := tf(prefix+string(why), map[string]any{"Busy": c.Busy, "Newcomers": c.Newcomers, "Slots": c.Slots,
		"Eligible": c.Eligible, "NotEntitled": c.NotEntitled, "Chosen": c.Newcomers - c.Unmatched, "Unmatched": c.Unmatched})
	switch {
	case (why == NoEligible || why == HeldFit) && c.Excluded > 0:
		// A guides job whose fitting places are held left these out
		// too: mentoring's and dinners' words count them (ADR 0263).
		s += " " + tf("job.none.excluded", map[string]any{"Excluded": c.Excluded})
	case why == NoNewcomers && c.NotEntitled > 0:
		s += " " + tf("guides.job.none.not_entitled", map[string]any{"NotEntitled": c.NotEntitled})
	case why == Unexplained && c.Partial:
		s += " " + tf("job.none.partial", nil)
	}
	if c.Busy > 0 && why != AllBusy {
		// A guide newcomer is busy with a guide or a proposal, not a pair.
		s += " " + tf(prefix+"busy_too", map[string]any{"Busy": c.Busy})
	}
	return s
}

// Sentence is the reason in English for the mp CLI, with the figures
// that show it; "" when the job proposed something.
func Sentence(c Counts) string {
	slot, pool := "mentor with a free slot", "newcomer consenting to mentoring"
	if c.Programme == Guides {
		slot, pool = "guide organisation with free capacity", "entitled newcomer"
	}
	why := Why(c)
	s := sentence(c, why, slot, pool)
	if c.Busy > 0 && why != AllBusy && why != "" {
		// Those left out are the other half of the answer: a job after
		// another finds only the newcomers the first one could not pair.
		held := "a proposal or a pair"
		if c.Programme == Guides {
			held = "a guide or a proposal"
		}
		s += fmt.Sprintf("; %s already %s %s that is not over", n(c.Busy, "more newcomer"),
			plural(c.Busy, "has", "have"), held)
	}
	return s
}

// sentence is the reason why in English, without those left out.
func sentence(c Counts, why Reason, slot, pool string) string {
	switch why {
	case AllBusy:
		who := fmt.Sprintf("all %d newcomers in scope already have", c.Busy)
		if c.Busy == 1 {
			who = "the only newcomer in scope already has"
		}
		if c.Programme == Guides {
			// As the web's words: a guide newcomer has a guide, not a pair.
			return "no proposals: " + who + " a guide or a proposal that is not over; approve, reject or end those before assigning again"
		}
		return "no proposals: " + who + " a proposal or a pair that is not over " +
			"(proposed, approved, offered or active); approve, reject or end those before matching again"
	case NoNewcomers:
		s := fmt.Sprintf("no proposals: there is no %s in the job's municipalities", pool)
		if c.NotEntitled > 0 {
			s += fmt.Sprintf(" (%s there not entitled to a guide)", n(c.NotEntitled, "newcomer"))
		}
		return s
	case NoCapacity:
		return fmt.Sprintf("no proposals: %s waiting, but there is no %s in the job's municipalities "+
			"(a place held by a proposal or a pair that is not over is taken)", n(c.Newcomers, "newcomer"), slot)
	case NoEligible:
		s := fmt.Sprintf("no proposals: the rules allow no pair between %s and %s (nobody eligible)", the(c.Newcomers, "newcomer"), the(c.Slots, "free place"))
		return s + excluded(c)
	case ProposedBefore:
		return fmt.Sprintf("no proposals: the engine chose %s, but %s proposed before (declined, rejected or ended) "+
			"and the same two are never proposed again; %s stayed without one", n(c.Newcomers-c.Unmatched, "pair"),
			plural(c.Newcomers-c.Unmatched, "it was", "each was"), n(c.Unmatched, "newcomer"))
	case HeldFit:
		return fmt.Sprintf("no proposals: the rules allow %s of %s, but none to %s: the places that fit them are held "+
			"by proposals or assignments that are not over, or a quota is reached (the list of those without a place says which, for each)",
			n(c.Eligible, "assignment"), the(c.Newcomers, "newcomer"), the(c.Slots, "free place")) + excluded(c)
	case Unexplained:
		s := fmt.Sprintf("no proposals: %s to match, %s, %s the rules allow", n(c.Newcomers, "newcomer"), n(c.Slots, "free place"), n(c.Eligible, "pair"))
		if c.Partial {
			s += " (the job was recorded before the newcomers left out were counted: 0 newcomers to match means " +
				"everyone in scope already had a proposal or a pair, or nobody is in the pool)"
		}
		return s
	}
	return ""
}

// excluded is "; 3 pairs proposed before are not proposed again" when
// the job left pairs out as proposed before, "" otherwise.
func excluded(c Counts) string {
	if c.Excluded <= 0 {
		return ""
	}
	return fmt.Sprintf("; %s proposed before %s not proposed again", n(c.Excluded, "pair"), plural(c.Excluded, "is", "are"))
}

// n is a count with its noun, "1 newcomer", "12 newcomers".
func n(k int64, noun string) string {
	return fmt.Sprintf("%d %s", k, plural(k, noun, noun+"s"))
}

// the is "the newcomer" for a count of 1, "the 3 newcomers" otherwise
// ("the 1 newcomer" was printed).
func the(k int64, noun string) string {
	if k == 1 {
		return "the " + noun
	}
	return "the " + n(k, noun)
}

// plural is one for a count of 1 and other otherwise.
func plural(k int64, one, other string) string {
	if k == 1 {
		return one
	}
	return other
}
