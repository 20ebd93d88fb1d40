// Package people validates the values that describe people in every
// service (names, contact details, languages, availability), so that a
// participant and a volunteer are held to the same rules and messages. It
// also keeps what the two registers do alike beyond values: who may
// change a person (CanWrite) and removal with its scope check (Remove).
package people

import (
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/calendar"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/lang"
	"github.com/motesplats/motesplats/pkg/municipality"
)

// Limits that keep records small and lists readable. Every list in a
// person's record has one, so no request can grow a record without bound
// (the proto comments and the README state them too).
const (
	MaxNameRunes = 100
	MaxLanguages = 20
	MaxInterests = 20
	// MaxInterestRunes caps one interest tag ("trädgård", "fotboll").
	MaxInterestRunes = 32
	MaxAvailability  = 21 // seven days, three parts each
	MaxDiets         = 8  // every diet once
	MaxHouseholdSize = 20
	MaxAge           = 120
	// MaxRecordBytes bounds a stored record's encoding. The list limits
	// keep a valid record far below it; it is the last check, so a record
	// that would not fit in a JetStream message is refused as bad input
	// rather than failing in the store as an internal error.
	MaxRecordBytes = 64 << 10
)

var (
	phoneRE = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)
)

// PhoneProblem is Contact's refusal of a phone number. The registers take
// numbers as typed (NormPhone, ADR 0124), so it gives the national form
// first: "must be in international form" told a coordinator who had typed
// "12" to write a form the field's own hint says is not needed (ADR 0137).
const PhoneProblem = "is not a phone number: for example 070-123 45 67, or with the country code +44 20 7946 0958"

// minSwedishDigits is the fewest digits a Swedish number has after +46
// (the national significant number: 08-123 456 is seven). A number cut
// short when copied ("070-123") passed E.164's seven digits in all, was
// stored, and every text message to it failed.
const minSwedishDigits = 7

// validPhone reports whether p is a number notify can send to: E.164, and
// a whole Swedish number when it is one.
func validPhone(p string) bool {
	if !phoneRE.MatchString(p) {
		return false
	}
	return !strings.HasPrefix(p, "+46") || len(p)-len("+46") >= minSwedishDigits
}

// Name checks a personal name: printable, trimmed, at most MaxNameRunes.
// Callers pass it through NormName first, so a no-break space is a space.
func Name(v *apperr.Validator, field, s string, required bool) {
	switch {
	case s == "" && required:
		v.Add(field, "is required")
	case len(s) > 4*MaxNameRunes || utf8.RuneCountInString(s) > MaxNameRunes:
		v.Add(field, fmt.Sprintf("must be at most %d characters", MaxNameRunes))
	case !utf8.ValidString(s):
		v.Add(field, "must be valid UTF-8 text")
	case strings.TrimSpace(s) != s:
		v.Add(field, "must not start or end with spaces")
	case NameRuneProblem(s) == InvisibleProblem:
		v.Add(field, InvisibleProblem)
	case NameRuneProblem(s) != "":
		v.Add(field, ControlProblem)
	}
}

// Municipality checks an SCB municipality code.
func Municipality(v *apperr.Validator, field, code string) {
	switch {
	case code == "":
		v.Add(field, "is required (a four-digit SCB municipality code, for example 0180 for Stockholm)")
	case !municipality.Valid(code):
		v.Add(field, "is not a Swedish municipality code (four digits, for example 0180 for Stockholm)")
	}
}

// Language checks an ISO 639 language code.
func Language(v *apperr.Validator, field, code string, required bool) {
	if code == "" {
		if required {
			v.Add(field, "is required (an ISO 639 code such as ar, ti, so, prs)")
		}
		return
	}
	if !lang.Valid(code) {
		v.Add(field, "is not an ISO 639 language code (lower case, for example ar, ti, so, prs, uk)")
	}
}

// Contact checks e-mail, phone and preferred language; all are optional.
func Contact(v *apperr.Validator, field string, c *typev1.Contact) {
	if c == nil {
		return
	}
	var sub apperr.Validator // named within the contact (Under)
	if e := c.GetEmail(); e != "" {
		if len(e) > 254 {
			sub.Add("email", "must be at most 254 characters")
		} else if a, err := mail.ParseAddress(e); err != nil || a.Address != e {
			sub.Add("email", "is not an e-mail address")
		}
	}
	if p := c.GetPhone(); p != "" && !validPhone(p) {
		sub.Add("phone", PhoneProblem)
	}
	Language(&sub, "preferred_language", c.GetPreferredLanguage(), false)
	v.Under(field, &sub)
}

