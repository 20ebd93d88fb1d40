package organisation

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestLookalikeNamesRaceOverTwoReplicas tries ADR 0271's waiting claim
// from outside (outside49, ADR 0274): 12 creates at once over two
// replicas, each spelling one name another way a person cannot see or
// does not mean (decomposed, upper and mixed case, a full-width letter,
// an Ångström sign, a no-break space, two spaces, a joiner inside a
// word), every record a moment behind its claim. Exactly one organisation
// stands and every other create is told AlreadyExists. Afterwards every
// spelling is AlreadyExists on both replicas, and the ones that would be
// a lookalike comparing apart (a combining grapheme joiner, a variation
// selector on a letter, a Hangul filler) or blank are refused as
// invisible.
func TestLookalikeNamesRaceOverTwoReplicas(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	a, namesA := namedReplica(t, n, nil)
	b, namesB := namedReplica(t, n, nil)
	onTheWay := func() { time.Sleep(20 * time.Millisecond) }
	namesA.afterClaim, namesB.afterClaim = onTheWay, onTheWay
	var calls atomic.Int32
	for round := range 3 {
		base := fmt.Sprintf("Föreningen Åsa Kalmar %d", round)
		spellings := []string{base, norm.NFD.String(base), strings.ToUpper(base), "fÖrEnInGeN åSa KaLmAr " + fmt.Sprint(round),
			"Ｆöreningen Åsa Kalmar " + fmt.Sprint(round), strings.Replace(base, "Å", "\u212b", 1),
			strings.Replace(base, " ", "\u00a0", 1), strings.Replace(base, " ", "  ", 1), strings.Replace(base, "Före", "Före\u200d", 1),
			norm.NFD.String(strings.ToUpper(base)), strings.Replace(base, "Kalmar", "KALMAR", 1), strings.ToLower(base)}
		var wg sync.WaitGroup
		errs := make([]error, len(spellings))
		for i, name := range spellings {
			s := a
			if i%2 == 1 {
				s = b
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				calls.Add(1)
				_, errs[i] = s.Create(ctx, admin, association(name), "")
			}()
		}
		wg.Wait()
		winners := 0
		for i, err := range errs {
			switch {
			case err == nil:
				winners++
			case apperr.ErrorCode(err) != apperr.AlreadyExists:
				t.Errorf("round %d, %+q: %v; want success or AlreadyExists", round, spellings[i], err)
			}
		}
		if got := liveNamed(t, b, base); winners != 1 || got != 1 {
			t.Errorf("round %d: %d creates answered OK, %d organisations stand; want 1 and 1 (answers %v)", round, winners, got, errs)
		}
		for i, name := range spellings {
			s := []*Service{a, b}[(i+1)%2]
			calls.Add(1)
			if _, err := s.Create(ctx, admin, association(name), ""); apperr.ErrorCode(err) != apperr.AlreadyExists {
				t.Errorf("round %d, %+q again: %v; want AlreadyExists", round, name, err)
			}
		}
		for _, name := range []string{base + "\u034f", strings.Replace(base, "Åsa", "Å\ufe0fsa", 1), base + " \u3164", "\u3164", "\u2800"} {
			calls.Add(1)
			if _, err := a.Create(ctx, admin, association(name), ""); apperr.ErrorCode(err) != apperr.Invalid {
				t.Errorf("round %d, %+q: %v; want InvalidArgument (invisible)", round, name, err)
			}
		}
	}
	t.Logf("%d creates", calls.Load())
}
