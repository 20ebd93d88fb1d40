package store

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	storev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/store/v1"
)

// TestRefusedSettlesOnlyWhatWasNotStored: a write JetStream refused
// stored nothing, so its ticket is done and the mark may pass it; a write
// whose outcome is unknown (a timeout during a partition) may have been
// stored, so the mark must stay below it, or its events would never be
// published.
func TestRefusedSettlesOnlyWhatWasNotStored(t *testing.T) {
	r := &Repo[*storev1.Record]{log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	refusedTicket, unknownTicket := r.tickets.issue(), r.tickets.issue()
	r.refused(refusedTicket, fmt.Errorf("store: %w", jetstream.ErrKeyRevisionMismatch))
	r.refused(unknownTicket, context.DeadlineExceeded)
	if got := r.tickets.low(); got != refusedTicket {
		t.Errorf("mark may cover up to %d, want %d (the refused write only)", got, refusedTicket)
	}
	if r.tickets.isDone(unknownTicket) {
		t.Error("a write whose outcome is unknown counts as settled")
	}
}
