package core

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
)

// TestShared: the languages and interests both people list, in the
// newcomer's order, once each, capped at maxShared.
func TestShared(t *testing.T) {
	t.Parallel()
	skills := func(codes ...string) []*typev1.LanguageSkill {
		var out []*typev1.LanguageSkill
		for _, c := range codes {
			out = append(out, &typev1.LanguageSkill{Code: c})
		}
		return out
	}
	langs, interests := shared(skills("ti", "ar", "en", "ar"), skills("sv", "ar", "ti"),
		[]string{"fotboll", "matlagning", "schack"}, []string{"schack", "fotboll"})
	if diff := cmp.Diff([]string{"ti", "ar"}, langs); diff != "" {
		t.Errorf("languages (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"fotboll", "schack"}, interests); diff != "" {
		t.Errorf("interests (-want +got):\n%s", diff)
	}
	var many []string
	for i := range 30 {
		many = append(many, string(rune('a'+i%26))+string(rune('a'+i/26)))
	}
	if _, got := shared(nil, nil, many, many); len(got) != maxShared {
		t.Errorf("%d shared interests, want the cap %d", len(got), maxShared)
	}
}
