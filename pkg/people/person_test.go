package people

import (
	"slices"
	"testing"

	"github.com/motesplats/motesplats/pkg/apperr"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
)

// person is a Person for the tests: a register's record reduced to the
// fields Identity reads.
type person struct {
	org, muni, given, family string
	contact                  *typev1.Contact
	notifications            *typev1.NotificationPreferences
	languages                []*typev1.LanguageSkill
}

func (p person) GetOrganisationId() string                         { return p.org }
func (p person) GetMunicipalityCode() string                       { return p.muni }
func (p person) GetGivenName() string                              { return p.given }
func (p person) GetFamilyName() string                             { return p.family }
func (p person) GetContact() *typev1.Contact                       { return p.contact }
func (p person) GetNotifications() *typev1.NotificationPreferences { return p.notifications }
func (p person) GetLanguages() []*typev1.LanguageSkill             { return p.languages }

// TestIdentity: each Person field is checked under the record's field
// name, in form order, and the organisation's message is the register's.
func TestIdentity(t *testing.T) {
	t.Parallel()
	ok := person{org: "org-1", muni: "0180", given: "Amal",
		languages: []*typev1.LanguageSkill{{Code: "ar", Level: typev1.LanguageLevel_LANGUAGE_LEVEL_NATIVE}}}
	tests := []struct {
		name string
		edit func(p *person)
		want []string
	}{
		{"valid", func(*person) {}, nil},
		{"organisation missing", func(p *person) { p.org = "" }, []string{"x.organisation_id"}},
		{"organisation not an id", func(p *person) { p.org = "a.b" }, []string{"x.organisation_id"}},
		{"municipality unknown", func(p *person) { p.muni = "0000" }, []string{"x.municipality_code"}},
		{"given name missing", func(p *person) { p.given = "" }, []string{"x.given_name"}},
		{"family name padded", func(p *person) { p.family = " Ali" }, []string{"x.family_name"}},
		{"bad e-mail", func(p *person) { p.contact = &typev1.Contact{Email: "not-an-address"} }, []string{"x.contact.email"}},
		{"language unknown", func(p *person) {
			p.languages[0] = &typev1.LanguageSkill{Code: "zz", Level: typev1.LanguageLevel_LANGUAGE_LEVEL_NATIVE}
		}, []string{"x.languages[0].code"}},
		{"several, in form order", func(p *person) { p.org, p.given = "", "" }, []string{"x.organisation_id", "x.given_name"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := ok
			p.languages = slices.Clone(ok.languages)
			tt.edit(&p)
			var v apperr.Validator
			Identity(&v, "x", p, "is required (why)")
			if got := fields(&v); !slices.Equal(got, tt.want) {
				t.Errorf("violations %v, want %v", got, tt.want)
			}
			if tt.want != nil && tt.want[0] == "x.organisation_id" {
				if got := apperr.Violations(v.Err())[0].Description; got != "is required (why)" {
					t.Errorf("organisation message %q, want the register's", got)
				}
			}
		})
	}
}
