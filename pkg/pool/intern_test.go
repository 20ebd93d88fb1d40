package pool_test

import (
	"testing"
	"unsafe"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/pool"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestRecordsShareTheirCodes: two newcomers' records, each built from
// facts decoded from its own event, hold one copy of the strings they
// share (municipality, organisation, interests, the language codes in
// nested messages), so a side keeps a handful of values instead of a
// copy per person for the collector to walk (ADR 0204). Values and the
// people's own ids are unchanged.
func TestRecordsShareTheirCodes(t *testing.T) {
	t.Parallel()
	ctx := testutil.Context(t)
	s, _ := side(t)
	full := func(f *eventsv1.ParticipantFacts) (*mentoringv1.PoolNewcomer, bool) {
		return &mentoringv1.PoolNewcomer{ParticipantId: f.GetParticipantId(), OrganisationId: f.GetOrganisationId(),
			MunicipalityCode: f.GetMunicipalityCode(), Languages: f.GetLanguages(), Interests: f.GetInterests()}, true
	}
	for i, who := range []string{"p-a", "p-b"} {
		f := factsOf(who, "0180", true)
		f.OrganisationId = "org-1"
		f.Interests = []string{"cooking", "football"}
		f.Languages = []*typev1.LanguageSkill{{Code: "ar", Level: typev1.LanguageLevel_LANGUAGE_LEVEL_NATIVE}}
		// Each event's payload is decoded by ApplyParticipant, so every
		// record starts from strings of its own.
		if err := s.ApplyParticipant(ctx, event(t, "e-"+who, i, &eventsv1.ParticipantRegistered{Facts: f}), full); err != nil {
			t.Fatal(err)
		}
	}
	a, okA := s.Live("p-a")
	b, okB := s.Live("p-b")
	if !okA || !okB {
		t.Fatalf("live: %v %v", okA, okB)
	}
	same := func(what, x, y string) {
		t.Helper()
		if x != y {
			t.Errorf("%s: %q and %q", what, x, y)
		} else if unsafe.StringData(x) != unsafe.StringData(y) {
			t.Errorf("%s %q: each record holds its own copy", what, x)
		}
	}
	same("municipality", a.GetMunicipalityCode(), b.GetMunicipalityCode())
	same("organisation", a.GetOrganisationId(), b.GetOrganisationId())
	same("interest", a.GetInterests()[1], b.GetInterests()[1])
	same("language code", a.GetLanguages()[0].GetCode(), b.GetLanguages()[0].GetCode())
	if a.GetParticipantId() != "p-a" || b.GetParticipantId() != "p-b" || a.GetEventId() != "e-p-a" {
		t.Errorf("ids: %q %q %q", a.GetParticipantId(), b.GetParticipantId(), a.GetEventId())
	}
	if a.GetMunicipalityCode() != "0180" || a.GetInterests()[0] != "cooking" || a.GetLanguages()[0].GetLevel() != typev1.LanguageLevel_LANGUAGE_LEVEL_NATIVE {
		t.Errorf("record changed: %v", a)
	}
}

// TestVolunteerRecordsShareTheirCodes is TestRecordsShareTheirCodes for
// a side fed by volunteers' events.
func TestVolunteerRecordsShareTheirCodes(t *testing.T) {
	t.Parallel()
	ctx := testutil.Context(t)
	n := testutil.MustNATS(t)
	s, err := pool.Open(ctx, n.JS, pool.Spec[*mentoringv1.PoolMentor]{
		Bucket: "kit_mentors", IDField: "volunteer_id", Source: pool.Volunteers,
		New: func() *mentoringv1.PoolMentor { return &mentoringv1.PoolMentor{} },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	build := func(f *eventsv1.VolunteerFacts) (*mentoringv1.PoolMentor, bool) {
		return &mentoringv1.PoolMentor{VolunteerId: f.GetVolunteerId(), OrganisationId: f.GetOrganisationId(),
			MunicipalityCode: f.GetMunicipalityCode(), Languages: f.GetLanguages(), Interests: f.GetInterests()}, true
	}
	for i, who := range []string{"v-a", "v-b"} {
		f := &eventsv1.VolunteerFacts{VolunteerId: who, OrganisationId: "org-1", MunicipalityCode: "0180",
			Interests: []string{"chess"}, Languages: []*typev1.LanguageSkill{{Code: "sv"}}}
		if err := s.ApplyVolunteer(ctx, event(t, "e-"+who, i, &eventsv1.VolunteerRegistered{Facts: f}), build); err != nil {
			t.Fatal(err)
		}
	}
	a, _ := s.Live("v-a")
	b, _ := s.Live("v-b")
	for what, xy := range map[string][2]string{
		"municipality":  {a.GetMunicipalityCode(), b.GetMunicipalityCode()},
		"organisation":  {a.GetOrganisationId(), b.GetOrganisationId()},
		"interest":      {a.GetInterests()[0], b.GetInterests()[0]},
		"language code": {a.GetLanguages()[0].GetCode(), b.GetLanguages()[0].GetCode()},
	} {
		if xy[0] != xy[1] || xy[0] == "" || unsafe.StringData(xy[0]) != unsafe.StringData(xy[1]) {
			t.Errorf("%s %q, %q: not one shared copy", what, xy[0], xy[1])
		}
	}
	if a.GetVolunteerId() != "v-a" || b.GetVolunteerId() != "v-b" {
		t.Errorf("ids: %q %q", a.GetVolunteerId(), b.GetVolunteerId())
	}
}
