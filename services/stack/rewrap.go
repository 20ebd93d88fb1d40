package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/seal"
)

// rewrap moves every person's data key to the current data key
// (MP_DATA_KEY, or the stack's data.key) while MP_DATA_KEY_OLD names the
// keys being retired; afterwards the old keys open nothing stored and can
// be destroyed. It runs against a live system: services keep working.
// Every key bucket is rewrapped: each owner's (ADR 0234 part 2) and the
// shared one of before, and it says how many keys of before are left
// there: the operator's signal for ADR 0234's phase 3 (docs/runbook.md).
func rewrap(ctx context.Context, cfg Config, args []string, out io.Writer) error {
	natsURL, err := toolsFlags("rewrap", cfg, args, out)
	if err != nil {
		return err
	}
	keks, err := cfg.keks()
	if err != nil {
		return err
	}
	js, err := connectTools(natsURL, "rewrap", cfg)
	if err != nil {
		return err
	}
	defer js.Conn().Close()
	buckets, err := keyBuckets(ctx, js)
	if err != nil {
		return err
	}
	total := 0
	var lines strings.Builder
	for _, b := range buckets {
		n, err := rewrapBucket(ctx, js, keks, b)
		total += n
		if err != nil {
			return fmt.Errorf("rewrap of %s (after %d keys, %d in all; safe to run again): %w", b, n, total, err)
		}
		fmt.Fprintf(&lines, "  %-28s %d keys rewrapped\n", "KV_"+b, n)
	}
	people, index, err := keysOfBefore(ctx, js, buckets)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(out, "rewrapped %d data keys with %s; old data keys may now be removed\n%s"+
		"keys of before left in KV_%s: %d people's and job data's, %d index keys (phase 3 when the first is 0 or stops falling: docs/runbook.md)\n",
		total, keks[0], lines.String(), seal.DefaultBucket, people, index)
	return err
}

// keyBuckets are the key buckets the system has: each owner's
// (seal.OwnerBucket), sorted, then the shared one of before when it
// exists. None is made here.
func keyBuckets(ctx context.Context, js jetstream.JetStream) ([]string, error) {
	var owners []string
	legacy := false
	names := js.StreamNames(ctx)
	for n := range names.Name() {
		switch {
		case n == "KV_"+seal.DefaultBucket:
			legacy = true
		case strings.HasPrefix(n, "KV_"+seal.OwnerBucket("")):
			owners = append(owners, strings.TrimPrefix(n, "KV_"))
		}
	}
	if err := names.Err(); err != nil {
		return nil, fmt.Errorf("key buckets: %w", err)
	}
	slices.Sort(owners)
	if legacy {
		owners = append(owners, seal.DefaultBucket)
	}
	return owners, nil
}

// rewrapBucket rewraps the keys of bucket with a keyring opened as its
// owner would open it (its erasures re-applied to it first, as at the
// owner's start), or as a keyring of before for the shared bucket.
func rewrapBucket(ctx context.Context, js jetstream.JetStream, keks []seal.KEK, bucket string) (int, error) {
	c := seal.Config{KEKs: keks}
	if owner, ok := strings.CutPrefix(bucket, seal.OwnerBucket("")); ok {
		c.Owner = owner
	}
	k, err := seal.Open(ctx, js, c)
	if err != nil {
		return 0, err
	}
	defer k.Close()
	return k.Rewrap(ctx)
}

// keysOfBefore counts the keys still in the shared bucket of before:
// people's and job data's, which their owners claim (and which an owner's
// erasure must securely delete there, so phase 3 waits for none), and
// index keys, which pkg/seal keeps reading there.
func keysOfBefore(ctx context.Context, js jetstream.JetStream, buckets []string) (people, index int, _ error) {
	if !slices.Contains(buckets, seal.DefaultBucket) {
		return 0, 0, nil
	}
	kv, err := js.KeyValue(ctx, seal.DefaultBucket)
	if err != nil {
		return 0, 0, fmt.Errorf("keys of before: %w", err)
	}
	keys, err := kv.ListKeys(ctx)
	if err != nil {
		if errors.Is(err, jetstream.ErrNoKeysFound) {
			return 0, 0, nil
		}
		return 0, 0, fmt.Errorf("keys of before: %w", err)
	}
	for key := range keys.Keys() {
		if strings.HasPrefix(key, indexKeyPrefix) {
			index++
		} else {
			people++
		}
	}
	return people, index, nil
}

// indexKeyPrefix names a blind index's key in a key bucket (pkg/seal's
// IndexKey), which no person's id starts with.
const indexKeyPrefix = "index-key-"
