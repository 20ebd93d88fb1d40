package people

import (
	"fmt"
	"slices"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/blind"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/ids"
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

// MaxNamesakeIDs is how many people one ListNamesakes call may name: a
// page of 50 pairs names 100 people, and each is one index lookup at
// most, so a call stays as cheap as a list page's with_namesakes.
const MaxNamesakeIDs = 100

// NamesakeIDs checks the ids a ListNamesakes call names (at most
// MaxNamesakeIDs, each an id) and returns them once each, in order.
func NamesakeIDs(v *apperr.Validator, field string, list []string) []string {
	if len(list) > MaxNamesakeIDs {
		v.Add(field, fmt.Sprintf("must list at most %d entries", MaxNamesakeIDs))
		return nil
	}
	out := make([]string, 0, len(list))
	for i, id := range list {
		if !ids.Valid(id) {
			v.Add(fmt.Sprintf("%s[%d]", field, i), "is not an id")
			continue
		}
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// NamesakesOf is Namesakes for people named by id rather than a page of
// records: the lists of pairs, seatings, assignments and waiting
// newcomers hold ids, and the gateway asks about a page's (ADR 0200).
// get reads one person as the caller may see them: a person the caller
// may not see (NotFound, as for no one) is left out, so asking about
// someone outside the caller's scope says nothing about them or their
// name; namesakes is Namesakes over the people read.
func NamesakesOf[T Named](list []string, get func(id string) (T, error), namesakes func(page []T) ([]*typev1.Namesake, error)) ([]*typev1.Namesake, error) {
	page := make([]T, 0, len(list))
	for _, id := range list {
		p, err := get(id)
		if apperr.ErrorCode(err) == apperr.NotFound {
			continue
		}
		if err != nil {
			return nil, err
		}
		page = append(page, p)
	}
	if len(page) == 0 {
		return nil, nil
	}
	return namesakes(page)
}
