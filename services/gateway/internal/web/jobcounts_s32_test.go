package web

import (
	"testing"

	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
)

// TestJobCountLineInNumber: a job's size line takes each noun's number
// and groups thousands, in Swedish and English. A job after another
// said "334 nyanlända, 1 mentorer, 1 förslag" ("1 mentors, 1 proposals"
// in English), and a whole organisation's "1388 nyanlända" where every
// other count of the app reads "1 388" (outside round s32, ADR 0178).
func TestJobCountLineInNumber(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		lang                     string
		newcomers, mentors, prop int32
		unmatched                int32
		want                     string
	}{
		{"sv", 334, 1, 1, 333, "334 nyanlända, 1 mentor, 1 förslag, 333 utan förslag"},
		{"sv", 1, 2, 0, 1, "1 nyanländ, 2 mentorer, 0 förslag, 1 utan förslag"},
		{"sv", 1388, 1203, 1100, 288, "1\u00a0388 nyanlända, 1\u00a0203 mentorer, 1\u00a0100 förslag, 288 utan förslag"},
		{"en", 334, 1, 1, 333, "334 newcomers, 1 mentor, 1 proposal, 333 without a proposal"},
		{"en", 1, 2, 0, 1, "1 newcomer, 2 mentors, 0 proposals, 1 without a proposal"},
		{"en", 1388, 1203, 1100, 288, "1,388 newcomers, 1,203 mentors, 1,100 proposals, 288 without a proposal"},
	} {
		p := benchPage()
		p.Lang = tc.lang
		j := &mentoringv1.Job{Counts: &mentoringv1.JobCounts{Newcomers: tc.newcomers, Mentors: tc.mentors, Proposals: tc.prop, Unmatched: tc.unmatched}}
		if got := newJobRow(p, j, "").Counts; got != tc.want {
			t.Errorf("%s %d/%d/%d/%d: %q, want %q", tc.lang, tc.newcomers, tc.mentors, tc.prop, tc.unmatched, got, tc.want)
		}
	}
}