// Languages checks a list of language skills: valid codes, a level, no
// language twice.
func Languages(v *apperr.Validator, field string, ls []*typev1.LanguageSkill) {
	if len(ls) > MaxLanguages {
		v.Add(field, fmt.Sprintf("must list at most %d languages", MaxLanguages))
		return
	}
	seen := map[string]bool{}
	for i, l := range ls {
		var e apperr.Validator // named within the element (Nest)
		Language(&e, "code", l.GetCode(), true)
		if seen[l.GetCode()] {
			e.Add("code", "is listed twice")
		}
		seen[l.GetCode()] = true
		Enum(&e, "level", l.GetLevel(), true)
		v.Nest(field, i, &e)
	}
}

// Interests checks interest tags: lower-case words of letters in any
// script ("trädgård", "läsning"), digits and '-', in NFC, starting with a
// letter or digit, at most MaxInterestRunes long. Tags are matched as
// strings (shared interests) and carried in events, so one word must have
// one spelling: callers pass tags through NormInterests first, and a tag
// not in that form is refused rather than stored twice over. Nothing
// else is let in: no spaces, controls, format characters (RTL marks,
// zero-width spaces) or punctuation that means something in HTML or CSV
// ('<', '"', '=', ',').
func Interests(v *apperr.Validator, field string, tags []string) {
	if len(tags) > MaxInterests {
		v.Add(field, fmt.Sprintf("must list at most %d interests", MaxInterests))
		return
	}
	seen := map[string]bool{}
	for i, t := range tags {
		var e apperr.Validator // named within the element (Nest)
		if !validInterest(t) {
			e.Add("", fmt.Sprintf("must be a lower-case tag of letters, digits and '-', at most %d characters", MaxInterestRunes))
		} else if seen[t] {
			e.Add("", "is listed twice")
		}
		seen[t] = true
		v.Nest(field, i, &e)
	}
}

// validInterest says whether t is a tag in its one spelling (see
// Interests).
func validInterest(t string) bool {
	if t == "" || len(t) > utf8.UTFMax*MaxInterestRunes || !utf8.ValidString(t) ||
		utf8.RuneCountInString(t) > MaxInterestRunes || !norm.NFC.IsNormalString(t) || strings.ToLower(t) != t {
		return false
	}
	for i, r := range t {
		switch {
		case unicode.IsLetter(r), unicode.IsDigit(r):
		case i > 0 && (r == '-' || unicode.In(r, unicode.Mn, unicode.Mc)):
			// Combining marks that NFC does not compose (Devanagari
			// vowel signs, Arabic harakat) belong to the letter before.
		default:
			return false
		}
	}
	return true
}

// NormInterests is tags in the one spelling Interests accepts: trimmed,
// lower case, NFC ("Trädgård" typed with a combining diaeresis is
// "trädgård"). It changes nothing else: what is not a valid tag stays
// invalid (a tag of spaces only becomes "", which Interests refuses), so
// the caller is told rather than having its input silently rewritten.
func NormInterests(tags []string) []string {
	if tags == nil {
		return nil
	}
	out := make([]string, len(tags))
	for i, t := range tags {
		if !utf8.ValidString(t) {
			out[i] = t
			continue
		}
		out[i] = norm.NFC.String(strings.ToLower(norm.NFC.String(strings.TrimSpace(t))))
	}
	return out
}

// Availability checks weekly slots.
func Availability(v *apperr.Validator, field string, slots []*typev1.Availability) {
	if len(slots) > MaxAvailability {
		v.Add(field, fmt.Sprintf("must list at most %d slots", MaxAvailability))
		return
	}
	type slot struct {
		d typev1.Weekday
		p typev1.DayPart
	}
	seen := map[slot]bool{}
	for i, s := range slots {
		var e apperr.Validator // named within the element (Nest)
		Enum(&e, "weekday", s.GetWeekday(), true)
		Enum(&e, "day_part", s.GetDayPart(), true)
		k := slot{s.GetWeekday(), s.GetDayPart()}
		if seen[k] {
			e.Add("", "is listed twice")
		}
		seen[k] = true
		v.Nest(field, i, &e)
	}
}

