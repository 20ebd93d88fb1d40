package people

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/apperr"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
)

func fields(v *apperr.Validator) []string {
	var out []string
	for _, fv := range apperr.Violations(v.Err()) {
		out = append(out, fv.Field)
	}
	return out
}

func TestChecks(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		check func(v *apperr.Validator)
		want  []string // violated fields; nil means valid
	}{
		{"name ok", func(v *apperr.Validator) { Name(v, "n", "Åsa Öberg-Ali", true) }, nil},
		{"name required", func(v *apperr.Validator) { Name(v, "n", "", true) }, []string{"n"}},
		{"name optional", func(v *apperr.Validator) { Name(v, "n", "", false) }, nil},
		{"name 100 runes ok", func(v *apperr.Validator) { Name(v, "n", strings.Repeat("å", 100), true) }, nil},
		{"name 101 runes", func(v *apperr.Validator) { Name(v, "n", strings.Repeat("å", 101), true) }, []string{"n"}},
		{"name padded", func(v *apperr.Validator) { Name(v, "n", " Ali", true) }, []string{"n"}},
		{"name with ZWNJ (Dari)", func(v *apperr.Validator) { Name(v, "n", "می‌خواهم", true) }, nil},
		{"name control", func(v *apperr.Validator) { Name(v, "n", "A\nB", true) }, []string{"n"}},
		{"name invalid utf8", func(v *apperr.Validator) { Name(v, "n", "\xff", true) }, []string{"n"}},
		{"municipality ok", func(v *apperr.Validator) { Municipality(v, "m", "2480") }, nil},
		{"municipality unknown", func(v *apperr.Validator) { Municipality(v, "m", "0000") }, []string{"m"}},
		{"municipality empty", func(v *apperr.Validator) { Municipality(v, "m", "") }, []string{"m"}},
		{"contact ok", func(v *apperr.Validator) {
			Contact(v, "c", &typev1.Contact{Email: "a@b.se", Phone: "+46701234567", PreferredLanguage: "ti"})
		}, nil},
		{"contact bad", func(v *apperr.Validator) {
			Contact(v, "c", &typev1.Contact{Email: "Amina <a@b.se>", Phone: "0701234567", PreferredLanguage: "xx"})
		}, []string{"c.email", "c.phone", "c.preferred_language"}},
		{"languages", func(v *apperr.Validator) {
			Languages(v, "l", []*typev1.LanguageSkill{{Code: "ar", Level: 4}, {Code: "ar", Level: 0}})
		}, []string{"l[1].code", "l[1].level"}},
		{"interests", func(v *apperr.Validator) { Interests(v, "i", []string{"chess", "Chess", "chess"}) }, []string{"i[1]", "i[2]"}},
		{"availability", func(v *apperr.Validator) {
			Availability(v, "a", []*typev1.Availability{{Weekday: 1, DayPart: 3}, {Weekday: 8}})
		}, []string{"a[1].weekday", "a[1].day_part"}},
		{"diets", func(v *apperr.Validator) { Diets(v, "d", []typev1.Diet{typev1.Diet_DIET_HALAL, 0}) }, []string{"d[1]"}},
		{"diets twice", func(v *apperr.Validator) { Diets(v, "d", []typev1.Diet{3, 1, 3}) }, []string{"d[2]"}},
		{"diets every one", func(v *apperr.Validator) { Diets(v, "d", []typev1.Diet{1, 2, 3, 4, 5, 6, 7, 8}) }, nil},
		{"diets two million", func(v *apperr.Validator) { Diets(v, "d", make([]typev1.Diet, 2_000_000)) }, []string{"d"}},
		{"availability twice", func(v *apperr.Validator) {
			Availability(v, "a", []*typev1.Availability{{Weekday: 1, DayPart: 3}, {Weekday: 1, DayPart: 3}})
		}, []string{"a[1]"}},
		{"household 100k ages", func(v *apperr.Validator) { Household(v, "h", 2, make([]int32, 100_000)) }, []string{"h.member_ages"}},
		{"date ok", func(v *apperr.Validator) { Date(v, "d", "2026-11-23", now) }, nil},
		{"date future", func(v *apperr.Validator) { Date(v, "d", "2026-11-24", now) }, []string{"d"}},
		// 00:30 on 24 November in Stockholm is 23:30 on the 23rd by UTC:
		// a permit dated the 24th, typed then, is today's (ADR 0143).
		{"date today in Stockholm after midnight", func(v *apperr.Validator) {
			Date(v, "d", "2026-11-24", time.Date(2026, 11, 23, 23, 30, 0, 0, time.UTC))
		}, nil},
		{"date tomorrow in Stockholm before UTC's midnight", func(v *apperr.Validator) {
			Date(v, "d", "2026-11-25", time.Date(2026, 11, 23, 23, 30, 0, 0, time.UTC))
		}, []string{"d"}},
		{"date before the floor", func(v *apperr.Validator) { Date(v, "d", "1899-12-31", now) }, []string{"d"}},
		{"date on the floor", func(v *apperr.Validator) { Date(v, "d", EarliestDate, now) }, nil},
		{"date before the floor, no upper bound", func(v *apperr.Validator) { Date(v, "d", "0001-01-01", time.Time{}) }, []string{"d"}},
		{"date malformed", func(v *apperr.Validator) { Date(v, "d", "23/11/2026", now) }, []string{"d"}},
		// 00:30 on 1 January 2027 in Stockholm is 23:30 on 31 December
		// 2026 by UTC: this year is 2027, so someone 16 was born in 2011
		// (ADR 0207); at 22:30 UTC it is still 2026 in Sweden too.
		{"birth year at New Year in Stockholm", func(v *apperr.Validator) {
			BirthYear(v, "y", 2011, time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC), 16)
		}, nil},
		{"birth year a year late at New Year in Stockholm", func(v *apperr.Validator) {
			BirthYear(v, "y", 2012, time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC), 16)
		}, []string{"y"}},
		{"birth year before New Year in Stockholm", func(v *apperr.Validator) {
			BirthYear(v, "y", 2011, time.Date(2026, 12, 31, 22, 30, 0, 0, time.UTC), 16)
		}, []string{"y"}},
		{"household ok", func(v *apperr.Validator) { Household(v, "h", 3, []int32{40, 5}) }, nil},
		{"household zero", func(v *apperr.Validator) { Household(v, "h", 0, nil) }, []string{"h.size"}},
		{"household ages", func(v *apperr.Validator) { Household(v, "h", 2, []int32{121, 3}) }, []string{"h.member_ages", "h.member_ages[0]"}},
		{"record size ok", func(v *apperr.Validator) { RecordSize(v, "r", &typev1.Contact{Email: "a@b.se"}) }, nil},
		{"record too large", func(v *apperr.Validator) {
			RecordSize(v, "r", &typev1.Contact{Email: strings.Repeat("a", MaxRecordBytes)})
		}, []string{"r"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v apperr.Validator
			tt.check(&v)
			if got := fields(&v); !slices.Equal(got, tt.want) {
				t.Fatalf("violations=%v, want %v", got, tt.want)
			}
		})
	}
}
