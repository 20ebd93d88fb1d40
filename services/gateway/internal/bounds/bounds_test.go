package bounds

import (
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/motesplats/motesplats/pkg/apperr"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
)

func TestCheck(t *testing.T) {
	t.Parallel()
	many := func(n int) []*participantsv1.Consent { return make([]*participantsv1.Consent, n) }
	tests := []struct {
		name string
		in   *participantsv1.UpdateParticipantRequest
		want []string // fields at fault
	}{
		{"within caps", &participantsv1.UpdateParticipantRequest{Participant: &participantsv1.Participant{
			Consents: many(4), Interests: []string{"cooking"}}}, nil},
		{"100,000 consents", &participantsv1.UpdateParticipantRequest{Participant: &participantsv1.Participant{Consents: many(100_000)}},
			[]string{"participant.consents"}},
		{"mask paths", &participantsv1.UpdateParticipantRequest{UpdateMask: &fieldmaskpb.FieldMask{Paths: make([]string, 33)}},
			[]string{"update_mask.paths"}},
		{"nested list", &participantsv1.UpdateParticipantRequest{Participant: &participantsv1.Participant{
			Household: &participantsv1.Household{MemberAges: make([]int32, 21)}}}, []string{"participant.household.member_ages"}},
		{"unknown enums", &participantsv1.UpdateParticipantRequest{Participant: &participantsv1.Participant{
			SwedishLevel: 999, Diets: []typev1.Diet{typev1.Diet(-5)}}}, []string{"participant.swedish_level", "participant.diets[0]"}},
		{"bad UTF-8", &participantsv1.UpdateParticipantRequest{Participant: &participantsv1.Participant{
			GivenName: "\xff", Interests: []string{"ok", "\xfe"}}}, []string{"participant.given_name", "participant.interests[1]"}},
	}
	for _, tt := range tests {
		err := Check(tt.in)
		var got []string
		if e, ok := err.(*apperr.Error); ok {
			if e.Code != apperr.Invalid {
				t.Errorf("%s: code %s", tt.name, e.Code)
			}
			for _, v := range e.Violations {
				got = append(got, v.Field)
			}
		} else if err != nil {
			t.Errorf("%s: %v", tt.name, err)
		}
		slices.Sort(got)
		slices.Sort(tt.want)
		if strings.Join(got, ",") != strings.Join(tt.want, ",") {
			t.Errorf("%s: fields %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestViolations(t *testing.T) {
	t.Parallel()
	// Built by hand (a Validator caps itself): 399,999 violations.
	e := &apperr.Error{Code: apperr.Invalid, Message: "invalid request", Violations: make([]apperr.FieldViolation, 399_999)}
	got := Violations(e)
	if len(got.Violations) != apperr.MaxViolations || !strings.Contains(got.Message, "399999 problems, the first 50 listed") {
		t.Fatalf("%d violations, message %q", len(got.Violations), got.Message)
	}
	if len(e.Violations) != 399_999 {
		t.Fatal("Violations changed its argument")
	}
	small := &apperr.Error{Code: apperr.Invalid, Message: "invalid request", Violations: e.Violations[:3]}
	if Violations(small) != small {
		t.Fatal("a short list was changed")
	}
}
