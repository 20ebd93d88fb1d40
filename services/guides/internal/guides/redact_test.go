package guides

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/motesplats/motesplats/pkg/jobs"
	"github.com/motesplats/motesplats/services/guides/internal/assign"
)

// TestRedactTakesOutExcludedPairs: a snapshot's pairs proposed before
// name a newcomer and an organisation (in the unit's id in a snapshot
// stored before ADR 0257, as p-1's first pair here); erasing either takes
// out their pairs and leaves the others (ADR 0248), and an id in none
// leaves the snapshot as it was. Before, an erased newcomer's rejected
// pairs stayed in a running or failed job's snapshot.
func TestRedactTakesOutExcludedPairs(t *testing.T) {
	t.Parallel()
	in := assign.Input{
		Newcomers: []assign.Newcomer{{ID: "p-1", Municipality: "0180"}, {ID: "p-2", Municipality: "0180"}},
		Units:     []assign.Unit{{Organisation: "org-a", Municipality: "0180", Language: "ar", Free: 1}},
		Excluded: []assign.Pair{{Newcomer: "p-1", Unit: "org-c.1480.ar"}, {Newcomer: "p-1", Organisation: "org-b", Municipality: "0180"},
			{Newcomer: "p-2", Organisation: "org-b", Municipality: "0180"}},
	}
	raw, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		id   string
		want []assign.Pair
	}{
		{"p-2", []assign.Pair{{Newcomer: "p-1", Unit: "org-c.1480.ar"}, {Newcomer: "p-1", Organisation: "org-b", Municipality: "0180"}}},
		{"org-b", []assign.Pair{{Newcomer: "p-1", Unit: "org-c.1480.ar"}}},
		{"org-c", []assign.Pair{{Newcomer: "p-1", Organisation: "org-b", Municipality: "0180"}, {Newcomer: "p-2", Organisation: "org-b", Municipality: "0180"}}},
		{"p-1", []assign.Pair{{Newcomer: "p-2", Organisation: "org-b", Municipality: "0180"}}},
	} {
		out, changed, err := Redact(jobs.SnapshotKind, raw, tc.id)
		if err != nil || !changed {
			t.Fatalf("redact %s: changed %v, %v; want changed", tc.id, changed, err)
		}
		if strings.Contains(string(out), `"`+tc.id) {
			t.Errorf("redact %s: the snapshot still names it: %s", tc.id, out)
		}
		var got assign.Input
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tc.want, got.Excluded); diff != "" {
			t.Errorf("redact %s: pairs left (-want +got):\n%s", tc.id, diff)
		}
	}
	if out, changed, err := Redact(jobs.SnapshotKind, raw, "p-9"); err != nil || changed || string(out) != string(raw) {
		t.Errorf("redact an id in no pair: changed %v, %v; want the snapshot as it was", changed, err)
	}
}
