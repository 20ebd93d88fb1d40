package rulefile

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/municipality"
)

// Fields maps the keys of one YAML mapping to the functions that read
// their values; each gets the value node and the field's dotted path.
type Fields = map[string]func(n *yaml.Node, field string)

// Loader walks one file's YAML tree and collects every mistake with its
// line, so a coordinator sees all of them in one load instead of one per
// try. Its readers return the zero value after recording a mistake.
type Loader struct {
	file string
	errs []error
}

// Errorf records a mistake at node n in field.
func (l *Loader) Errorf(n *yaml.Node, field, format string, args ...any) {
	l.errs = append(l.errs, &LoadError{File: l.file, Line: n.Line, Field: field, Msg: fmt.Sprintf(format, args...)})
}

// Err returns every mistake recorded so far, joined, or nil.
func (l *Loader) Err() error { return errors.Join(l.errs...) }

// Fail returns a single *LoadError at node n for a check that spans fields
// (made after Err is nil, so it stands alone).
func (l *Loader) Fail(n *yaml.Node, field, msg string) error {
	return &LoadError{File: l.file, Line: n.Line, Field: field, Msg: msg}
}

func join(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

// Mapping reads a mapping node: each key goes to its function in fields;
// unknown keys (with the known ones listed), repeated keys and missing
// required keys are mistakes.
func (l *Loader) Mapping(n *yaml.Node, field string, fields Fields, required ...string) {
	if n.Kind != yaml.MappingNode {
		l.Errorf(n, field, "must be a mapping of keys to values")
		return
	}
	seen := map[string]bool{}
	for k := 0; k+1 < len(n.Content); k += 2 {
		key, val := n.Content[k], n.Content[k+1]
		f := join(field, key.Value)
		fn, ok := fields[key.Value]
		switch {
		case !ok:
			known := make([]string, 0, len(fields))
			for name := range fields {
				known = append(known, name)
			}
			slices.Sort(known)
			l.Errorf(key, f, "unknown field (known: %s)", strings.Join(known, ", "))
		case seen[key.Value]:
			l.Errorf(key, f, "given twice")
		default:
			seen[key.Value] = true
			fn(val, f)
		}
	}
	for _, name := range required {
		if !seen[name] {
			l.Errorf(n, join(field, name), "is required")
		}
	}
}

// Str reads a single value.
func (l *Loader) Str(n *yaml.Node, field string) string {
	if n.Kind != yaml.ScalarNode {
		l.Errorf(n, field, "must be a single value")
		return ""
	}
	return n.Value
}

// Int reads a whole number from lo to hi.
func (l *Loader) Int(n *yaml.Node, field string, lo, hi int) int {
	var v int
	if n.Kind != yaml.ScalarNode || n.Decode(&v) != nil || v < lo || v > hi {
		l.Errorf(n, field, "must be a whole number from %d to %d", lo, hi)
		return 0
	}
	return v
}

// IntField is Int as a field function storing into dst, for tables of
// weights.
func (l *Loader) IntField(dst *int, lo, hi int) func(*yaml.Node, string) {
	return func(n *yaml.Node, f string) { *dst = l.Int(n, f, lo, hi) }
}

// Bool reads true or false (YAML 1.2: also True, TRUE, False, FALSE);
// YAML 1.1's yes/no/on/off are mistakes, since "yes please" and "no" read
// as intended only by accident.
func (l *Loader) Bool(n *yaml.Node, field string) bool {
	if n.Kind == yaml.ScalarNode {
		switch n.Value {
		case "true", "True", "TRUE":
			return true
		case "false", "False", "FALSE":
			return false
		}
	}
	l.Errorf(n, field, "must be true or false")
	return false
}

// OneOf reads one of the allowed words.
func (l *Loader) OneOf(n *yaml.Node, field string, allowed ...string) string {
	s := l.Str(n, field)
	if !slices.Contains(allowed, s) {
		l.Errorf(n, field, "must be one of %s", strings.Join(allowed, ", "))
		return ""
	}
	return s
}

// Enum reads a protobuf enum value by its lower-case name without prefix
// ("sfi_c" for SWEDISH_LEVEL_SFI_C); values is the generated name map. The
// zero (unspecified) value is a mistake; the error lists the others in
// enum order.
func (l *Loader) Enum(n *yaml.Node, field, prefix string, values map[string]int32) int32 {
	s := l.Str(n, field)
	if v, ok := values[prefix+strings.ToUpper(s)]; ok && v != 0 {
		return v
	}
	var names []string
	for name, v := range values {
		if v != 0 {
			names = append(names, strings.ToLower(strings.TrimPrefix(name, prefix)))
		}
	}
	slices.SortFunc(names, func(a, b string) int {
		return int(values[prefix+strings.ToUpper(a)] - values[prefix+strings.ToUpper(b)])
	})
	l.Errorf(n, field, "must be one of %s", strings.Join(names, ", "))
	return 0
}

// Version reads a rules version: 1 to 32 letters, digits, '-' or '_', so
// it can stand in ids and job records.
func (l *Loader) Version(n *yaml.Node, field string) string {
	v := l.Str(n, field)
	if v == "" || len(v) > 32 || !ids.Valid(v) {
		l.Errorf(n, field, "must be 1 to 32 letters, digits, '-' or '_'")
	}
	return v
}

// Schedule reads a job schedule, a mapping of "every" (a duration from 1h
// to 90 days) and "municipalities" (a non-empty list of SCB codes), both
// required.
func (l *Loader) Schedule(n *yaml.Node, field string) (every time.Duration, municipalities []string) {
	l.Mapping(n, field, Fields{
		"every": func(n *yaml.Node, f string) {
			d, err := time.ParseDuration(l.Str(n, f))
			if err != nil || d < time.Hour || d > 90*24*time.Hour {
				l.Errorf(n, f, "must be a duration from 1h to 2160h, for example 24h")
				return
			}
			every = d
		},
		"municipalities": func(n *yaml.Node, f string) {
			if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
				l.Errorf(n, f, "must be a non-empty list of SCB municipality codes")
				return
			}
			for k, c := range n.Content {
				cf := fmt.Sprintf("%s[%d]", f, k)
				if code := l.Str(c, cf); municipality.Valid(code) {
					municipalities = append(municipalities, code)
				} else {
					l.Errorf(c, cf, "is not an SCB municipality code (four digits, quoted)")
				}
			}
		},
	}, "every", "municipalities")
	return every, municipalities
}
