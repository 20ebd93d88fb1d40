package guides

import (
	"cmp"
	"slices"
	"strings"

	"github.com/motesplats/motesplats/services/guides/internal/assign"
)

// The pairs proposed before (ADR 0248): a guides job leaves the newcomer
// and the organisation's office (organisation and municipality, ADR 0257)
// of every assignment that is over out of its instance, since they are
// never proposed again (ADR 0076), so the engine places others rather
// than choosing them and having their create-once ids refused. A
// rejection is of the organisation: a newcomer turned down by X for
// Arabic is not proposed to X in the same municipality for Persian.

// reasonProposedBefore is the stored reason of a newcomer whose every
// fitting unit was proposed for them before (ADR 0248): the engine only
// knows it found no edge, which the API would word as "none in their
// languages".
const reasonProposedBefore = "proposed before"

// excludedPairs is the pairs of before between a newcomer of in and an
// office with a unit in in, in order: the others cannot be chosen anyway,
// and the snapshot keeps no more of who was proposed to whom than the job
// needs. A pair counts once however many of the office's languages were
// proposed.
func excludedPairs(in assign.Input, before map[assign.Pair]bool) []assign.Pair {
	ns := make(map[string]bool, len(in.Newcomers))
	for _, n := range in.Newcomers {
		ns[n.ID] = true
	}
	type office struct{ org, muni string }
	us := make(map[office]bool, len(in.Units))
	for _, u := range in.Units {
		us[office{u.Organisation, u.Municipality}] = true
	}
	var out []assign.Pair
	for p := range before {
		if ns[p.Newcomer] && us[office{p.Organisation, p.Municipality}] {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b assign.Pair) int {
		return cmp.Or(strings.Compare(a.Newcomer, b.Newcomer), strings.Compare(a.Organisation, b.Organisation),
			strings.Compare(a.Municipality, b.Municipality))
	})
	return out
}
