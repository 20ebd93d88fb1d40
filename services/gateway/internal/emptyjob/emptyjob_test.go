package emptyjob

import (
	"strings"
	"testing"

	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
)

func TestWhy(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   Counts
		want Reason
		// words the sentence must hold
		words []string
	}{
		{"proposed something", Counts{Newcomers: 3, Slots: 3, Eligible: 5, Proposals: 2}, "", nil},
		{"job after job", FromMentoring(&mentoringv1.JobCounts{BusyNewcomers: 12, Mentors: 3, FreeSlots: 3}), AllBusy,
			[]string{"all 12 newcomers", "already have a proposal or a pair"}},
		{"empty pool", FromMentoring(&mentoringv1.JobCounts{FreeSlots: 4}), NoNewcomers,
			[]string{"no newcomer consenting to mentoring"}},
		{"no mentor slots", FromMentoring(&mentoringv1.JobCounts{Newcomers: 5}), NoCapacity,
			[]string{"5 newcomers waiting", "no mentor with a free slot"}},
		{"rules allow nothing", FromMentoring(&mentoringv1.JobCounts{Newcomers: 5, FreeSlots: 2, ExcludedPairs: 7}), NoEligible,
			[]string{"allow no pair between the 5 newcomers and the 2 free places", "nobody eligible", "7 pairs proposed before are not"}},
		{"some busy, rest ineligible", FromMentoring(&mentoringv1.JobCounts{Newcomers: 1, BusyNewcomers: 4, FreeSlots: 2}), NoEligible,
			[]string{"between the newcomer and the 2 free places", "; 4 more newcomers already have a proposal or a pair"}},
		{"guides: all assigned", FromGuides(map[string]int64{"busy_newcomers": 2, "not_entitled": 1, "free_capacity": 3}), AllBusy,
			[]string{"all 2 newcomers", "already have a guide or a proposal that is not over"}},
		{"guides: nobody entitled", FromGuides(map[string]int64{"busy_newcomers": 0, "not_entitled": 6, "free_capacity": 3}), NoNewcomers,
			[]string{"no entitled newcomer", "6 newcomers there not entitled"}},
		{"guides: no capacity", FromGuides(map[string]int64{"newcomers": 4, "busy_newcomers": 0}), NoCapacity,
			[]string{"no guide organisation with free capacity"}},
		{"guides: job recorded before the counts", FromGuides(map[string]int64{"newcomers": 0, "free_capacity": 3}), Unexplained,
			[]string{"0 newcomers to match", "recorded before"}},
		{"guides: chosen but proposed before", FromGuides(map[string]int64{"newcomers": 6, "busy_newcomers": 3, "free_capacity": 1,
			"eligible_pairs": 1, "unassigned": 5}), ProposedBefore,
			[]string{"the engine chose 1 pair, but it was proposed before", "5 newcomers stayed without one"}},
		// ADR 0248: a guides job leaves out the pairs proposed before;
		// when they were all the rules allowed, it says so.
		{"guides: every allowed pair proposed before", FromGuides(map[string]int64{"newcomers": 2, "busy_newcomers": 0, "free_capacity": 2,
			"eligible_pairs": 0, "excluded_pairs": 2, "unassigned": 2}), NoEligible,
			[]string{"allow no pair between the 2 newcomers and the 2 free places", "2 pairs proposed before are not"}},
		{"mentoring: chosen but proposed before", FromMentoring(&mentoringv1.JobCounts{Newcomers: 2, FreeSlots: 2, EligiblePairs: 2}),
			ProposedBefore, []string{"chose 2 pairs, but each was proposed before"}},
		// Outside round s31: Erik's second guides job in Kalmar, after the
		// first one's proposals held the Swedish places; the free ones are
		// in other languages. It printed the bare counts.
		{"guides: the places that fit are held", FromGuides(map[string]int64{"newcomers": 21, "busy_newcomers": 9, "free_capacity": 24,
			"eligible_pairs": 21, "unassigned": 21}), HeldFit,
			[]string{"allow 21 assignments of the 21 newcomers, but none to the 24 free places", "held by proposals or assignments",
				"; 9 more newcomers already have a guide or a proposal that is not over"}},
		// ADR 0263: the held places' sentence counts the pairs left out
		// as proposed before, as mentoring's and dinners' do.
		{"guides: the places that fit are held, some pairs proposed before", FromGuides(map[string]int64{"newcomers": 2,
			"busy_newcomers": 0, "free_capacity": 3, "eligible_pairs": 2, "excluded_pairs": 1, "unassigned": 2}), HeldFit,
			[]string{"allow 2 assignments of the 2 newcomers, but none to the 3 free places",
				"(the list of those without a place says which, for each); 1 pair proposed before is not proposed again"}},
		{"counts show no cause", Counts{Newcomers: 2, Slots: 2, Eligible: 3, Unmatched: 2}, Unexplained,
			[]string{"2 newcomers to match, 2 free places, 3 pairs the rules allow"}},
	}
	for _, tt := range tests {
		if got := Why(tt.in); got != tt.want {
			t.Errorf("%s: Why(%+v) = %q, want %q", tt.name, tt.in, got, tt.want)
		}
		s := Sentence(tt.in)
		if (s == "") != (tt.want == "") {
			t.Errorf("%s: Sentence = %q, want one only when nothing was proposed", tt.name, s)
		}
		for _, w := range tt.words {
			if !strings.Contains(s, w) {
				t.Errorf("%s: Sentence = %q, want it to hold %q", tt.name, s, w)
			}
		}
	}
}

// TestTextOfAGuidesJobAfterAnother: the catalogue's sentence of a
// guides job whose fitting places are held names its own keys
// (guides.job.none.held_fit) and says the busy newcomers have a guide,
// not a pair (outside round s31, ADR 0175).
func TestTextOfAGuidesJobAfterAnother(t *testing.T) {
	t.Parallel()
	var keys []string
	got := Text(FromGuides(map[string]int64{"newcomers": 21, "busy_newcomers": 9, "free_capacity": 24, "eligible_pairs": 21, "unassigned": 21}),
		func(key string, _ map[string]any) string { keys = append(keys, key); return key })
	if want := "guides.job.none.held_fit guides.job.none.busy_too"; got != want {
		t.Errorf("Text = %q (keys %v), want %q", got, keys, want)
	}
}

// TestTextOfHeldPlacesCountsThePairsProposedBefore: the catalogue's
// sentence of a guides job whose fitting places are held adds the
// pairs it left out as proposed before (job.none.excluded, the words
// mentoring's uses), before those busy (ADR 0263).
func TestTextOfHeldPlacesCountsThePairsProposedBefore(t *testing.T) {
	t.Parallel()
	var data []map[string]any
	got := Text(FromGuides(map[string]int64{"newcomers": 2, "busy_newcomers": 4, "free_capacity": 3, "eligible_pairs": 2,
		"excluded_pairs": 3, "unassigned": 2}),
		func(key string, d map[string]any) string { data = append(data, d); return key })
	if want := "guides.job.none.held_fit job.none.excluded guides.job.none.busy_too"; got != want {
		t.Errorf("Text = %q, want %q", got, want)
	}
	if len(data) != 3 || data[1]["Excluded"] != int64(3) {
		t.Errorf("the excluded sentence's data = %v, want Excluded 3", data)
	}
}
