package web

import (
	"fmt"
	"html/template"
	"strconv"
	"strings"
	"time"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/municipality"
	"github.com/motesplats/motesplats/services/gateway/internal/account"
	"github.com/motesplats/motesplats/services/gateway/internal/assets"
	"github.com/motesplats/motesplats/services/gateway/internal/catalog"
	"github.com/motesplats/motesplats/services/gateway/internal/core"
)

// fieldData is what the "field" template renders: a labelled input with
// its hint and its error, wired with aria-describedby.
type fieldData struct {
	Name, Label, Type, Auto, Value, Err, Hint string
	Required                                  bool
	// Min and Max, when set, are a date's or a number's bounds: the
	// service's (formBounds, given with "within").
	Min, Max string
	// MinLen and MaxLen, when set, are a new password's length bounds,
	// the accounts' (account.MinPasswordLen, MaxPasswordLen): the setup
	// and users forms said nothing of them before the refusal (outside
	// round s37, ADR 0205).
	MinLen, MaxLen string
	// List, when set, are suggestions the browser offers as the user
	// types (a datalist): names, so nobody has to know a code.
	List []option
	p    *page
}

type option struct{ Value, Label string }

var funcs = template.FuncMap{
	// asset is a static file's address, which changes with its bytes (ADR 0135).
	"asset": func(name string) string { return assets.Static().URL(name) },
	// auditSearch is the audit page's search on one field, for the links
	// to it from its rows, the users page and a record's page.
	"auditSearch": auditSearch,
	"field": func(p *page, name, labelKey, typ, auto string) fieldData {
		v := p.Form.Get(name)
		if typ == "password" {
			v = "" // never echo a password back into the page
		}
		f := fieldData{Name: name, Label: p.t(labelKey), Type: typ, Auto: auto, Value: v, Err: p.Errors[name], p: p}
		if typ == "password" && auto == "new-password" {
			f.MinLen, f.MaxLen = strconv.Itoa(account.MinPasswordLen), strconv.Itoa(account.MaxPasswordLen)
			f.Hint = p.tf("f.password.new_hint", "N", account.MinPasswordLen)
		}
		return f
	},
	"hint": func(f fieldData, key string) fieldData { f.Hint = f.p.t(key); return f },
	// within bounds a field's date or number; bounds are the page's day
	// in Sweden (ADR 0199, 0207).
	"within": within,
	"bounds": func(p *page) formBounds { return boundsAt(p.clock()) },
	// invalid ties a control written out by hand (the dinners forms, the
	// newcomer form's selects) to its field's message, as "field" does:
	// a screen reader reads the message with the control, and the browser
	// marks it invalid. Nothing when the field has no message.
	"invalid": invalidAttrs,
	"levels": func() []option {
		var out []option
		for v := typev1.SwedishLevel_SWEDISH_LEVEL_NONE; v <= typev1.SwedishLevel_SWEDISH_LEVEL_FLUENT; v++ {
			out = append(out, option{v.String(), catalog.LevelLabel(v)})
		}
		return out
	},
	"genders": func() []option {
		return []option{{"GENDER_UNSPECIFIED", "g.unspecified"}, {"GENDER_WOMAN", "g.woman"}, {"GENDER_MAN", "g.man"}, {"GENDER_OTHER", "g.other"}}
	},
	"level": catalog.LevelLabel,
	// nth is the number a person counts a zero-based index by: a screen
	// reader announced the dinners forms' date fields as "Datum 0" to
	// "Datum 5".
	"nth": func(i int) int { return i + 1 },
	"langs": func(ls []*typev1.LanguageSkill) string {
		var out []string
		for _, l := range ls {
			out = append(out, l.GetCode())
		}
		return strings.Join(out, ", ")
	},
	// roleKey is the catalogue key of a role's name ("role.coordinator"),
	// from the enum or the audit log's string; "" for no known role, so a
	// page never shows ROLE_COORDINATOR.
	"roleKey": func(r any) string {
		s := fmt.Sprint(r)
		if _, ok := gatewayv1.Role_value[s]; !ok || s == gatewayv1.Role_ROLE_UNSPECIFIED.String() {
			return ""
		}
		return "role." + strings.ToLower(strings.TrimPrefix(s, "ROLE_"))
	},
	// time is a moment in Stockholm's time, as the pair history and the
	// jobs show it: a coordinator read a message as sent at 03:35Z beside
	// the approval that sent it at 04:35.
	"time": func(t interface{ AsTime() time.Time }) string {
		return t.AsTime().In(stockholm).Format("2006-01-02 15:04:05")
	},
	"muniLabel": muniLabel,
	// pagerOf names a pager's list, for a page with two (pager.Of).
	"pagerOf": func(pg pager, of string) pager { pg.Of = of; return pg },
	"muniName": func(code string) string {
		if m, ok := municipality.Lookup(code); ok {
			return m.Name
		}
		return ""
	},
	"status": func(s eventsv1.PairStatus) string {
		return strings.ToLower(strings.TrimPrefix(s.String(), "PAIR_STATUS_"))
	},
	"jobState": func(s mentoringv1.JobState) string {
		return strings.ToLower(strings.TrimPrefix(s.String(), "JOB_STATE_"))
	},
	"rule":  func(s string) string { return strings.ReplaceAll(s, "_", " ") },
	"chart": chart,
	// list makes a slice of its arguments, for ranging over tables
	// that share a layout.
	"list": func(xs ...[]breakdownRow) [][]breakdownRow { return xs },
}

// chart draws counts as a horizontal SVG bar chart, labelled for screen
// readers (role=img with a text alternative listing every bar).
func chart(rows []core.Count) template.HTML { return chartTo(rows, 0) }

// chartTo is chart drawn to a given scale (the largest count of several
// charts), so bars of one quantity compare across charts; 0 scales the
// chart to its own largest bar.
func chartTo(rows []core.Count, scale int) template.HTML {
	if len(rows) == 0 {
		return ""
	}
	const barH, gap, labelW, width = 22, 6, 110, 420
	maxN := max(1, scale)
	var alt []string
	for _, r := range rows {
		maxN = max(maxN, r.N)
		alt = append(alt, fmt.Sprintf("%s: %d", r.Label, r.N))
	}
	h := len(rows) * (barH + gap)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg role="img" viewBox="0 0 %d %d" width="100%%" aria-label="%s" xmlns="http://www.w3.org/2000/svg">`,
		width, h, template.HTMLEscapeString(strings.Join(alt, "; ")))
	for i, r := range rows {
		y := i * (barH + gap)
		w := (width - labelW - 50) * r.N / maxN
		fmt.Fprintf(&b, `<text x="0" y="%d">%s</text><rect x="%d" y="%d" width="%d" height="%d" fill="#0b5394"></rect><text x="%d" y="%d">%d</text>`,
			y+barH-6, template.HTMLEscapeString(r.Label), labelW, y, max(w, 1), barH, labelW+w+6, y+barH-6, r.N)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // every interpolated string is escaped above
}

// invalidAttrs is the attributes that tie a control to the message of
// field name in errs ("e-" + name, as every form writes it), or none.
func invalidAttrs(errs map[string]string, name string) template.HTMLAttr {
	if errs[name] == "" {
		return ""
	}
	return template.HTMLAttr(`aria-invalid="true" aria-describedby="e-` + template.HTMLEscapeString(name) + `"`)
}
