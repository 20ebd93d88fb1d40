package web

import (
	"net/url"
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/apperr"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
)

// TestFormsRefuseUnknownChoices: a select posted with a value its enum
// does not define is a field violation on that field, not silently "not
// given" (the outside round of session 20 registered a newcomer with
// gender=X and found them stored without one); known values and an empty
// field still pass.
func TestFormsRefuseUnknownChoices(t *testing.T) {
	t.Parallel()
	violated := func(err error) map[string]bool {
		out := map[string]bool{}
		for _, fv := range apperr.Violations(err) {
			out[fv.Field] = true
		}
		return out
	}
	base := func() url.Values {
		return url.Values{"given_name": {"Samira"}, "municipality_code": {"0880"}}
	}
	for _, tt := range []struct {
		field, value string
		bad          bool
	}{
		{"gender", "GENDER_X", true},
		{"gender", "999", true},
		{"swedish_level", "SWEDISH_LEVEL_SFI_Z", true},
		{"gender", "GENDER_WOMAN", false},
		{"gender", "", false},
		{"swedish_level", "SWEDISH_LEVEL_SFI_B", false},
	} {
		f := base()
		f.Set(tt.field, tt.value)
		_, err := applyParticipantForm(&participantsv1.Participant{}, f, url.Values{}, false)
		if got := violated(err)[tt.field]; got != tt.bad {
			t.Errorf("newcomer %s=%q: violation %t, want %t (%v)", tt.field, tt.value, got, tt.bad, err)
		}
		if tt.field != "gender" {
			continue
		}
		_, err = applyVolunteerForm(&volunteersv1.Volunteer{}, f, url.Values{}, false, "u", time.Now())
		if got := violated(err)[tt.field]; got != tt.bad {
			t.Errorf("volunteer %s=%q: violation %t, want %t (%v)", tt.field, tt.value, got, tt.bad, err)
		}
	}
	// A known value is stored as itself.
	p := &participantsv1.Participant{}
	f := base()
	f.Set("gender", "GENDER_WOMAN")
	if _, err := applyParticipantForm(p, f, url.Values{}, false); err != nil || p.GetGender() != typev1.Gender_GENDER_WOMAN {
		t.Fatalf("gender %v, err %v", p.GetGender(), err)
	}
}
