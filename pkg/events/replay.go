package events

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Replay sends a dead letter back to the one consumer that gave up on it
// (ADR 0059). A replayed message goes to "replay.<durable>" in the REPLAY
// stream, which each Consumer reads through a second durable consumer of
// the same name beside its own stream's; the handler, the retries and the
// dead-lettering are the same. Other consumers of the original stream never
// see it, and the producer's stream is not written to.
const (
	// StreamReplay holds dead letters sent back to their consumer until
	// the consumer has handled them (work-queue retention: an acked or
	// terminated message is removed).
	StreamReplay = "REPLAY"
	// ReplaySubjects is the subject filter of StreamReplay.
	ReplaySubjects = "replay.>"
	// ReplayPrefix starts a replay subject, "replay.<durable>".
	ReplayPrefix = "replay."
)

// More dead-letter headers, set by a Consumer since replay (ADR 0059).
const (
	// HeaderPublished is when the original message was stored in its
	// stream (RFC 3339).
	HeaderPublished = "Mp-Published"
	// HeaderFirstFailed is when the message was first dead-lettered; a
	// replay that fails again keeps it (RFC 3339).
	HeaderFirstFailed = "Mp-First-Failed"
	// HeaderReplays is how many times an operator replayed the message
	// before this dead letter.
	HeaderReplays = "Mp-Replays"
)

// ensureReplayStream creates the REPLAY stream when it is absent; like
// ensureDeadLetterStream it never updates one an operator made.
func ensureReplayStream(ctx context.Context, js jetstream.JetStream) error {
	_, err := js.Stream(ctx, StreamReplay)
	if err == nil {
		return nil
	}
	if !errors.Is(err, jetstream.ErrStreamNotFound) {
		return fmt.Errorf("events: look up replay stream: %w", err)
	}
	_, err = js.CreateStream(ctx, replayStreamConfig(1))
	if err != nil && !errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
		return fmt.Errorf("events: create replay stream: %w", err)
	}
	return nil
}

// replayStreamConfig is REPLAY's configuration at replicas.
func replayStreamConfig(replicas int) jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name:       StreamReplay,
		Subjects:   []string{ReplaySubjects},
		Storage:    jetstream.FileStorage,
		Retention:  jetstream.WorkQueuePolicy,
		Replicas:   replicas,
		MaxAge:     DeadLetterMaxAge,
		Duplicates: DuplicateWindow,
	}
}

// replayConsumer creates (or updates) the durable consumer that reads the
// consumer's replays. It has the consumer's name, so replicas share it as
// they share the main one.
func replayConsumer(ctx context.Context, js jetstream.JetStream, cfg ConsumerConfig) (jetstream.Consumer, error) {
	if err := ensureReplayStream(ctx, js); err != nil {
		return nil, err
	}
	cons, err := js.CreateOrUpdateConsumer(ctx, StreamReplay, jetstream.ConsumerConfig{
		Durable:        cfg.Durable,
		FilterSubjects: []string{ReplayPrefix + cfg.Durable},
		AckPolicy:      jetstream.AckExplicitPolicy,
		AckWait:        cfg.AckWait,
		DeliverPolicy:  jetstream.DeliverAllPolicy,
		MaxDeliver:     -1, // enforced by the client, as on the main consumer
	})
	if err != nil {
		return nil, fmt.Errorf("events: create replay consumer %s: %w", cfg.Durable, err)
	}
	return cons, nil
}

// runReplays feeds the consumer's replays to dispatch until the iterator
// is drained or stopped. A failure here is logged, not returned: replays
// are an operator's extra, and the main stream must keep flowing.
func (c *Consumer) runReplays(ctx context.Context, it jetstream.MessagesContext, dispatch func(delivery)) {
	for {
		msg, err := c.next(ctx, it)
		if err != nil {
			if ctx.Err() == nil && !errors.Is(err, jetstream.ErrMsgIteratorClosed) {
				c.opts.logger.WarnContext(ctx, "events: replays stopped", "consumer", c.cfg.Durable, "error", err)
			}
			return
		}
		env, err := decode(msg.Data())
		if err != nil {
			c.process(ctx, delivery{msg: msg}, err)
			continue
		}
		dispatch(delivery{msg: msg, env: env})
	}
}

// isReplay reports whether msg came from the REPLAY stream.
func isReplay(msg jetstream.Msg) bool {
	s := msg.Subject()
	return len(s) > len(ReplayPrefix) && s[:len(ReplayPrefix)] == ReplayPrefix && msg.Headers().Get(HeaderOriginalSubject) != ""
}

// originalSubject is the subject the event was published on: the message's
// own, or for a replay the one its headers name.
func originalSubject(msg jetstream.Msg) string {
	if isReplay(msg) {
		return msg.Headers().Get(HeaderOriginalSubject)
	}
	return msg.Subject()
}

// deadLetterHeaders describes where msg came from, for its dead letter: a
// first failure from its metadata, a replay from the headers the dead
// letter it was replayed from carried, so the original stream and sequence
// survive any number of replays. It returns the headers and the dead
// letter's message id (one per stream message, consumer and replay).
func (c *Consumer) deadLetterHeaders(msg jetstream.Msg, md *jetstream.MsgMetadata, class string, now time.Time) (nats.Header, string) {
	h := nats.Header{}
	h.Set(HeaderConsumer, c.cfg.Durable)
	h.Set(HeaderDelivered, strconv.FormatUint(md.NumDelivered, 10))
	h.Set(HeaderError, class)
	if isReplay(msg) {
		in := msg.Headers()
		for _, k := range []string{HeaderOriginalSubject, HeaderOriginalStream, HeaderOriginalSequence, HeaderPublished, HeaderFirstFailed, HeaderReplays} {
			h.Set(k, in.Get(k))
		}
		if h.Get(HeaderFirstFailed) == "" {
			h.Set(HeaderFirstFailed, now.UTC().Format(time.RFC3339Nano))
		}
		id := fmt.Sprintf("%s-%s-%s-r%s", h.Get(HeaderOriginalStream), h.Get(HeaderOriginalSequence), c.cfg.Durable, h.Get(HeaderReplays))
		return h, id
	}
	h.Set(HeaderOriginalSubject, msg.Subject())
	h.Set(HeaderOriginalStream, md.Stream)
	h.Set(HeaderOriginalSequence, strconv.FormatUint(md.Sequence.Stream, 10))
	if !md.Timestamp.IsZero() {
		h.Set(HeaderPublished, md.Timestamp.UTC().Format(time.RFC3339Nano))
	}
	h.Set(HeaderFirstFailed, now.UTC().Format(time.RFC3339Nano))
	h.Set(HeaderReplays, "0")
	// One dead letter per stream message and consumer, even if the Term
	// after it is lost and the message comes round again.
	return h, fmt.Sprintf("%s-%d-%s", md.Stream, md.Sequence.Stream, c.cfg.Durable)
}
