package catalogtest

import (
	"fmt"
	"slices"
	"testing"
	"testing/fstest"
)

// recorder is a testing.TB that keeps what it is told is wrong, so the
// checks can be shown to fail.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func TestFields_NestedAndPlural(t *testing.T) {
	t.Parallel()
	raw := map[string]any{
		"greeting": "Hej {{.FirstName}}!",
		"answer": map[string]any{
			"answer_by": "Svara senast {{.Date}}{{if .Time}} {{.Time}}{{end}}.",
		},
		"party_size": map[string]any{"description": "{{.Ignored}}", "one": "1 person", "other": "{{.PartySize}} personer"},
	}
	got := Fields(raw)
	want := map[string][]string{"greeting": {"FirstName"}, "answer.answer_by": {"Date", "Time"}, "party_size": {"PartySize"}}
	if len(got) != len(want) {
		t.Fatalf("Fields = %v, want %v", got, want)
	}
	for id, w := range want {
		if !slices.Equal(got[id], w) {
			t.Errorf("Fields[%s] = %v, want %v", id, got[id], w)
		}
	}
	if k := Keys(raw); !slices.Equal(k, []string{"answer.answer_by", "greeting", "party_size.description", "party_size.one", "party_size.other"}) {
		t.Errorf("Keys = %v", k)
	}
}

func TestMatchSwedish_ReportsEachDifference(t *testing.T) {
	t.Parallel()
	sv := map[string][]string{"a": {"Date"}, "b": {}, "c": {"Link"}}
	r := &recorder{TB: t}
	MatchSwedish(r, sv, "ar", map[string][]string{"a": {"Date"}, "b": {"Address"}, "d": {}})
	want := []string{"ar b uses [Address], Swedish []", "ar has d, which Swedish has not", "ar lacks c (it would show in Swedish)"}
	slices.Sort(r.errs)
	if !slices.Equal(r.errs, want) {
		t.Errorf("reported %q, want %q", r.errs, want)
	}
	r = &recorder{TB: t}
	MatchSwedish(r, sv, "en", sv)
	if len(r.errs) != 0 {
		t.Errorf("a catalogue like Swedish reported %q", r.errs)
	}
}

func TestRead(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{"sv.toml": {Data: []byte("x")}}
	var seen string
	raw := Read(t, fsys, "sv.toml", func(b []byte, v any) error {
		seen = string(b)
		*(v.(*map[string]any)) = map[string]any{"k": "v"}
		return nil
	})
	if seen != "x" || raw["k"] != "v" {
		t.Errorf("Read gave %v from %q", raw, seen)
	}
}
