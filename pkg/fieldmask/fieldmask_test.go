package fieldmask

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"

	"github.com/motesplats/motesplats/pkg/apperr"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
)

func TestApply(t *testing.T) {
	t.Parallel()
	updatable := []string{"municipality_code", "languages", "household_size"}
	stored := func() *eventsv1.ParticipantFacts {
		return &eventsv1.ParticipantFacts{ParticipantId: "p1", MunicipalityCode: "0180", HouseholdSize: 2,
			Languages: []*typev1.LanguageSkill{{Code: "ar"}}}
	}
	req := &eventsv1.ParticipantFacts{ParticipantId: "evil", MunicipalityCode: "1480",
		Languages: []*typev1.LanguageSkill{{Code: "ti"}}}
	tests := []struct {
		name    string
		paths   []string
		want    *eventsv1.ParticipantFacts
		applied []string
		invalid bool
	}{
		{"one field", []string{"municipality_code"},
			&eventsv1.ParticipantFacts{ParticipantId: "p1", MunicipalityCode: "1480", HouseholdSize: 2, Languages: []*typev1.LanguageSkill{{Code: "ar"}}},
			[]string{"municipality_code"}, false},
		{"unset clears", []string{"household_size", "languages"},
			&eventsv1.ParticipantFacts{ParticipantId: "p1", MunicipalityCode: "0180", Languages: []*typev1.LanguageSkill{{Code: "ti"}}},
			[]string{"household_size", "languages"}, false},
		{"empty means all updatable", nil,
			&eventsv1.ParticipantFacts{ParticipantId: "p1", MunicipalityCode: "1480", Languages: []*typev1.LanguageSkill{{Code: "ti"}}},
			updatable, false},
		{"output-only refused", []string{"participant_id"}, nil, nil, true},
		{"unknown refused", []string{"nope"}, nil, nil, true},
		{"100,000 paths refused with one violation", make([]string, 100_000), nil, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := stored()
			applied, err := Apply(got, req, tt.paths, updatable, "update_mask")
			if tt.invalid {
				if apperr.ErrorCode(err) != apperr.Invalid || len(apperr.Violations(err)) != 1 {
					t.Fatalf("err=%v, want one violation", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, protocmp.Transform()); diff != "" {
				t.Fatalf("result (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.applied, applied); diff != "" {
				t.Fatalf("applied (-want +got):\n%s", diff)
			}
		})
	}
	// dst must not share the request's lists.
	got := stored()
	if _, err := Apply(got, req, []string{"languages"}, updatable, "m"); err != nil {
		t.Fatal(err)
	}
	req.Languages[0].Code = "xx"
	if got.Languages[0].Code != "ti" {
		t.Fatal("dst shares the request's list")
	}
}

func TestChanged(t *testing.T) {
	t.Parallel()
	a := &eventsv1.ParticipantFacts{MunicipalityCode: "0180", HouseholdSize: 2}
	b := &eventsv1.ParticipantFacts{MunicipalityCode: "0180", HouseholdSize: 3, Interests: []string{"x"}}
	if diff := cmp.Diff([]string{"household_size", "interests"}, Changed(a, b)); diff != "" {
		t.Fatal(diff)
	}
}

// TestApplyRefusedChangesNothing: a mask with a good path beside a bad
// one (FuzzApply's find: ",household_size") was refused, and the good
// path was already copied onto the stored record: a caller that kept the
// record it passed (a cache's copy, a retry's) kept half an update. A
// refusal now leaves dst as it was (ADR 0213).
func TestApplyRefusedChangesNothing(t *testing.T) {
	t.Parallel()
	updatable := []string{"municipality_code", "languages", "household_size"}
	for _, paths := range [][]string{{"", "household_size"}, {"household_size", "nope"}, {"languages", "participant_id"}} {
		stored := &eventsv1.ParticipantFacts{ParticipantId: "p1", MunicipalityCode: "0180", HouseholdSize: 2,
			Languages: []*typev1.LanguageSkill{{Code: "ar"}}}
		dst := proto.Clone(stored).(*eventsv1.ParticipantFacts)
		req := &eventsv1.ParticipantFacts{HouseholdSize: 5, Languages: []*typev1.LanguageSkill{{Code: "ti"}}}
		if _, err := Apply(dst, req, paths, updatable, "update_mask"); err == nil {
			t.Fatalf("%q: taken", paths)
		}
		if !proto.Equal(dst, stored) {
			t.Errorf("%q refused, and the record is now %v", paths, dst)
		}
	}
}
