package catalog

import (
	"strings"

	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
)

// LevelLabel is the short name of a Swedish level ("SFI B"): the
// report's label for it, and, lower-cased after "label.", the key of its
// word.
func LevelLabel(l typev1.SwedishLevel) string {
	if s, ok := levelLabels[l]; ok {
		return s
	}
	return "unknown"
}

// levelLabels are the levels' short names.
var levelLabels = map[typev1.SwedishLevel]string{
	typev1.SwedishLevel_SWEDISH_LEVEL_NONE: "none", typev1.SwedishLevel_SWEDISH_LEVEL_SFI_A: "SFI A",
	typev1.SwedishLevel_SWEDISH_LEVEL_SFI_B: "SFI B", typev1.SwedishLevel_SWEDISH_LEVEL_SFI_C: "SFI C",
	typev1.SwedishLevel_SWEDISH_LEVEL_SFI_D: "SFI D", typev1.SwedishLevel_SWEDISH_LEVEL_SAS: "SAS",
	typev1.SwedishLevel_SWEDISH_LEVEL_FLUENT: "fluent",
}

// Level is a Swedish level in locale's words, as the web app's forms and
// mp show it ("ingen", "SFI A", "flytande").
func Level(locale string, l typev1.SwedishLevel) string {
	code := LevelLabel(l)
	key := "label." + strings.ToLower(code)
	if s := Text(locale, key); s != key {
		return s
	}
	return code
}
