package events

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/ensure"
)

// EnsureOperatorStreams creates DEADLETTER and REPLAY, the two streams all
// consumers of all services share, at replicas: the system's setting
// (MP_REPLICAS, 3 in a three-node cluster) that every service's own
// streams and buckets use, so losing a node loses no dead letter and
// stops no replay. A stream that exists with fewer replicas (made by a
// consumer, which creates it at R1 when absent, or by an older version) is
// raised to replicas; one with more is left alone, so a process started
// with a smaller setting never shrinks what an operator raised. The
// owner's process (OperatorStreamsOwner) calls it at start-up, before its
// consumers (service.Main); the others call CreateOperatorStreams.
func EnsureOperatorStreams(ctx context.Context, js jetstream.JetStream, replicas int) error {
	replicas = max(replicas, 1)
	for _, cfg := range []jetstream.StreamConfig{deadLetterStreamConfig(replicas), replayStreamConfig(replicas)} {
		if err := ensureReplicas(ctx, js, cfg); err != nil {
			return err
		}
	}
	return nil
}

// OperatorStreamsOwner is the service that owns DEADLETTER and REPLAY:
// the gateway, which serves their messages to the operators and replays
// them. Only its start raises their replicas (EnsureOperatorStreams); every
// other process only creates them when absent (CreateOperatorStreams), and
// its NATS user may not change their configuration (ADR 0234: a
// compromised service could otherwise shorten their max age or change
// their subjects).
const OperatorStreamsOwner = "gateway"

// CreateOperatorStreams creates DEADLETTER and REPLAY at replicas when
// they are absent, as EnsureOperatorStreams does, and never changes one
// that exists: a process other than OperatorStreamsOwner calls it at its
// start, so its NATS user needs no right to update them (ADR 0234). A
// stream left at fewer replicas than the system's is raised by the
// owner's next start.
func CreateOperatorStreams(ctx context.Context, js jetstream.JetStream, replicas int) error {
	replicas = max(replicas, 1)
	for _, cfg := range []jetstream.StreamConfig{deadLetterStreamConfig(replicas), replayStreamConfig(replicas)} {
		if _, err := ensure.StreamIfAbsent(ctx, js, cfg); err != nil {
			return fmt.Errorf("events: create stream %s: %w", cfg.Name, err)
		}
	}
	return nil
}

// ensureReplicas creates the stream cfg describes, or raises an existing
// one's replicas to cfg's, changing nothing else of its configuration.
func ensureReplicas(ctx context.Context, js jetstream.JetStream, cfg jetstream.StreamConfig) error {
	s, err := js.Stream(ctx, cfg.Name)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		if _, err = js.CreateStream(ctx, cfg); err == nil {
			return nil
		}
		if !errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
			return fmt.Errorf("events: create stream %s: %w", cfg.Name, err)
		}
		// Another process created it meanwhile, perhaps at R1.
		s, err = js.Stream(ctx, cfg.Name)
	}
	if err != nil {
		return fmt.Errorf("events: look up stream %s: %w", cfg.Name, err)
	}
	have := s.CachedInfo().Config
	if have.Replicas >= cfg.Replicas {
		return nil
	}
	have.Replicas = cfg.Replicas
	if _, err := js.UpdateStream(ctx, have); err != nil {
		return fmt.Errorf("events: raise stream %s to %d replicas: %w", cfg.Name, cfg.Replicas, err)
	}
	return nil
}
