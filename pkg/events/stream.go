package events

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/ensure"
)

// DuplicateWindow is how long JetStream remembers a Nats-Msg-Id. A publish
// retried within it is dropped; later duplicates are the job of Idempotent.
const DuplicateWindow = 2 * time.Minute

// DeadLetterMaxAge bounds how long dead letters are kept when this package
// creates the DEADLETTER stream: they hold event payloads, which must not
// outlive an erasure by much, and an operator looks at them within days.
const DeadLetterMaxAge = 30 * 24 * time.Hour

// StreamConfig is the part of a stream's configuration that services choose.
type StreamConfig struct {
	// Name is the stream name, for example StreamParticipants.
	Name string
	// Subjects the stream captures, for example ParticipantsSubjects.
	Subjects []string
	// Replicas is 1 (the default) on a single server and 3 in a cluster.
	Replicas int
	// MaxAge drops older messages; zero keeps them until limits say otherwise.
	MaxAge time.Duration
}

// EnsureStream creates the stream, or updates it to cfg when it exists, so
// every replica of a producer can call it at start-up. Storage is always
// file: events are the system of record between services.
func EnsureStream(ctx context.Context, js jetstream.JetStream, cfg StreamConfig) error {
	if cfg.Name == "" || len(cfg.Subjects) == 0 {
		return errors.New("events: stream needs a name and subjects")
	}
	if cfg.Replicas <= 0 {
		cfg.Replicas = 1
	}
	_, err := ensure.Stream(ctx, js, jetstream.StreamConfig{
		Name:       cfg.Name,
		Subjects:   cfg.Subjects,
		Storage:    jetstream.FileStorage,
		Retention:  jetstream.LimitsPolicy,
		Discard:    jetstream.DiscardOld,
		Replicas:   cfg.Replicas,
		MaxAge:     cfg.MaxAge,
		Duplicates: DuplicateWindow,
		// Publisher.PublishBatch stores many events with one fsync.
		AllowAtomicPublish: true,
	})
	if err != nil {
		return fmt.Errorf("events: ensure stream %s: %w", cfg.Name, err)
	}
	return nil
}

// ensureDeadLetterStream creates the DEADLETTER stream only when it is
// absent, at R1 (a consumer does not know the system's replicas). It never
// updates: each process's start (EnsureOperatorStreams) or an operator
// raises it to the system's replicas, and a consumer must not shrink it.
func ensureDeadLetterStream(ctx context.Context, js jetstream.JetStream) error {
	_, err := js.Stream(ctx, StreamDeadLetter)
	if err == nil {
		return nil
	}
	if !errors.Is(err, jetstream.ErrStreamNotFound) {
		return fmt.Errorf("events: look up dead-letter stream: %w", err)
	}
	_, err = js.CreateStream(ctx, deadLetterStreamConfig(1))
	if err != nil && !errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
		return fmt.Errorf("events: create dead-letter stream: %w", err)
	}
	return nil
}

// deadLetterStreamConfig is DEADLETTER's configuration at replicas.
func deadLetterStreamConfig(replicas int) jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name:       StreamDeadLetter,
		Subjects:   []string{DeadLetterSubjects},
		Storage:    jetstream.FileStorage,
		Replicas:   replicas,
		MaxAge:     DeadLetterMaxAge,
		Duplicates: DuplicateWindow,
	}
}
