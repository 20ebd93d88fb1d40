package jobs

import (
	"slices"
	"testing"
	"time"
)

// TestSchedulesFrom: an organisation gets a schedule only with both a
// period and municipalities, and the list is a copy of the rules'.
func TestSchedulesFrom(t *testing.T) {
	munis := []string{"0880"}
	rules := map[string]struct {
		every time.Duration
		munis []string
	}{
		"a": {time.Hour, munis},
		"b": {0, []string{"0180"}},
		"c": {time.Hour, nil},
	}
	got := SchedulesFrom([]string{"a", "b", "c"}, func(org string) (time.Duration, []string) {
		return rules[org].every, rules[org].munis
	})
	if len(got) != 1 || got[0].Organisation != "a" || got[0].Every != time.Hour || !slices.Equal(got[0].Municipalities, munis) {
		t.Fatalf("SchedulesFrom = %+v, want one hourly schedule for a in 0880", got)
	}
	got[0].Municipalities[0] = "x"
	if munis[0] != "0880" {
		t.Fatal("the schedule shares its municipalities with the rules")
	}
}

// TestFinishedKey: a resumed job's finished event has a key of its own,
// so the stream does not drop it as a duplicate of the first finish.
func TestFinishedKey(t *testing.T) {
	first := Job{ID: "j1"}.FinishedKey()
	resumed := Job{ID: "j1", Resumes: 1}.FinishedKey()
	again := Job{ID: "j1", Resumes: 2}.FinishedKey()
	if slices.Equal(first, resumed) || slices.Equal(resumed, again) {
		t.Fatalf("keys collide: %v %v %v", first, resumed, again)
	}
	if !slices.Equal(first, Job{ID: "j1"}.FinishedKey()) {
		t.Fatal("the key is not deterministic")
	}
}
