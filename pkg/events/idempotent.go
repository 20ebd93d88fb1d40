package events

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/ensure"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
)

// DefaultProcessedTTL is how long Idempotent remembers an event id. It must
// exceed the longest time an event can come round again (stream redelivery,
// a replay by an operator), and a week covers both.
const DefaultProcessedTTL = 7 * 24 * time.Hour

// kvKey matches what a KV key may be; other ids are hashed to fit.
var kvKey = regexp.MustCompile(`^[-_=a-zA-Z0-9]+$`)

// Idempotent wraps h so that each event id has its effect once, even when
// JetStream redelivers a message or an event is published again after the
// duplicate window. Ids of events h handled are recorded in the KV bucket
// (created if absent, keeping one revision per key for ttl, default
// DefaultProcessedTTL; name it "processed-<durable>"), and an event whose
// id is recorded is acknowledged without calling h.
//
// The id is recorded after h succeeds, not before, so a failed h is retried.
// This leaves one window: a crash, or a failed record, between h's success
// and the record repeats h. Handlers still make their effects safe to repeat
// (revision checks, upserts); Idempotent makes repeating rare, not
// impossible. Concurrent deliveries of the same id are not serialised here;
// a Consumer sends one subject_id to one worker, which covers duplicates
// that a single replica sees.
//
// The bucket has replicas copies (at least 1; MP_REPLICAS in a cluster),
// raised to them when it exists with fewer: a cluster's processed ids must
// survive a node as the events do (ADR 0193).
func Idempotent(ctx context.Context, js jetstream.JetStream, bucket string, ttl time.Duration, replicas int, h Handler) (Handler, error) {
	if h == nil {
		return nil, errors.New("events: idempotent needs a handler")
	}
	if ttl <= 0 {
		ttl = DefaultProcessedTTL
	}
	kv, err := ensure.KeyValue(ctx, js, jetstream.KeyValueConfig{
		Bucket:      bucket,
		Description: "ids of events already handled",
		History:     1,
		TTL:         ttl,
		Storage:     jetstream.FileStorage,
		Replicas:    max(replicas, 1),
	})
	if err != nil {
		return nil, fmt.Errorf("events: processed-ids bucket %s: %w", bucket, err)
	}
	return func(ctx context.Context, env *eventsv1.Envelope) error {
		key := processedKey(env.GetId())
		_, err := kv.Get(ctx, key)
		switch {
		case err == nil:
			return nil
		case !errors.Is(err, jetstream.ErrKeyNotFound):
			return fmt.Errorf("events: check processed %s: %w", env.GetId(), err)
		}
		if err := h(ctx, env); err != nil {
			return err
		}
		// The value is the event type, useful when inspecting the bucket
		// and free of personal data.
		if _, err := kv.Put(ctx, key, []byte(env.GetType())); err != nil {
			return fmt.Errorf("events: record processed %s: %w", env.GetId(), err)
		}
		return nil
	}, nil
}

// processedKey returns id when it is a valid KV key (UUIDs are) and a hash
// of it otherwise, so any id can be recorded.
func processedKey(id string) string {
	if kvKey.MatchString(id) {
		return id
	}
	sum := sha256.Sum256([]byte(id))
	return "h-" + hex.EncodeToString(sum[:])
}
