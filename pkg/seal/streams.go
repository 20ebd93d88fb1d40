package seal

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/ensure"
)

// keyStreamConfig is the key bucket's stream. It is made here rather than
// by CreateOrUpdateKeyValue, which denies message deletes: Shred needs the
// stream's secure delete. Otherwise it is what a KV bucket is.
func keyStreamConfig(cfg Config) jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name:        "KV_" + cfg.Bucket,
		Description: "wrapped per-person data keys (pkg/seal)",
		Subjects:    []string{"$KV." + cfg.Bucket + ".>"},
		// Two revisions, so Rewrap can write the new wrapping and then
		// securely erase the old one itself: with one, the server would
		// drop the old revision unerased.
		MaxMsgsPerSubject: 2,
		MaxBytes:          -1,
		MaxMsgSize:        -1,
		MaxMsgs:           -1,
		MaxConsumers:      -1,
		Storage:           jetstream.FileStorage,
		Replicas:          cfg.Replicas,
		AllowRollup:       true,
		DenyDelete:        false,
		AllowDirect:       true,
		Duplicates:        2 * time.Minute,
		Discard:           jetstream.DiscardNew,
		// The key pool stores its keys in atomic batches (pool.go).
		AllowAtomicPublish: true,
	}
}

// erasureStreamConfig is the erasure log's stream: one message per
// erased id, kept forever.
func erasureStreamConfig(cfg Config) jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name:              cfg.ErasureStream,
		Description:       "ids of erased people, re-applied to restored data; never personal data",
		Subjects:          []string{erasureSubjectPrefix + ">"},
		Storage:           jetstream.FileStorage,
		Replicas:          cfg.Replicas,
		MaxMsgsPerSubject: 1,
		Duplicates:        2 * time.Minute,
	}
}

// openStreams creates or opens the key bucket's stream and the erasure
// log: brought to their configuration (ensure.Stream), or with
// cfg.CreateOnly made only when absent and otherwise taken as they are.
func openStreams(ctx context.Context, js jetstream.JetStream, cfg Config) (keys, erasures jetstream.Stream, err error) {
	open := ensure.Stream
	if cfg.CreateOnly {
		open = ensure.StreamIfAbsent
	}
	// A keyring that owns no bucket has none to make.
	if !cfg.ReadOnly {
		if keys, err = open(ctx, js, keyStreamConfig(cfg)); err != nil {
			return nil, nil, fmt.Errorf("seal: open bucket %s: %w", cfg.Bucket, err)
		}
	}
	if erasures, err = open(ctx, js, erasureStreamConfig(cfg)); err != nil {
		return nil, nil, fmt.Errorf("seal: erasure log: %w", err)
	}
	return keys, erasures, nil
}
