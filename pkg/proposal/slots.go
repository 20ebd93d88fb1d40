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
	"github.com/motesplats/motesplats/pkg/ensure"
	"github.com/motesplats/motesplats/pkg/ids"
)

// Slots counts the capacity of each resource (a mentor's mentee slots, a
// host's seats, a guide organisation's places for one municipality and
// language, a newcomer's single place) in a KV bucket, one key per
// resource holding the list of holders and the units each takes (a dinner
// party of 3 takes 3 seats). Every change is a compare-and-set on the key's
// revision, so concurrent reservations from any number of replicas can
// never exceed the capacity: of two writers that read the same list, only
// one write lands and the other re-reads.
//
// A holder is a proposal id. Reservation comes before the proposal is marked
// active; a crash in between would leave a holder behind, so a full
// resource first drops holders whose proposal no longer holds its units:
// the caller's Holding function says so (Lifecycle's drops a holder whose
// proposal is final or gone, or still open a grace period after the
// reservation). A holder counts when Holding fails, so capacity is never
// freed on a read error: a NATS blip cannot oversell. Beside the bucket an
// intents bucket records each reservation in flight (Lifecycle.Recover
// finishes or undoes the ones a crash left).
type Slots struct {
	kv      jetstream.KeyValue
	intents jetstream.KeyValue
	now     func() time.Time
}

// IntentsTTL is how long the intents bucket keeps an entry: a settled
// intent's marker, or an intent no replica resolved (all were down).
const IntentsTTL = time.Hour

// Holding reports whether the proposal holderID, holding units since since,
// still holds them: true while it is active (or its accept is in flight),
// false once it is final, gone or stale. An error keeps the holder.
type Holding func(ctx context.Context, holderID string, since time.Time) (bool, error)

// ErrNoSlot is returned (wrapped, FailedPrecondition) when a resource is full.
var ErrNoSlot = apperr.Errorf(apperr.FailedPrecondition, "no free slot")

type holder struct {
	ID    string    `json:"id"`
	Since time.Time `json:"since"`
	// Units taken; 0 (records from before units) means 1.
	Units int `json:"units,omitempty"`
}

func (h holder) units() int { return max(h.Units, 1) }

func used(hs []holder) int {
	n := 0
	for _, h := range hs {
		n += h.units()
	}
	return n
}

type slotsValue struct {
	Holders []holder `json:"holders"`
}

// OpenSlots opens (creating if needed) the bucket and its intents bucket
// (bucket + "_intents").
func OpenSlots(ctx context.Context, js jetstream.JetStream, bucket string, replicas int, now func() time.Time) (*Slots, error) {
	if replicas <= 0 {
		replicas = 1
	}
	if now == nil {
		now = time.Now
	}
	kv, err := ensure.KeyValue(ctx, js, jetstream.KeyValueConfig{
		Bucket: bucket, History: 1, Storage: jetstream.FileStorage, Replicas: replicas,
	})
	if err != nil {
		return nil, fmt.Errorf("slots: bucket %s: %w", bucket, err)
	}
	// Settled intents leave purge markers; the bucket's age limit drops
	// them (and any intent no replica resolved for that long: the stale
	// holder check still frees its units), so listing the pending ones
	// stays cheap however many accepts there have been. (Per-message TTL
	// markers would drop them sooner, but enabling message TTLs stalled
	// the server under load in our tests.)
	intents, err := ensure.KeyValue(ctx, js, jetstream.KeyValueConfig{
		Bucket: bucket + "_intents", History: 1, Storage: jetstream.FileStorage, Replicas: replicas,
		TTL: IntentsTTL,
	})
	if err != nil {
		return nil, fmt.Errorf("slots: bucket %s_intents: %w", bucket, err)
	}
	return &Slots{kv: kv, intents: intents, now: now}, nil
}

// Claim is what a proposal takes of one resource once active.
type Claim struct {
	// Resource is a key: letters, digits, '-', '_' (a person id, or
	// "org-a_0180_ar" for a guide organisation's places in one
	// municipality and language).
	Resource string
	// Units taken (a dinner party's size); 0 means 1.
	Units int
	// Capacity is how many units the resource has now.
	Capacity int
	// What names the resource in errors ("mentor", "newcomer").
	What string
}

