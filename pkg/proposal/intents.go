package proposal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/apperr"
)

// intent is a reservation in flight: written before the units are
// reserved and deleted once the proposal's transition has landed (or the
// units are given back). One left behind names a process that died
// between the two steps; Lifecycle.Recover finds it and completes or
// releases the reservation. The intent is also the reservation's owner:
// one accept of a proposal at a time, and whoever holds the intent's
// current revision is the only one that may give the units back.
type intent struct {
	// ID is the proposal (the holder).
	ID string `json:"id"`
	// Party is whose acceptance the reservation was for.
	Party string `json:"party"`
	// Resources are the keys reserved.
	Resources []string `json:"resources"`
	// Since is when the accept began.
	Since time.Time `json:"since"`
	// rev is the intent's revision when read.
	rev uint64
}

// errInFlight: another acceptance of the same proposal holds the intent.
var errInFlight = apperr.Errorf(apperr.Unavailable, "an acceptance of this offer is in progress, try again")

// intend records that in is about to reserve: a new intent when rev is 0
// (errInFlight if one exists), or a takeover of the intent at rev (Recover).
// Returns the revision the caller now owns.
func (s *Slots) intend(ctx context.Context, in intent, rev uint64) (uint64, error) {
	raw, err := json.Marshal(in)
	if err != nil {
		return 0, fmt.Errorf("slots: encode intent: %w", err)
	}
	var n uint64
	if rev == 0 {
		n, err = s.intents.Create(ctx, in.ID, raw)
	} else {
		n, err = s.intents.Update(ctx, in.ID, raw, rev)
	}
	if errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
		return 0, errInFlight
	}
	if err != nil {
		return 0, fmt.Errorf("slots: write intent: %w", err)
	}
	return n, nil
}

// owns reports whether the intent of holder id is still at rev: nobody
// took it over. A read error answers no, so units are not given back on a
// doubt (the stale sweep finds them).
func (s *Slots) owns(ctx context.Context, id string, rev uint64) bool {
	e, err := s.intents.Get(ctx, id)
	return err == nil && e.Revision() == rev
}

// settle deletes the intent of holder id if it is still at rev: its
// reservation is resolved. An intent taken over since is left to its new
// owner.
func (s *Slots) settle(ctx context.Context, id string, rev uint64) error {
	err := s.intents.Purge(ctx, id, jetstream.LastRevision(rev))
	var apiErr *jetstream.APIError
	if err != nil && errors.As(err, &apiErr) && (apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence ||
		apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant) {
		return nil
	}
	if err != nil {
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
	// Stopping frees the lister should the loop end early.
	defer func() { _ = keys.Stop() }()
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
			_ = s.settle(ctx, k, e.Revision())
			continue
		}
		in.rev = e.Revision()
		out = append(out, in)
	}
	return out, nil
}
