package cli

import (
	"errors"
	"sort"
	"strings"
)

// enumFlag turns a flag's value into the enum value named prefix+VALUE
// (case-insensitive, "-" for "_"), and refuses any other value with a message naming
// the valid ones: a mistyped level must not be stored as "unspecified"
// (issue 12: `-swedish-level SFI_X` was stored silently).
func (e Env) enumFlag(flagName, value, prefix string, values map[string]int32) (int32, error) {
	name := strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(value), "-", "_"))
	if v, ok := values[prefix+name]; ok && v != 0 {
		return v, nil
	}
	var valid []string
	for name, v := range values {
		if v != 0 {
			valid = append(valid, strings.TrimPrefix(name, prefix))
		}
	}
	sort.Slice(valid, func(i, j int) bool { return values[prefix+valid[i]] < values[prefix+valid[j]] })
	return 0, errors.New(e.f("err.enum", flagName, value, strings.Join(valid, ", ")))
}
