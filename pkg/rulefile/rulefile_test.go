package rulefile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
)

// testRules is a small programme's rule set using every reader.
type testRules struct {
	Version  string
	Level    typev1.SwedishLevel
	Area     string
	Seats    int
	Checked  bool
	Base     int
	Every    time.Duration
	Munis    []string
	Required bool
}

func parseTest(file string, data []byte) (*testRules, error) {
	l, root, err := Decode(file, data)
	if err != nil {
		return nil, err
	}
	r := &testRules{}
	l.Mapping(root, "", Fields{
		"version": func(n *yaml.Node, f string) { r.Version = l.Version(n, f) },
		"level": func(n *yaml.Node, f string) {
			r.Level = typev1.SwedishLevel(l.Enum(n, f, "SWEDISH_LEVEL_", typev1.SwedishLevel_value))
		},
		"area":    func(n *yaml.Node, f string) { r.Area = l.OneOf(n, f, "near", "far") },
		"seats":   l.IntField(&r.Seats, 1, 30),
		"checked": func(n *yaml.Node, f string) { r.Checked = l.Bool(n, f) },
		"weights": func(n *yaml.Node, f string) {
			l.Mapping(n, f, Fields{"base": l.IntField(&r.Base, 0, 100)}, "base")
		},
		"schedule": func(n *yaml.Node, f string) { r.Every, r.Munis = l.Schedule(n, f) },
	}, "version", "seats")
	if err := l.Err(); err != nil {
		return nil, err
	}
	if r.Base == 0 {
		return nil, l.Fail(root, "weights.base", "must be above 0")
	}
	return r, nil
}

const goodYAML = "version: v1\nlevel: sfi_c\narea: near\nseats: 4\nchecked: true\nweights:\n  base: 5\n"

