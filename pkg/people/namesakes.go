package people

import (
	"slices"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/motesplats/motesplats/pkg/blind"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
)

// Named is a record that a list names by given and family name in a
// municipality: a newcomer, a volunteer.
type Named interface {
	GetId() string
	GetGivenName() string
	GetFamilyName() string
	GetMunicipalityCode() string
	GetCreateTime() *timestamppb.Timestamp
}

// Namesakes returns the namesakes of the people of a list's page: for
// each person on it who shares their given and family name and
// municipality with anyone else the caller may see, every one of that
// group (the person too), with when each was registered; each group once,
// its of_id the first of it on the page. A page marked
// only within itself showed two people of one name on different pages
// (or one filtered out) as one person (ADR 0196).
//
// It reads the service's in-memory blind name index, never a record's
// sealed bytes: one lookup per distinct name on the page, by the term of
// the name's longest word (as a name search does), through find(values),
// which returns the records indexed under the terms in values. visible
// keeps the records the caller may see; term is the index's keyed term
// of a word. It returns nil when the service has no name index (term is
// nil).
func Namesakes[T Named](page []T, term func(string) string, find func(values []string) ([]T, error), visible func(T) bool) ([]*typev1.Namesake, error) {
	if term == nil {
		return nil, nil
	}
	type key struct{ given, family, municipality string }
	groups := map[key][]T{}
	for _, p := range page {
		k := key{p.GetGivenName(), p.GetFamilyName(), p.GetMunicipalityCode()}
		if _, done := groups[k]; done {
			continue
		}
		words := blind.Words(k.given + " " + k.family)
		if len(words) == 0 {
			groups[k] = nil // a name no search finds: nothing to tell apart
			continue
		}
		longest := slices.MaxFunc(words, func(a, b string) int { return len(a) - len(b) })
		found, err := find([]string{term(longest)})
		if err != nil {
			return nil, err
		}
		var same []T
		for _, f := range found {
			if f.GetGivenName() == k.given && f.GetFamilyName() == k.family && f.GetMunicipalityCode() == k.municipality && visible(f) {
				same = append(same, f)
			}
		}
		groups[k] = same
	}
	// Each group once, named by its first person on the page: the page's
	// other people of the group are in it.
	var out []*typev1.Namesake
	for _, p := range page {
		k := key{p.GetGivenName(), p.GetFamilyName(), p.GetMunicipalityCode()}
		if len(groups[k]) < 2 {
			continue
		}
		for _, n := range groups[k] {
			out = append(out, &typev1.Namesake{OfId: p.GetId(), Id: n.GetId(), CreateTime: n.GetCreateTime()})
		}
		delete(groups, k)
	}
	return out, nil
}
