package events

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/apperr"
)

func TestErrorClass(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   error
		want string
	}{
		{"apperr", fmt.Errorf("load: %w", apperr.Errorf(apperr.NotFound, "Anna")), "permanent: not_found"},
		{"deadline", fmt.Errorf("call: %w", context.DeadlineExceeded), "permanent: deadline_exceeded"},
		{"panic", errPanic, "permanent: panic"},
		{"root type", Permanent(fmt.Errorf("x: %w", errors.New("Anna"))), "permanent: *errors.errorString"},
	}
	for _, tt := range tests {
		if got := errorClass("permanent", tt.in); got != tt.want {
			t.Errorf("%s: errorClass = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestBackoff(t *testing.T) {
	t.Parallel()
	c := &Consumer{cfg: ConsumerConfig{Backoff: defaultBackoff()}}
	tests := []struct {
		delivered uint64
		want      time.Duration
	}{
		{0, 100 * time.Millisecond},
		{1, 100 * time.Millisecond},
		{2, 500 * time.Millisecond},
		{4, 5 * time.Second},
		{9, 5 * time.Second},
	}
	for _, tt := range tests {
		if got := c.backoff(tt.delivered); got != tt.want {
			t.Errorf("backoff(%d) = %v, want %v", tt.delivered, got, tt.want)
		}
	}
}

func TestProcessedKey(t *testing.T) {
	t.Parallel()
	if got, want := processedKey("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"), "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"; got != want {
		t.Errorf("processedKey(uuid) = %q, want %q", got, want)
	}
	for _, id := range []string{"a.b", "a b", "", "a*"} {
		if got := processedKey(id); !kvKey.MatchString(got) {
			t.Errorf("processedKey(%q) = %q, not a valid key", id, got)
		}
	}
}

// TestPullHeartbeat: pulls ask NATS for a heartbeat every 5 s, so a lost
// pull is noticed in 10 s rather than nats.go's 30 s, and never for more
// than half the pull's expiry, which nats.go refuses.
func TestPullHeartbeat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		expiry, want time.Duration
	}{
		{0, 5 * time.Second}, // nats.go's 30 s expiry
		{30 * time.Second, 5 * time.Second},
		{time.Minute, 5 * time.Second},
		{4 * time.Second, 2 * time.Second},
		{time.Second, 500 * time.Millisecond},
		{900 * time.Millisecond, 0}, // under nats.go's 500 ms: its own default
	}
	for _, tt := range tests {
		if got := pullHeartbeat(tt.expiry); got != tt.want {
			t.Errorf("pullHeartbeat(%v) = %v, want %v", tt.expiry, got, tt.want)
		}
	}
}
