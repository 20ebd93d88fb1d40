package web

import (
	"html/template"
	"strings"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/services/gateway/internal/core"
)

// localeFuncs are the template functions that print words: each looks its
// word up in the locale's catalogue (issue 12: statuses, job phases and
// states, score rules, levels and report labels were printed in English
// in the Swedish app). A value the catalogue lacks falls back to the
// readable form of its code, never to nothing.
func localeFuncs(locale string) template.FuncMap {
	word := func(prefix, code string) string {
		code = strings.ToLower(code)
		if s := translate(locale, prefix+code); s != prefix+code {
			return s
		}
		return strings.ReplaceAll(code, "_", " ")
	}
	return template.FuncMap{
		"t": func(key string) string { return translate(locale, key) },
		"status": func(s eventsv1.PairStatus) string {
			return word("status.", strings.TrimPrefix(s.String(), "PAIR_STATUS_"))
		},
		"jobState": func(s mentoringv1.JobState) string {
			return word("state.", strings.TrimPrefix(s.String(), "JOB_STATE_"))
		},
		"phase": func(s string) string { return word("phase.", s) },
		"rule":  func(s string) string { return word("rule.", s) },
		"level": func(l typev1.SwedishLevel) string { return word("label.", core.LevelLabel(l)) },
		"levels": func() []option {
			var out []option
			for v := typev1.SwedishLevel_SWEDISH_LEVEL_NONE; v <= typev1.SwedishLevel_SWEDISH_LEVEL_FLUENT; v++ {
				out = append(out, option{v.String(), word("label.", core.LevelLabel(v))})
			}
			return out
		},
		"chart": func(rows []core.Count) template.HTML {
			out := make([]core.Count, len(rows))
			for i, r := range rows {
				out[i] = r
				if s := translate(locale, "label."+strings.ToLower(r.Label)); s != "label."+strings.ToLower(r.Label) {
					out[i].Label = s
				}
			}
			return chart(out)
		},
	}
}

// Catalogue returns a copy of a locale's messages, so a test can check a
// rendered page against another locale's words (issue 12: no English
// string on a Swedish page).
func Catalogue(locale string) map[string]string {
	out := make(map[string]string, len(messages[locale]))
	for k, v := range messages[locale] {
		out[k] = v
	}
	return out
}
