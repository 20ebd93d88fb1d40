package testutil_test

import (
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/testutil"
)

func TestClockMovesOnlyWhenTold(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	c := testutil.NewClock(t0)
	if got := c.Now(); !got.Equal(t0) {
		t.Fatalf("Now() = %v, want %v", got, t0)
	}
	c.Add(time.Hour)
	if got, want := c.Now(), t0.Add(time.Hour); !got.Equal(want) {
		t.Fatalf("after Add: %v, want %v", got, want)
	}
}

func TestProcessTBRecordsTheFirstFailure(t *testing.T) {
	t.Parallel()
	p := &testutil.ProcessTB{}
	p.Errorf("first %d", 1)
	func() {
		defer func() {
			if recover() == nil {
				t.Error("Fatal did not panic")
			}
		}()
		p.Fatal("second")
	}()
	if p.Failure != "first 1" {
		t.Fatalf("Failure = %q, want the first", p.Failure)
	}
}
