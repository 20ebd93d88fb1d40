package proposal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// intent is a reservation in flight: written before the units are
// reserved and deleted once the proposal's transition has landed (or the
// units are given back). One left behind names a process that died
// between the two steps; Lifecycle.Recover finds it and completes or
// releases the reservation.
type intent struct {
	// ID is the proposal (the holder).
	ID string `json:"id"`
	// Party is whose acceptance the reservation was for.
	Party string `json:"party"`
	// Resources are the keys reserved.
	Resources []string `json:"resources"`
	// Since is when the accept began.
	Since time.Time `json:"since"`
}

// markerTTL is how long a settled intent's purge marker stays.
const markerTTL = 5 * time.Second

// intend records that in is about to reserve.
func (s *Slots) intend(ctx context.Context, in intent) error {
	raw, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("slots: encode intent: %w", err)
	}
	if _, err := s.intents.Put(ctx, in.ID, raw); err != nil {
		return fmt.Errorf("slots: write intent: %w", err)
	}
	return nil
}

// settle deletes the intent of holder id: its reservation is resolved.
func (s *Slots) settle(ctx context.Context, id string) error {
	err := s.intents.Purge(ctx, id, jetstream.PurgeTTL(markerTTL))
	if err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
		return fmt.Errorf("slots: settle intent: %w", err)
	}
	return nil
}

// pending lists the intents not settled.
func (s *Slots) pending(ctx context.Context) ([]intent, error) {
	keys, err := s.intents.ListKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("slots: list intents: %w", err)
	}
	var out []intent
	for k := range keys.Keys() {
		e, err := s.intents.Get(ctx, k)
		if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrKeyDeleted) {
			continue // settled meanwhile
		}
		if err != nil {
			return out, fmt.Errorf("slots: read intent: %w", err)
		}
		var in intent
		if err := json.Unmarshal(e.Value(), &in); err != nil || in.ID != k {
			// Undecodable: drop it rather than retry it for ever; the
			// holders it names are still dropped as stale when needed.
			_ = s.settle(ctx, k)
			continue
		}
		out = append(out, in)
	}
	return out, nil
}
