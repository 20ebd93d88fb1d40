package web

import (
	"html/template"
	"slices"
	"strings"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"

	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/municipality"
	"github.com/motesplats/motesplats/services/gateway/internal/catalog"
)

// Pickers replace typed codes (issue 12: municipalities as 0180, languages
// as ISO codes typed by hand): a coordinator chooses among their own
// municipalities by name, languages by their CLDR names, levels by label.

// pickerLanguages are the languages the language filter offers
// (catalog.PickerLanguages; mp takes the same names).
var pickerLanguages = catalog.PickerLanguages

// muniCodes are the municipalities p's user may choose: a coordinator's
// own, every one for an admin; plus current when it is set and not among
// them (a record from before a change of scope keeps its value).
func muniCodes(p *page, current string) []string {
	var codes []string
	if p.User != nil && !p.Admin {
		codes = slices.Clone(p.User.GetMunicipalityCodes())
	} else {
		for _, m := range municipality.All() {
			codes = append(codes, m.Code)
		}
	}
	if current != "" && !slices.Contains(codes, current) {
		codes = append(codes, current)
	}
	return codes
}

// muniOptions are the municipalities as options labelled by name, in the
// page language's alphabetical order (Å, Ä, Ö last in Swedish).
func muniOptions(p *page, current string) []option {
	codes := muniCodes(p, current)
	out := make([]option, len(codes))
	for i, c := range codes {
		out[i] = option{Value: c, Label: muniLabel(c)}
	}
	sortOptions(p.Lang, out)
	return out
}

// langOptions are the picker's languages by name, plus current when set.
func langOptions(p *page, current string) []option {
	codes := slices.Clone(pickerLanguages)
	if current != "" && !slices.Contains(codes, current) {
		codes = append(codes, current)
	}
	out := make([]option, len(codes))
	for i, c := range codes {
		out[i] = option{Value: c, Label: langName(p.Lang, c)}
	}
	sortOptions(p.Lang, out)
	return out
}

func sortOptions(locale string, opts []option) {
	c := collate.New(language.Make(locale), collate.IgnoreCase)
	slices.SortStableFunc(opts, func(a, b option) int { return c.CompareString(a.Label, b.Label) })
}

// pickerField is a labelled select: the "picker" template renders it.
type pickerField struct {
	fieldData
	Options []option
	// Any, when set, is the label of an empty first option ("every
	// municipality" in a filter).
	Any string
}

// levelOptions are the Swedish levels labelled in the page's language.
func levelOptions(p *page) []option {
	var out []option
	for v := typev1.SwedishLevel_SWEDISH_LEVEL_NONE; v <= typev1.SwedishLevel_SWEDISH_LEVEL_FLUENT; v++ {
		out = append(out, option{v.String(), levelLabel(p.Lang, v)})
	}
	return out
}

// levelLabel is a Swedish level's label in locale ("ingen", "SFI A").
func levelLabel(locale string, l typev1.SwedishLevel) string { return catalog.Level(locale, l) }

// pickerFuncs are the template functions that build pickers.
func pickerFuncs() template.FuncMap {
	return template.FuncMap{
		// muniPicker (page, field name, label key, any-key or ""): the
		// municipality as a select of names.
		"muniPicker": func(p *page, name, labelKey, anyKey string) pickerField {
			return newPicker(p, name, labelKey, anyKey, muniOptions(p, p.Form.Get(name)))
		},
		// langList suggests the picker's languages by name on a typed
		// languages field.
		"langList": func(f fieldData) fieldData { f.List = langOptions(f.p, ""); return f },
		"langPicker": func(p *page, name, labelKey, anyKey string) pickerField {
			return newPicker(p, name, labelKey, anyKey, langOptions(p, strings.TrimSpace(p.Form.Get(name))))
		},
		"levelPicker": func(p *page, name, labelKey, anyKey string) pickerField {
			return newPicker(p, name, labelKey, anyKey, levelOptions(p))
		},
		// ticked (page, field name, value): whether a job form's box is
		// ticked. A form shown first ticks every municipality (a job's
		// usual scope); one shown again after a refused post ticks what
		// the coordinator ticked, or nothing (ADR 0125): it ticked all of
		// them again, and a second click ran the job on every one. A post
		// carries its csrf field; a first view's form has none.
		"ticked": func(p *page, name, value string) bool {
			return !p.Form.Has("csrf") || slices.Contains(p.Form[name], value)
		},
	}
}

func newPicker(p *page, name, labelKey, anyKey string, opts []option) pickerField {
	f := pickerField{fieldData: fieldData{Name: name, Label: p.t(labelKey), Value: p.Form.Get(name), Err: p.Errors[name], p: p}, Options: opts}
	if anyKey != "" {
		f.Any = p.t(anyKey)
	}
	return f
}

// nameCollator orders people's names as a Swedish register lists them:
// å, ä and ö after z, case ignored, whatever the page's language, since
// the names are Swedish-alphabet names (ADR 0125). A Collator is not safe
// for concurrent use, so each sort makes one.
func nameCollator() *collate.Collator { return collate.New(language.Swedish, collate.IgnoreCase) }

// sortPeople puts a dinners picker's people in name order (their labels
// begin with the name, "Erik Andersson, Uppsala").
func sortPeople(people []dinnerChoice) {
	c := nameCollator()
	slices.SortStableFunc(people, func(a, b dinnerChoice) int { return c.CompareString(a.Label, b.Label) })
}
