package rules

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
)

func TestDefaultLoads(t *testing.T) {
	t.Parallel()
	s, err := LoadDir("")
	if err != nil {
		t.Fatal(err)
	}
	r := s.Default
	if r.Version != "2026-01" || r.SwedishMinLevel != typev1.SwedishLevel_SWEDISH_LEVEL_SFI_C || r.MenteeSlots != 2 || r.Area != AreaCounty {
		t.Fatalf("default rules = %+v", r)
	}
}

// TestInvalidFileNamesLineAndField: every mistake is reported with the
// file, the line and the field.
func TestInvalidFileNamesLineAndField(t *testing.T) {
	t.Parallel()
	bad := strings.Join([]string{
		`version: "2026-02"`,                // 1
		`language:`,                         // 2
		`  swedish_min_level: sfi_x`,        // 3
		`  other_min_level: conversational`, // 4
		`gender: sometimes`,                 // 5
		`families_with_families: prefer`,    // 6
		`area: county`,                      // 7
		`weights:`,                          // 8
		`  base: -3`,                        // 9
		`  langauge: 40`,                    // 10
		`mentee_slots: 2`,                   // 11
		`term_months: 6`,                    // 12
		`offer_expiry_days: 14`,             // 13
		`follow_up_weeks: 4`,                // 14
	}, "\n")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "org-a.yaml"), []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := LoadDir(dir)
	if err == nil {
		t.Fatal("invalid file loaded")
	}
	for _, want := range []string{
		"org-a.yaml:3: language.swedish_min_level: must be one of none, sfi_a",
		"org-a.yaml:5: gender: must be one of same, any, newcomer_choice",
		"org-a.yaml:9: weights.base: must be a whole number from 0 to 1000",
		"org-a.yaml:10: weights.langauge: unknown field",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	var le *LoadError
	if !errors.As(err, &le) || le.Line == 0 || le.Field == "" {
		t.Errorf("error is not a LoadError with line and field: %v", err)
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct{ in, want string }{
		"missing fields": {`version: "1"`, "f.yaml:1: language: is required"},
		"bad yaml":       {"version: [\n", "f.yaml:"},
		"base 0 is allowed": {strings.ReplaceAll(string(DefaultYAML), "base: 10", "base: 0"),
			""},
		"bad schedule": {string(DefaultYAML) + "schedule:\n  every: 5m\n  municipalities: [\"0180\"]\n", "f.yaml:34: schedule.every: must be a duration"},
	} {
		_, err := Parse("f.yaml", []byte(tc.in))
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: error %v, want %q", name, err, tc.want)
		}
	}
}

func TestRulesDecidePairs(t *testing.T) {
	t.Parallel()
	r, err := Parse("d", DefaultYAML)
	if err != nil {
		t.Fatal(err)
	}
	ar := []*typev1.LanguageSkill{{Code: "ar", Level: typev1.LanguageLevel_LANGUAGE_LEVEL_NATIVE}}
	n := func(f func(*mentoringv1.PoolNewcomer)) *mentoringv1.PoolNewcomer {
		x := &mentoringv1.PoolNewcomer{ParticipantId: "n", MunicipalityCode: "0180", Languages: ar,
			SwedishLevel: typev1.SwedishLevel_SWEDISH_LEVEL_SFI_A, Gender: typev1.Gender_GENDER_WOMAN, HouseholdSize: 1}
		f(x)
		return x
	}
	m := func(f func(*mentoringv1.PoolMentor)) *mentoringv1.PoolMentor {
		x := &mentoringv1.PoolMentor{VolunteerId: "m", MunicipalityCode: "0180", Languages: ar, Capacity: 1,
			Gender: typev1.Gender_GENDER_MAN, HouseholdSize: 1}
		f(x)
		return x
	}
	keep := func(*mentoringv1.PoolNewcomer) {}
	keepM := func(*mentoringv1.PoolMentor) {}
	for name, tc := range map[string]struct {
		n     *mentoringv1.PoolNewcomer
		m     *mentoringv1.PoolMentor
		score int32 // 0: not eligible
	}{
		"shared mother tongue, same municipality": {n(keep), m(keepM), 10 + 40 + 30},
		"no shared language, little Swedish":      {n(keep), m(func(x *mentoringv1.PoolMentor) { x.Languages = nil }), 0},
		"Swedish at SFI C is enough": {n(func(x *mentoringv1.PoolNewcomer) { x.SwedishLevel = typev1.SwedishLevel_SWEDISH_LEVEL_SFI_C }),
			m(func(x *mentoringv1.PoolMentor) { x.Languages = nil }), 10 + 20 + 30},
		"wants a woman, mentor is a man": {n(func(x *mentoringv1.PoolNewcomer) { x.WantsSameGenderMentor = true }), m(keepM), 0},
		"other county":                   {n(keep), m(func(x *mentoringv1.PoolMentor) { x.MunicipalityCode = "1480" }), 0},
		"same county, other municipality": {n(keep), m(func(x *mentoringv1.PoolMentor) { x.MunicipalityCode = "0114" }),
			10 + 40 + 10},
		"families and interests": {n(func(x *mentoringv1.PoolNewcomer) { x.HouseholdSize, x.Interests = 4, []string{"a", "b", "c", "d"} }),
			m(func(x *mentoringv1.PoolMentor) { x.HouseholdSize, x.Interests = 3, []string{"a", "b", "c", "d"} }), 10 + 40 + 30 + 3*8 + 15},
		"no capacity": {n(keep), m(func(x *mentoringv1.PoolMentor) { x.Capacity = 0 }), 0},
		"same age band": {n(func(x *mentoringv1.PoolNewcomer) { x.AgeBand = 30 }), m(func(x *mentoringv1.PoolMentor) { x.AgeBand = 30 }),
			10 + 40 + 30 + 5},
		"age unknown on one side": {n(keep), m(func(x *mentoringv1.PoolMentor) { x.AgeBand = 30 }), 10 + 40 + 30},
	} {
		b, err := r.Build(Input{Newcomers: []*mentoringv1.PoolNewcomer{tc.n}, Mentors: []*mentoringv1.PoolMentor{tc.m}})
		if err != nil {
			t.Fatal(err)
		}
		var got int32
		if len(b.Instance.Edges) == 1 {
			got = b.Instance.Edges[0].Score
		}
		if got != tc.score {
			t.Errorf("%s: score %d, want %d (parts %v)", name, got, tc.score, b.Instance.Parts)
		}
	}
	excluded, err := r.Build(Input{Newcomers: []*mentoringv1.PoolNewcomer{n(keep)}, Mentors: []*mentoringv1.PoolMentor{m(keepM)},
		Excluded: map[string]bool{PairKey("n", "m"): true}})
	if err != nil || len(excluded.Instance.Edges) != 0 {
		t.Errorf("an excluded pair is eligible: %v", err)
	}
}
