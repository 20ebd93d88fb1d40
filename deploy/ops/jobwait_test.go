package ops_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/testutil"
)

// awaitSucceeded waits (90 s, as each kill test did on its own) until
// state says job id of what ("dinners job", "guides job") is in want, its
// programme's SUCCEEDED: one helper where the dinners, guides and
// mentoring kill tests each wrote the same loop over their own enum.
func awaitSucceeded[S interface {
	comparable
	String() string
}](t *testing.T, what, id string, want S, state func() (S, error)) {
	t.Helper()
	testutil.CheckFor(t, 90*time.Second, 100*time.Millisecond, func() error {
		got, err := state()
		if err != nil || got != want {
			return fmt.Errorf("%s %s: %v %v", what, id, got, err)
		}
		return nil
	})
}

// TestDinnerFromClock: the kill test's dinner at any hour, where "today at
// 23:59" left no room after 23:00: late in the evening the start moves to
// tomorrow and stays lead ahead.
func TestDinnerFromClock(t *testing.T) {
	zone, err := time.LoadLocation("Europe/Stockholm")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ now, day, start string }{
		{"2026-12-07 18:00:30", "2026-12-07", "18:07"},
		{"2026-12-07 23:30:00", "2026-12-07", "23:37"},
		{"2026-12-07 23:58:10", "2026-12-08", "00:05"},
		{"2026-12-31 23:59:59", "2027-01-01", "00:06"},
	} {
		now, err := time.ParseInLocation(time.DateTime, c.now, zone)
		if err != nil {
			t.Fatal(err)
		}
		if day, start := dinnerFromClock(now, 6*time.Minute); day != c.day || start != c.start {
			t.Errorf("at %s: %s %s, want %s %s", c.now, day, start, c.day, c.start)
		}
	}
}
