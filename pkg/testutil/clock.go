package testutil

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

// Clock is a settable clock for the injectable time sources
// (func() time.Time): tests move time on (an offer's expiry, a grace
// period) without sleeping. Safe for concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock standing at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Add moves the clock on by d.
func (c *Clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// ProcessTB lets test helpers (MustX, rigs) run outside a test, in a
// subprocess a crash test starts and kills: Fatal records the failure and
// panics, Cleanup is dropped (the process is killed, not cleaned up).
// Failure holds the first failure.
type ProcessTB struct {
	testing.TB
	Failure string
}

// Helper does nothing: a subprocess has no test output to trim.
func (p *ProcessTB) Helper() {}

// Cleanup drops fn: the crash test kills the process, so nothing would
// run it.
func (p *ProcessTB) Cleanup(func()) {}

// Fatal records the failure and panics.
func (p *ProcessTB) Fatal(args ...any) { p.fail(fmt.Sprint(args...)); panic(p.Failure) }

// Fatalf records the failure and panics.
func (p *ProcessTB) Fatalf(f string, a ...any) { p.Fatal(fmt.Sprintf(f, a...)) }

// Errorf records the failure.
func (p *ProcessTB) Errorf(f string, a ...any) { p.fail(fmt.Sprintf(f, a...)) }

func (p *ProcessTB) fail(s string) {
	if p.Failure == "" {
		p.Failure = s
	}
}
