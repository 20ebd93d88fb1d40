// Package ratelimit counts attempts in a JetStream key-value bucket, so a
// limit holds across every notify replica: a fixed window per key, one
// counter per (key, window), changed by compare-and-set. The bucket lives
// in memory on the NATS servers (a count lost in a restart costs nothing)
// and its entries expire on their own.
package ratelimit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/ensure"
)

// Bucket is the shared counters' bucket.
const Bucket = "notify_limits"

// maxPeriod is the longest window a counter may use: the bucket's entries
// expire after it.
const maxPeriod = 10 * time.Minute

// KV counts attempts in Bucket.
type KV struct {
	kv  jetstream.KeyValue
	now func() time.Time
}

// Open creates or opens the bucket with replicas copies. now is the clock
// the windows are cut by (every replica's should agree within a second).
func Open(ctx context.Context, js jetstream.JetStream, replicas int, now func() time.Time) (*KV, error) {
	kv, err := ensure.KeyValue(ctx, js, jetstream.KeyValueConfig{Bucket: Bucket, History: 1, TTL: maxPeriod,
		Storage: jetstream.MemoryStorage, Replicas: replicas, Description: "notify: attempts per link, shared by replicas"})
	if err != nil {
		return nil, fmt.Errorf("rate limits: %w", err)
	}
	if now == nil {
		now = time.Now
	}
	return &KV{kv: kv, now: now}, nil
}

// Allow counts one attempt on key and reports whether it is within n per
// period, counted by every replica together. key may be anything (it is
// hashed: no token or id is stored). An error means the count could not be
// kept; the caller decides what that means (notify falls back to its own
// replica's count: ADR 0106).
func (k *KV) Allow(ctx context.Context, key string, n int, period time.Duration) (bool, error) {
	if period <= 0 || period > maxPeriod {
		return false, fmt.Errorf("rate limits: period %v outside (0, %v]", period, maxPeriod)
	}
	sum := sha256.Sum256([]byte(key))
	window := k.now().UnixNano() / int64(period)
	id := "w" + hex.EncodeToString(sum[:16]) + "-" + strconv.FormatInt(window, 10)
	for attempt := 0; attempt < 20; attempt++ {
		e, err := k.kv.Get(ctx, id)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			if _, err := k.kv.Create(ctx, id, []byte("1")); errors.Is(err, jetstream.ErrKeyExists) {
				continue // another replica counted first
			} else if err != nil {
				return false, fmt.Errorf("rate limits: %w", err)
			}
			return 1 <= n, nil
		}
		if err != nil {
			return false, fmt.Errorf("rate limits: %w", err)
		}
		c, _ := strconv.Atoi(string(e.Value()))
		if c >= n {
			return false, nil // over already: no need to count further
		}
		if _, err := k.kv.Update(ctx, id, []byte(strconv.Itoa(c+1)), e.Revision()); errors.Is(err, jetstream.ErrKeyExists) ||
			errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			continue
		} else if err != nil {
			return false, fmt.Errorf("rate limits: %w", err)
		}
		return true, nil
	}
	return false, errors.New("rate limits: too much contention")
}
