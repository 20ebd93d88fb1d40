package cli

import (
	"fmt"
	"sort"
	"strings"
)

// enumFlag turns a flag's value into the enum value named prefix+VALUE
// (case-insensitive), and refuses any other value with a message naming
// the valid ones: a mistyped level must not be stored as "unspecified"
// (issue 12: `-swedish-level SFI_X` was stored silently).
func enumFlag(flagName, value, prefix string, values map[string]int32) (int32, error) {
	if v, ok := values[prefix+strings.ToUpper(strings.TrimSpace(value))]; ok && v != 0 {
		return v, nil
	}
	var valid []string
	for name, v := range values {
		if v != 0 {
			valid = append(valid, strings.TrimPrefix(name, prefix))
		}
	}
	sort.Slice(valid, func(i, j int) bool { return values[prefix+valid[i]] < values[prefix+valid[j]] })
	return 0, fmt.Errorf("-%s %q is not one of %s", flagName, value, strings.Join(valid, ", "))
}