// TestErrorPositions: every mistake names its file, line and field, and a
// file with several mistakes reports them all.
func TestErrorPositions(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		in   string
		want []string
	}{
		{"good", goodYAML, nil},
		{"empty", "", []string{"f.yaml:1: empty file"}},
		{"syntax", "version: v1\nseats: 2\n  x: y\n", []string{"f.yaml:3: line 3: mapping values are not allowed"}},
		{"not a mapping", "- a\n- b\n", []string{"f.yaml:1: must be a mapping of keys to values"}},
		{"missing required", "level: sfi_c\n", []string{"f.yaml:1: version: is required", "f.yaml:1: seats: is required"}},
		{"unknown field", "version: v1\nseats: 2\nseets: 3\nweights: {base: 1}\n",
			[]string{"f.yaml:3: seets: unknown field (known: area, checked, level, schedule, seats, version, weights)"}},
		{"given twice", "version: v1\nseats: 2\nseats: 3\nweights: {base: 1}\n", []string{"f.yaml:3: seats: given twice"}},
		{"int out of range", "version: v1\nseats: 31\nweights: {base: 1}\n", []string{"f.yaml:2: seats: must be a whole number from 1 to 30"}},
		{"int not a number", "version: v1\nseats: many\nweights: {base: 1}\n", []string{"f.yaml:2: seats: must be a whole number from 1 to 30"}},
		{"nested field", "version: v1\nseats: 2\nweights:\n  base: -1\n", []string{"f.yaml:4: weights.base: must be a whole number from 0 to 100"}},
		{"nested required", "version: v1\nseats: 2\nweights:\n  {}\n", []string{"f.yaml:4: weights.base: is required"}},
		{"bool yes", "version: v1\nseats: 2\nchecked: yes\nweights: {base: 1}\n", []string{"f.yaml:3: checked: must be true or false"}},
		{"one of", "version: v1\nseats: 2\narea: mid\nweights: {base: 1}\n", []string{"f.yaml:3: area: must be one of near, far"}},
		{"enum", "version: v1\nseats: 2\nlevel: sfi_x\nweights: {base: 1}\n",
			[]string{"f.yaml:3: level: must be one of none, sfi_a, sfi_b, sfi_c, sfi_d, sas, fluent"}},
		{"version", "version: \"a b\"\nseats: 2\nweights: {base: 1}\n", []string{"f.yaml:1: version: must be 1 to 32 letters"}},
		{"single value", "version: [a]\nseats: 2\nweights: {base: 1}\n", []string{"f.yaml:1: version: must be a single value"}},
		{"schedule", "version: v1\nseats: 2\nweights: {base: 1}\nschedule:\n  every: 5m\n  municipalities: [\"0180\", \"99\"]\n",
			[]string{"f.yaml:5: schedule.every: must be a duration from 1h", "f.yaml:6: schedule.municipalities[1]: is not an SCB municipality code"}},
		{"schedule list", "version: v1\nseats: 2\nweights: {base: 1}\nschedule:\n  every: 24h\n  municipalities: []\n",
			[]string{"f.yaml:6: schedule.municipalities: must be a non-empty list"}},
		{"cross-field check", "version: v1\nseats: 2\nweights: {base: 0}\n", []string{"f.yaml:1: weights.base: must be above 0"}},
		{"all at once", "version: v1\nseats: 0\narea: mid\nweights: {base: 1}\n",
			[]string{"f.yaml:2: seats: must be a whole number", "f.yaml:3: area: must be one of"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := parseTest("f.yaml", []byte(tc.in))
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("got %v, want no error", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("got no error, want %q", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
			var le *LoadError
			if !errors.As(err, &le) || le.File != "f.yaml" || le.Line == 0 {
				t.Errorf("error is not a *LoadError with file and line: %#v", err)
			}
		})
	}
}

func TestValues(t *testing.T) {
	t.Parallel()
	r, err := parseTest("f.yaml", []byte(goodYAML+"schedule:\n  every: 24h\n  municipalities: [\"0180\", \"0380\"]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if r.Version != "v1" || r.Level != typev1.SwedishLevel_SWEDISH_LEVEL_SFI_C || r.Area != "near" || r.Seats != 4 ||
		!r.Checked || r.Base != 5 || r.Every != 24*time.Hour || strings.Join(r.Munis, ",") != "0180,0380" {
		t.Errorf("got %+v", r)
	}
}

func TestLoadDir(t *testing.T) {
	t.Parallel()
	def := []byte(goodYAML)
	s, err := LoadDir("rules", "", def, parseTest)
	if err != nil || s.Default.Seats != 4 || len(s.Orgs()) != 0 {
		t.Fatalf("default only: %+v, %v", s, err)
	}
	dir := t.TempDir()
	write := func(name, body string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("org-b.yaml", strings.Replace(goodYAML, "seats: 4", "seats: 6", 1))
	write("org-a.yml", strings.Replace(goodYAML, "seats: 4", "seats: 8", 1))
	write("default.yaml", strings.Replace(goodYAML, "seats: 4", "seats: 2", 1))
	write("notes.txt", "not rules")
	s, err = LoadDir("rules", dir, def, parseTest)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(s.Orgs(), ","), "org-a,org-b"; got != want {
		t.Errorf("Orgs() = %q, want %q", got, want)
	}
	for org, want := range map[string]int{"org-a": 8, "org-b": 6, "org-c": 2, "": 2} {
		if got := s.For(org).Seats; got != want {
			t.Errorf("For(%q).Seats = %d, want %d", org, got, want)
		}
	}

	write("bad name!.yaml", goodYAML)
	write("org-c.yaml", "version: v1\nseats: 99\nweights: {base: 1}\n")
	_, err = LoadDir("rules", dir, def, parseTest)
	for _, want := range []string{"bad name!.yaml:1: file name must be <organisation id>.yaml", "org-c.yaml:2: seats: must be"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
	if _, err := LoadDir("rules", filepath.Join(dir, "absent"), def, parseTest); err == nil || !strings.HasPrefix(err.Error(), "rules: ") {
		t.Errorf("missing dir: %v", err)
	}
	if _, err := LoadDir("rules", "", []byte("version: v1\n"), parseTest); err == nil {
		t.Error("a broken built-in default loaded")
	}
}