// ReserveAll takes the units of every claim for holder, or none: on
// failure it releases what it took. Reserving again for the same holder is
// a no-op, so a retry after a crash is safe. holding tells which holders of
// a full resource still count (nil: all of them). Returns
// FailedPrecondition naming the full resource.
func (s *Slots) ReserveAll(ctx context.Context, claims []Claim, holderID string, holding Holding) error {
	for k, c := range claims {
		if err := s.Reserve(ctx, c.Resource, c.Units, c.Capacity, holderID, holding); err != nil {
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

// Reserve takes units (0 means 1) of resource's capacity for holderID.
// Returns ErrNoSlot when fewer units are free. A holder already holding is
// left as it is.
func (s *Slots) Reserve(ctx context.Context, resource string, units, capacity int, holderID string, holding Holding) error {
	units = max(units, 1)
	// Holding answers are remembered across compare-and-set retries: under
	// a storm of accepts the same stale holders would be looked up again
	// on every retry.
	known := map[string]bool{}
	return s.change(ctx, resource, func(v *slotsValue) (bool, error) {
		if slices.ContainsFunc(v.Holders, func(h holder) bool { return h.ID == holderID }) {
			return false, nil
		}
		dropped := dropStale(ctx, v, units, capacity, holderID, holding, known)
		if used(v.Holders)+units > capacity {
			// Dropping stale holders is worth a write even when the
			// reservation fails: the counter then shows the truth.
			return dropped, ErrNoSlot
		}
		v.Holders = append(v.Holders, holder{ID: holderID, Since: s.now().UTC(), Units: units})
		return true, nil
	})
}

// dropStale makes room for extra units on a full resource by dropping the
// holders (other than self) that holding says no longer hold; known
// remembers its answers across compare-and-set retries. It reports whether
// it dropped any.
func dropStale(ctx context.Context, v *slotsValue, extra, capacity int, self string, holding Holding, known map[string]bool) bool {
	if used(v.Holders)+extra <= capacity || holding == nil {
		return false
	}
	dropped := false
	v.Holders = slices.DeleteFunc(v.Holders, func(h holder) bool {
		if h.ID == self {
			return false
		}
		held, ok := known[h.ID]
		if !ok {
			var err error
			if held, err = holding(ctx, h.ID, h.Since); err != nil {
				return false
			}
			known[h.ID] = held
		}
		dropped = dropped || !held
		return !held
	})
	return dropped
}

// Resize sets the units holderID takes of resource (0 means 1), when it
// holds any: a shrink always lands, a growth only if the extra units are
// free (stale holders dropped first, as in Reserve). A holder not holding
// is left alone: a proposal ended meanwhile must not take units again.
// Returns ErrNoSlot.
func (s *Slots) Resize(ctx context.Context, resource, holderID string, units, capacity int, holding Holding) error {
	units = max(units, 1)
	known := map[string]bool{}
	return s.change(ctx, resource, func(v *slotsValue) (bool, error) {
		k := slices.IndexFunc(v.Holders, func(h holder) bool { return h.ID == holderID })
		if k < 0 || v.Holders[k].units() == units {
			return false, nil
		}
		if extra := units - v.Holders[k].units(); extra > 0 {
			dropped := dropStale(ctx, v, extra, capacity, holderID, holding, known)
			k = slices.IndexFunc(v.Holders, func(h holder) bool { return h.ID == holderID })
			if used(v.Holders)+extra > capacity {
				return dropped, ErrNoSlot
			}
		}
		v.Holders[k].Units = units
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

// ReleaseEverywhere gives back every slot of any resource that one of
// holders holds. It reads every resource in the bucket, so it is for the
// rare holder whose resources are unknown: a proposal erased unread, its
// claims sealed with a shredded key (Lifecycle.Leave, docs/adr/0164).
func (s *Slots) ReleaseEverywhere(ctx context.Context, holders ...string) error {
	if len(holders) == 0 {
		return nil
	}
	lister, err := s.kv.ListKeys(ctx)
	if err != nil {
		if errors.Is(err, jetstream.ErrNoKeysFound) {
			return nil
		}
		return fmt.Errorf("slots: list: %w", err)
	}
	defer func() { _ = lister.Stop() }()
	var resources []string
	for k := range lister.Keys() {
		resources = append(resources, k)
	}
	for _, r := range resources {
		v, _, err := s.read(ctx, r)
		if err != nil {
			return err
		}
		for _, h := range v.Holders {
			if slices.Contains(holders, h.ID) {
				if err := s.Release(ctx, r, h.ID); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// Used returns how many of resource's units are held.
func (s *Slots) Used(ctx context.Context, resource string) (int, error) {
	v, _, err := s.read(ctx, resource)
	if err != nil {
		return 0, err
	}
	return used(v.Holders), nil
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
		changed, ferr := fn(&v)
		if !changed {
			return ferr
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
			return ferr
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
