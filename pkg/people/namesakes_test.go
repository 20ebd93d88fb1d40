package people

import (
	"slices"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/blind"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
)

// namedPerson is a Named record for the tests.
type namedPerson struct {
	id, given, family, muni, org string
	at                           time.Time
}

func (p namedPerson) GetId() string                         { return p.id }
func (p namedPerson) GetGivenName() string                  { return p.given }
func (p namedPerson) GetFamilyName() string                 { return p.family }
func (p namedPerson) GetMunicipalityCode() string           { return p.muni }
func (p namedPerson) GetCreateTime() *timestamppb.Timestamp { return timestamppb.New(p.at) }

// TestNamesakes: a page's namedPerson is given every namesake the caller may
// see, on any page (the same given and family name and municipality),
// each group once; a name that only starts alike ("Amalia"), another
// municipality's namesake and one the caller may not see are no
// namesakes, and neither is a namedPerson alone with their name.
func TestNamesakes(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 3, 14, 10, 0, 0, 0, time.UTC)
	all := []namedPerson{
		{"1", "Amal", "Hassan", "0180", "a", t0},
		{"2", "Leila", "Nur", "0180", "a", t0},
		{"3", "Amal", "Hassan", "0180", "a", t0.Add(time.Hour)}, // page 2
		{"4", "Amalia", "Hassan", "0180", "a", t0},
		{"5", "Amal", "Hassan", "0380", "a", t0},
		{"6", "Amal", "Hassan", "0180", "other", t0}, // another organisation's
		{"7", "Amal", "Hassan", "0180", "a", t0.Add(2 * time.Hour)},
	}
	ix := blind.Unkeyed("test")
	find := func(values []string) ([]namedPerson, error) {
		var out []namedPerson
		for _, p := range all {
			if slices.Contains(ix.Terms(p.given, p.family), values[0]) {
				out = append(out, p)
			}
		}
		return out, nil
	}
	visible := func(p namedPerson) bool { return p.org == "a" }
	page := []namedPerson{all[0], all[1], all[6]} // page 1 holds two of the three Amal
	got, err := Namesakes(page, ix.Term, find, visible)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, n := range got {
		if n.GetOfId() != "1" || !n.GetCreateTime().IsValid() {
			t.Errorf("namesake %v: want of 1, with its registration time", n)
		}
		ids = append(ids, n.GetId())
	}
	if want := []string{"1", "3", "7"}; !slices.Equal(ids, want) {
		t.Errorf("namesakes %v, want %v", ids, want)
	}
	if got, _ := Namesakes([]namedPerson{all[1], all[3]}, ix.Term, find, visible); len(got) != 0 {
		t.Errorf("people alone with their names have namesakes %v", got)
	}
	if got, _ := Namesakes(page, nil, find, visible); got != nil {
		t.Errorf("without a name index: %v, want none", got)
	}
}

// TestNamesakesOf: people named by id are read as the caller may see
// them; one the caller may not see (NotFound) is left out, so asking
// about another organisation's Amal says nothing, though two Amal the
// caller sees share her name. More than MaxNamesakeIDs ids, or one that
// is not an id, is refused; a repeated id counts once.
func TestNamesakesOf(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 3, 14, 10, 0, 0, 0, time.UTC)
	a1 := "01a24000-0000-7000-8000-000000000001"
	a2 := "01a24000-0000-7000-8000-000000000002"
	b1 := "01a24000-0000-7000-8000-000000000003"
	all := []namedPerson{{a1, "Amal", "Hassan", "0180", "a", t0}, {a2, "Amal", "Hassan", "0180", "a", t0.Add(time.Hour)}, {b1, "Amal", "Hassan", "0180", "b", t0}}
	ix := blind.Unkeyed("test")
	visible := func(p namedPerson) bool { return p.org == "a" }
	get := func(id string) (namedPerson, error) {
		for _, p := range all {
			if p.id == id && visible(p) {
				return p, nil
			}
		}
		return namedPerson{}, apperr.Errorf(apperr.NotFound, "participant not found")
	}
	find := func([]string) ([]namedPerson, error) { return all, nil }
	namesakes := func(page []namedPerson) ([]*typev1.Namesake, error) { return Namesakes(page, ix.Term, find, visible) }

	got, err := NamesakesOf([]string{a1}, get, namesakes)
	if err != nil || len(got) != 2 || got[0].GetId() != a1 || got[1].GetId() != a2 {
		t.Errorf("Amal's namesakes %v %v, want %s and %s", got, err, a1, a2)
	}
	if got, err := NamesakesOf([]string{b1}, get, namesakes); err != nil || len(got) != 0 {
		t.Errorf("asked about another organisation's Amal: %v %v, want nothing", got, err)
	}

	var v apperr.Validator
	if got := NamesakeIDs(&v, "ids", []string{a1, a1, a2}); !v.Valid() || !slices.Equal(got, []string{a1, a2}) {
		t.Errorf("NamesakeIDs: %v (%v), want %s and %s once", got, v.Err(), a1, a2)
	}
	many := make([]string, MaxNamesakeIDs+1)
	for i := range many {
		many[i] = a1
	}
	for name, ids := range map[string][]string{"101 ids": many, "not an id": {"amal.*"}} {
		var v apperr.Validator
		if NamesakeIDs(&v, "ids", ids); v.Valid() {
			t.Errorf("%s: accepted", name)
		}
	}
}
