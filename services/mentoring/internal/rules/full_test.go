package rules

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/match"
)

// TestFullMentorsLeaveTheInstanceAsItWas: mentors without a free slot
// (capacity 0) in the input change neither the instance nor the pairs the
// engine finds: the same input with them left out, as snapshots were made
// before ADR 0169, builds an equal instance and solves to the same pairs.
// A random population, a third of its mentors full.
func TestFullMentorsLeaveTheInstanceAsItWas(t *testing.T) {
	t.Parallel()
	r, err := Parse("d", DefaultYAML)
	if err != nil {
		t.Fatal(err)
	}
	rnd := rand.New(rand.NewPCG(3, 9))
	munis := []string{"0180", "0114", "0380", "1480"}
	langs := []string{"ar", "ti", "so", "uk"}
	skill := func(level typev1.LanguageLevel) []*typev1.LanguageSkill {
		return []*typev1.LanguageSkill{{Code: langs[rnd.IntN(len(langs))], Level: level}}
	}
	in := Input{Excluded: map[string]bool{}}
	for i := range 300 {
		in.Newcomers = append(in.Newcomers, &mentoringv1.PoolNewcomer{ParticipantId: fmt.Sprintf("n-%03d", i),
			MunicipalityCode: munis[rnd.IntN(len(munis))], Languages: skill(typev1.LanguageLevel_LANGUAGE_LEVEL_NATIVE),
			SwedishLevel: typev1.SwedishLevel(1 + rnd.IntN(7)), HouseholdSize: int32(1 + rnd.IntN(3)),
			Gender: typev1.Gender(1 + rnd.IntN(2)), WantsSameGenderMentor: rnd.IntN(4) == 0})
	}
	for i := range 90 {
		in.Mentors = append(in.Mentors, &mentoringv1.PoolMentor{VolunteerId: fmt.Sprintf("m-%03d", i),
			MunicipalityCode: munis[rnd.IntN(len(munis))], Languages: skill(typev1.LanguageLevel_LANGUAGE_LEVEL_FLUENT),
			HouseholdSize: int32(1 + rnd.IntN(3)), Gender: typev1.Gender(1 + rnd.IntN(2)), Capacity: int32(rnd.IntN(3))})
	}
	for range 100 {
		in.Excluded[PairKey(in.Newcomers[rnd.IntN(300)].GetParticipantId(), in.Mentors[rnd.IntN(90)].GetVolunteerId())] = true
	}
	without := in
	without.Mentors = slices.DeleteFunc(slices.Clone(in.Mentors), func(m *mentoringv1.PoolMentor) bool { return m.GetCapacity() == 0 })
	if full := len(in.Mentors) - len(without.Mentors); full < 20 {
		t.Fatalf("only %d full mentors: the test shows nothing", full)
	}

	got, full, err := r.BuildFull(in)
	if err != nil {
		t.Fatal(err)
	}
	want, err := r.Build(without)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("instance with full mentors differs (-without +with):\n%s", diff)
	}
	gs, err := match.Solve(got.Instance)
	if err != nil {
		t.Fatal(err)
	}
	ws, err := match.Solve(want.Instance)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(gs.HostOf, ws.HostOf) || !slices.ContainsFunc(gs.HostOf, func(h int32) bool { return h >= 0 }) {
		t.Errorf("pairs differ, or none found: with %v, without %v", gs.HostOf, ws.HostOf)
	}
	fits := 0
	for _, n := range in.Newcomers {
		fits += len(full.Fits(n.GetParticipantId()))
	}
	if fits == 0 {
		t.Error("no full mentor fits anyone: the full mentors were not judged")
	}
}

// TestFullFits: Fits names the full mentors the rules allow for a
// newcomer, with the score and parts the pair would have had with a free
// slot; not one the rules forbid (another county), nor one of a pair
// never to propose again. A duplicate id among them fails BuildFull.
func TestFullFits(t *testing.T) {
	t.Parallel()
	r, err := Parse("d", DefaultYAML)
	if err != nil {
		t.Fatal(err)
	}
	ar := []*typev1.LanguageSkill{{Code: "ar", Level: typev1.LanguageLevel_LANGUAGE_LEVEL_NATIVE}}
	mentor := func(id, muni string, capacity int32) *mentoringv1.PoolMentor {
		return &mentoringv1.PoolMentor{VolunteerId: id, MunicipalityCode: muni, Languages: ar, Capacity: capacity,
			HouseholdSize: 1, Interests: []string{"chess"}}
	}
	in := Input{
		Newcomers: []*mentoringv1.PoolNewcomer{{ParticipantId: "n", MunicipalityCode: "0180", Languages: ar,
			HouseholdSize: 1, Interests: []string{"chess"}}},
		Mentors: []*mentoringv1.PoolMentor{mentor("free", "0180", 1), mentor("full", "0180", 0),
			mentor("near", "0114", 0), mentor("far", "1480", 0), mentor("before", "0180", 0)},
		Excluded: map[string]bool{PairKey("n", "before"): true},
	}
	b, full, err := r.BuildFull(in)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(b.HostIDs, []string{"free"}) {
		t.Errorf("hosts %v, want only the mentor with a free slot", b.HostIDs)
	}
	// What the full ones would score with a slot: the same rules' instance.
	open := Input{Newcomers: in.Newcomers}
	for _, m := range in.Mentors[1:3] {
		c := mentor(m.GetVolunteerId(), m.GetMunicipalityCode(), 1)
		open.Mentors = append(open.Mentors, c)
	}
	ob, err := r.Build(open)
	if err != nil {
		t.Fatal(err)
	}
	var want []Fit
	for k, e := range ob.Instance.Edges {
		want = append(want, Fit{Mentor: ob.HostIDs[e.Host], Score: e.Score, Parts: ob.Instance.Parts[k]})
	}
	got := full.Fits("n")
	if diff := cmp.Diff(want, got); diff != "" || len(got) != 2 {
		t.Errorf("fits (-want +got):\n%s", diff)
	}
	if got[0].Score != 10+40+30+8 {
		t.Errorf("full's score %d, want %d", got[0].Score, 10+40+30+8)
	}
	if got := full.Fits("nobody"); got != nil {
		t.Errorf("an unknown newcomer fits %v", got)
	}
	in.Mentors = append(in.Mentors, mentor("full", "0380", 0))
	if _, _, err := r.BuildFull(in); err == nil {
		t.Error("a full mentor given twice was accepted")
	}
}
