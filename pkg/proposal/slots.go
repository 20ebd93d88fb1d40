package proposal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/ids"
)

// Slots counts who holds the capacity of each resource (a mentor's mentee
// slots, a host's seats, a newcomer's single place) in a KV bucket, one key
// per resource holding the list of holders. Every change is a
// compare-and-set on the key's revision, so concurrent reservations from any
// number of replicas can never exceed the capacity: of two writers that
// read the same list, only one write lands and the other re-reads.
//
// A holder is a proposal id. Reservation comes before the proposal is marked
// active; a crash in between would leave a holder behind, so a full
// resource first drops holders whose proposal no longer holds its slot:
// the caller's Holding function says so. A holder counts while its
// proposal is open or active, and also when Holding fails, so capacity is
// freed only when a proposal is known to be final or gone (declined,
// expired, ended, erased), never on a timer or on a read error: a stalled
// accept or a NATS blip cannot oversell.
type Slots struct {
	kv  jetstream.KeyValue
	now func() time.Time
}

// Holding reports whether the proposal holderID still holds its slot: true
// while it is open or active, false once it is final or gone. An error
// keeps the holder.
type Holding func(ctx context.Context, holderID string) (bool, error)

// ErrNoSlot is returned (wrapped, FailedPrecondition) when a resource is full.
var ErrNoSlot = apperr.Errorf(apperr.FailedPrecondition, "no free slot")

type holder struct {
	ID    string    `json:"id"`
	Since time.Time `json:"since"`
}

type slotsValue struct {
	Holders []holder `json:"holders"`
}

// OpenSlots opens (creating if needed) the bucket.
func OpenSlots(ctx context.Context, js jetstream.JetStream, bucket string, replicas int, now func() time.Time) (*Slots, error) {
	if replicas <= 0 {
		replicas = 1
	}
	if now == nil {
		now = time.Now
	}
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: bucket, History: 1, Storage: jetstream.FileStorage, Replicas: replicas,
	})
	if err != nil {
		return nil, fmt.Errorf("slots: bucket %s: %w", bucket, err)
	}
	return &Slots{kv: kv, now: now}, nil
}

// Claim is one resource a proposal needs a slot of.
type Claim struct {
	// Resource is a key: letters, digits, '-', '_' (a person id).
	Resource string
	// Capacity is how many holders the resource allows now.
	Capacity int
	// What names the resource in errors ("mentor", "newcomer").
	What string
}

// ReserveAll takes a slot of every claim for holder, or none: on failure it
// releases what it took. Reserving again for the same holder is a no-op, so
// a retry after a crash is safe. holding tells which holders of a full
// resource still count (nil: all of them). Returns FailedPrecondition
// naming the full resource.
func (s *Slots) ReserveAll(ctx context.Context, claims []Claim, holderID string, holding Holding) error {
	for k, c := range claims {
		if err := s.Reserve(ctx, c.Resource, c.Capacity, holderID, holding); err != nil {
			for _, prev := range claims[:k] {
				_ = s.Release(context.WithoutCancel(ctx), prev.Resource, holderID)
			}
			if errors.Is(err, ErrNoSlot) && c.What != "" {
				return apperr.Errorf(apperr.FailedPrecondition, "the %s has no free slot", c.What)
			}
			return err
		}
	}
	return nil
}

// Reserve takes one of capacity slots of resource for holderID. Returns
// ErrNoSlot when full.
func (s *Slots) Reserve(ctx context.Context, resource string, capacity int, holderID string, holding Holding) error {
	return s.change(ctx, resource, func(v *slotsValue) (bool, error) {
		if slices.ContainsFunc(v.Holders, func(h holder) bool { return h.ID == holderID }) {
			return false, nil
		}
		if len(v.Holders) >= capacity && holding != nil {
			v.Holders = slices.DeleteFunc(v.Holders, func(h holder) bool {
				held, err := holding(ctx, h.ID)
				return err == nil && !held
			})
		}
		if len(v.Holders) >= capacity {
			return false, ErrNoSlot
		}
		v.Holders = append(v.Holders, holder{ID: holderID, Since: s.now().UTC()})
		return true, nil
	})
}

// Release gives holderID's slot of resource back; releasing a slot not held
// is a no-op.
func (s *Slots) Release(ctx context.Context, resource, holderID string) error {
	return s.change(ctx, resource, func(v *slotsValue) (bool, error) {
		n := len(v.Holders)
		v.Holders = slices.DeleteFunc(v.Holders, func(h holder) bool { return h.ID == holderID })
		return len(v.Holders) != n, nil
	})
}

// Holders returns the ids holding resource's slots.
func (s *Slots) Holders(ctx context.Context, resource string) ([]string, error) {
	v, _, err := s.read(ctx, resource)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(v.Holders))
	for k, h := range v.Holders {
		out[k] = h.ID
	}
	return out, nil
}

// Forget removes every trace of resource (erasure of the person).
func (s *Slots) Forget(ctx context.Context, resource string) error {
	if !ids.Valid(resource) {
		return nil
	}
	err := s.kv.Purge(ctx, resource)
	if err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
		return fmt.Errorf("slots: purge: %w", err)
	}
	return nil
}

func (s *Slots) read(ctx context.Context, resource string) (slotsValue, uint64, error) {
	var v slotsValue
	if !ids.Valid(resource) || strings.ContainsAny(resource, ".*>") {
		return v, 0, apperr.Errorf(apperr.Invalid, "invalid resource key")
	}
	e, err := s.kv.Get(ctx, resource)
	if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrKeyDeleted) {
		return v, 0, nil
	}
	if err != nil {
		return v, 0, fmt.Errorf("slots: get: %w", err)
	}
	if err := json.Unmarshal(e.Value(), &v); err != nil {
		return v, 0, fmt.Errorf("slots: decode: %w", err)
	}
	return v, e.Revision(), nil
}

// change applies fn by compare-and-set until it lands; fn reports whether
// it changed anything.
func (s *Slots) change(ctx context.Context, resource string, fn func(*slotsValue) (bool, error)) error {
	for attempt := 0; ; attempt++ {
		v, rev, err := s.read(ctx, resource)
		if err != nil {
			return err
		}
		changed, err := fn(&v)
		if err != nil || !changed {
			return err
		}
		raw, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("slots: encode: %w", err)
		}
		if rev == 0 {
			_, err = s.kv.Create(ctx, resource, raw)
		} else {
			_, err = s.kv.Update(ctx, resource, raw, rev)
		}
		if err == nil {
			return nil
		}
		if !errors.Is(err, jetstream.ErrKeyExists) && !errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			return fmt.Errorf("slots: write: %w", err)
		}
		if attempt >= 500 {
			return apperr.Errorf(apperr.Unavailable, "too much contention, try again")
		}
		t := time.NewTimer(time.Duration(1+rand.IntN(1+min(attempt, 20))) * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}