// Diets checks a list of diets: known values, each at most once.
func Diets(v *apperr.Validator, field string, ds []typev1.Diet) {
	if len(ds) > MaxDiets {
		v.Add(field, fmt.Sprintf("must list at most %d diets, each once", MaxDiets))
		return
	}
	seen := map[typev1.Diet]bool{}
	for i, d := range ds {
		var e apperr.Validator // named within the element (Nest)
		Enum(&e, "", d, true)
		if d != 0 && seen[d] {
			e.Add("", "is listed twice")
		}
		seen[d] = true
		v.Nest(field, i, &e)
	}
}

// RecordSize refuses a record whose encoding exceeds MaxRecordBytes.
func RecordSize(v *apperr.Validator, field string, m proto.Message) {
	if n := proto.Size(m); n > MaxRecordBytes {
		v.Add(field, fmt.Sprintf("is too large to store (%d bytes, at most %d)", n, MaxRecordBytes))
	}
}

// Enum checks that e is a value its enum defines, and not the zero
// "unspecified" value when required.
func Enum[E interface {
	protoreflect.Enum
	~int32
}](v *apperr.Validator, field string, e E, required bool) {
	if e.Descriptor().Values().ByNumber(protoreflect.EnumNumber(e)) == nil {
		v.Add(field, "is not a known value")
		return
	}
	if required && e == 0 {
		v.Add(field, "is required")
	}
}

// EarliestDate is the first day a date of a person's history (a
// residence permit, a background check seen) may have: the floor of a
// birth year (BirthYear), since nothing in a living person's history
// comes before it. A permit of 1899-12-31 was accepted (outside round s32,
// ADR 0184).
const EarliestDate = "1900-01-01"

// earliestDate is EarliestDate parsed.
var earliestDate, _ = time.Parse(time.DateOnly, EarliestDate)

// Date checks an optional YYYY-MM-DD date of a person's history: not
// before EarliestDate, and, when notAfter is non-zero, not after the day
// in Stockholm of that moment: a permit dated today, typed at 00:30 in
// Sweden, is not in the future.
func Date(v *apperr.Validator, field, s string, notAfter time.Time) {
	if s == "" {
		return
	}
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		v.Add(field, "must be a date written YYYY-MM-DD")
		return
	}
	if d.Before(earliestDate) {
		v.Add(field, "must not be before 1900-01-01") // EarliestDate, written whole so the catalogue's scan finds it
		return
	}
	if !notAfter.IsZero() && d.After(calendar.Day(notAfter)) {
		v.Add(field, "must not be in the future")
	}
}

// Household checks a household size and the other members' ages.
func Household(v *apperr.Validator, field string, size int32, ages []int32) {
	if size < 1 || size > MaxHouseholdSize {
		v.Add(field+".size", fmt.Sprintf("must be between 1 and %d", MaxHouseholdSize))
		return
	}
	if len(ages) > int(size)-1 {
		v.Add(field+".member_ages", "lists more members than the household has besides the person")
		if len(ages) >= MaxHouseholdSize {
			return // no use judging each of a list that long
		}
	}
	for i, a := range ages {
		if a < 0 || a > MaxAge {
			v.Add(fmt.Sprintf("%s.member_ages[%d]", field, i), fmt.Sprintf("must be between 0 and %d", MaxAge))
		}
	}
}

// BirthYear checks an optional birth year: 0, or from 1900 to the year
// someone minAge years old today was born, this year being Sweden's
// (calendar.Year): at 00:30 on New Year's Day there it is the new year.
func BirthYear(v *apperr.Validator, field string, year int32, now time.Time, minAge int) {
	if last := int32(calendar.Year(now) - minAge); year != 0 && (year < 1900 || year > last) {
		v.Add(field, fmt.Sprintf("must be between 1900 and %d, or 0 when not given", last))
	}
}

// AgeBand returns the decade of the age someone born in birthYear reaches
// this year (30 for 30-39), or 0 when the year is not given. Programmes
// weigh bands, never exact ages, so events carry no more than that.
func AgeBand(birthYear int32, now time.Time) int32 {
	if birthYear == 0 {
		return 0
	}
	age := int32(calendar.Year(now)) - birthYear
	if age < 0 {
		return 0
	}
	return age / 10 * 10
}
