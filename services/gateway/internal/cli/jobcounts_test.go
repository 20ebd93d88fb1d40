package cli

import (
	"regexp"
	"testing"

	"github.com/motesplats/motesplats/services/gateway/internal/catalog"
	"github.com/motesplats/motesplats/services/gateway/internal/emptyjob"
)

// onePlural is a count of one before a plural noun, or a plural article
// before it ("motorn valde 1 tilldelningar", "alla 1 nyanlända", "the 1
// free places"), in Swedish or English.
var onePlural = regexp.MustCompile(`\b(alla|de|all|the)? ?\b1 (more )?(nyanlända|tilldelningar|lediga platser|lediga platserna|möjliga|newcomers|pairs|assignments|free places|possible assignments)\b|\b(alla|de|all|the) 1\b`)

// TestEmptyJobCountsOfOne: why a job proposed nothing, with every count
// 1, says the singular: `mp guides jobs start` printed "motorn valde 1
// tilldelningar". mp's Swedish and the web's words in both languages are
// the same catalogue messages (emptyjob.Text); mp's English is
// emptyjob.Sentence.
func TestEmptyJobCountsOfOne(t *testing.T) {
	t.Parallel()
	if !onePlural.MatchString("motorn valde 1 tilldelningar") || !onePlural.MatchString("alla 1 nyanlända") || onePlural.MatchString("1 nyanländ väntar") {
		t.Fatal("the pattern does not tell a count of one with a plural")
	}
	for _, p := range []emptyjob.Programme{emptyjob.Mentoring, emptyjob.Guides} {
		for _, k := range []emptyjob.Counts{
			{Busy: 1},
			{NotEntitled: 1},
			{Newcomers: 1, Busy: 1},
			{Newcomers: 1, Slots: 1, Excluded: 1},
			{Newcomers: 2, Unmatched: 1, Slots: 1, Eligible: 1},
			{Newcomers: 1, Unmatched: 1, Slots: 1, Eligible: 1},
		} {
			k.Programme = p
			for _, lang := range []string{"sv", "en"} {
				got := emptyjob.Text(k, func(key string, data map[string]any) string { return catalog.Data(lang, key, data, nil) })
				if got == "" || onePlural.MatchString(got) {
					t.Errorf("%s %+v (%s): %q", lang, k, emptyjob.Why(k), got)
				}
			}
			if got := (Env{lang: "sv"}).emptyJob(k); onePlural.MatchString(got) {
				t.Errorf("mp %+v: %q", k, got)
			}
			if got := (Env{lang: "en"}).emptyJob(k); onePlural.MatchString(got) {
				t.Errorf("mp MP_LANG=en %+v: %q", k, got)
			}
		}
	}
}
