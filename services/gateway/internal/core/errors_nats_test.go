package core

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"testing"

	"github.com/nats-io/nats.go"

	"github.com/motesplats/motesplats/pkg/apperr"
)

// TestPublicNATSBrieflyIsTryAgain: what the gateway asks NATS itself (the
// dead letters, mp deadletters list) while a cluster elects its leaders
// answers "try again", as the services' calls do, not "internal error":
// typed right after `make up NATS_NODES=3`, the first listing failed with
// nats: no responders as Internal (ADR 0193).
func TestPublicNATSBrieflyIsTryAgain(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	got := Public(context.Background(), slog.New(slog.NewTextHandler(&buf, nil)), fmt.Errorf("events: list dead letters: %w", nats.ErrNoResponders))
	if got.Code != apperr.Unavailable {
		t.Errorf("code %s (%q), want %s", got.Code, got.Message, apperr.Unavailable)
	}
}
