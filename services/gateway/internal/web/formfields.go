package web

// The form fields every register form reads: lists, numbers, enums,
// and formDiff, which tells what a submitted form changed.

import (
	"net/url"
	"slices"
	"strconv"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/apperr"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/lang"
)

// splitList splits a comma-separated field, trimming and dropping blanks.
func splitList(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, strings.ToLower(x))
		}
	}
	return out
}

func intField(v *apperr.Validator, form url.Values, name string) int32 {
	s := strings.TrimSpace(form.Get(name))
	if s == "" {
		return 0
	}
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil {
		v.Add(name, "must be a whole number")
	}
	return int32(n)
}

// enumField is the value of the form's select name among values (a proto
// enum's names): an empty field is 0, a name the enum does not define is a
// field violation, never silently "not given" (a hand-made or stale form
// posting GENDER_X stored the newcomer as of no gender).
func enumField(v *apperr.Validator, form url.Values, name string, values map[string]int32) int32 {
	s := strings.TrimSpace(form.Get(name))
	if s == "" {
		return 0
	}
	n, ok := values[s]
	if !ok {
		v.Add(name, "is not a known value")
	}
	return n
}

// enumList is the values of the form's boxes (or multiple select) name
// among values, as enumField reads one: a name the enum does not define,
// or its unspecified 0, is one field violation on name, never a value
// silently dropped or stored as "not given".
func enumList[E ~int32](v *apperr.Validator, form url.Values, name string, values map[string]int32) []E {
	out := make([]E, 0, len(form[name]))
	bad := false
	for _, s := range form[name] {
		n, ok := values[strings.TrimSpace(s)]
		if !ok || n == 0 {
			bad = true
			continue
		}
		out = append(out, E(n))
	}
	if bad {
		v.Add(name, "is not a known value")
	}
	return out
}

// formDiff compares a posted form f with old, the same form as rendered
// from the stored record. A text field counts as changed only when it was
// posted and differs; a checkbox (absent when unticked) when its state
// differs. An empty old (a new record) makes every posted field count.
type formDiff struct {
	f, old url.Values
	paths  []string
}

func (d *formDiff) changed(names ...string) bool {
	for _, n := range names {
		if _, posted := d.f[n]; posted && strings.TrimSpace(d.f.Get(n)) != strings.TrimSpace(d.old.Get(n)) {
			return true
		}
	}
	return false
}

func (d *formDiff) ticked(name string) (now, changed bool) {
	now = d.f.Get(name) != ""
	return now, now != (d.old.Get(name) != "")
}

func (d *formDiff) set(path string) {
	if !slices.Contains(d.paths, path) {
		d.paths = append(d.paths, path)
	}
}

// text copies a changed text field to *dst.
func (d *formDiff) text(name, path string, dst *string, trim bool) {
	if d.changed(name) {
		*dst = d.f.Get(name)
		if trim {
			*dst = strings.TrimSpace(*dst)
		}
		d.set(path)
	}
}

// contact merges the form's e-mail and phone into c, keeping the rest
// (the preferred language the form does not show).
func (d *formDiff) contact(c **typev1.Contact) {
	if !d.changed("email", "phone") {
		return
	}
	nc := &typev1.Contact{}
	if *c != nil {
		nc = proto.Clone(*c).(*typev1.Contact)
	}
	if _, ok := d.f["email"]; ok {
		nc.Email = strings.TrimSpace(d.f.Get("email"))
	}
	if _, ok := d.f["phone"]; ok {
		nc.Phone = strings.TrimSpace(d.f.Get("phone"))
	}
	*c = nc
	d.set("contact")
}

// languages sets the form's language codes, keeping the level of every
// language already recorded; a new one gets level def. An entry that is
// neither a language's name (languageCodes has turned those into codes)
// nor an ISO 639 code is refused here, in words that send the coordinator
// to the list, rather than by the service in words about codes.
func (d *formDiff) languages(v *apperr.Validator, ls *[]*typev1.LanguageSkill, def typev1.LanguageLevel) {
	if !d.changed("languages") {
		return
	}
	var out, bad []string
	for _, code := range splitList(d.f.Get("languages")) {
		if lang.Valid(code) {
			out = append(out, code)
		} else {
			bad = append(bad, code)
		}
	}
	if len(bad) > 0 {
		v.Add("languages", unknownLanguage+strings.Join(bad, ", "))
		return
	}
	d.setLanguages(ls, out, def)
}

// unknownLanguage begins the message for entries that name no language;
// the entries follow (they are what the user typed, shown back to them).
const unknownLanguage = "is not a language the app knows, choose one from the list: "

func (d *formDiff) setLanguages(ls *[]*typev1.LanguageSkill, codes []string, def typev1.LanguageLevel) {
	var out []*typev1.LanguageSkill
	for _, code := range codes {
		if i := slices.IndexFunc(*ls, func(l *typev1.LanguageSkill) bool { return l.GetCode() == code }); i >= 0 {
			out = append(out, proto.Clone((*ls)[i]).(*typev1.LanguageSkill))
		} else {
			out = append(out, &typev1.LanguageSkill{Code: code, Level: def})
		}
	}
	*ls = out
	d.set("languages")
}
