package events

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/propagation"
	"google.golang.org/protobuf/proto"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
)

// MaxAtomicBatch is the most messages one atomic batch may hold: the
// server's default limit (jetstream max_batch_size).
const MaxAtomicBatch = 1000

// The headers of JetStream's atomic batch publish (ADR-50 of nats.io).
const (
	hdrBatchID     = "Nats-Batch-Id"
	hdrBatchSeq    = "Nats-Batch-Sequence"
	hdrBatchCommit = "Nats-Batch-Commit"
)

// AtomicError is the server's refusal of an atomic batch, which then
// stored nothing: a message's expected subject sequence did not hold (a
// create of a key that exists), a message id was a duplicate, the stream
// does not allow atomic publish, or the batch was too large.
type AtomicError struct {
	Code        int    `json:"code"`
	ErrCode     int    `json:"err_code"`
	Description string `json:"description"`
}

// Error says why the batch was refused, with the server's error code, so
// a caller's log shows it without unwrapping.
func (e *AtomicError) Error() string {
	return fmt.Sprintf("events: atomic batch refused: %s (%d)", e.Description, e.ErrCode)
}

// PublishAtomic stores msgs, all bound for one stream that allows atomic
// publish, as one JetStream atomic batch: all of them or none, and with a
// file store on one server, one fsync for the whole batch instead of one
// per message (nats-server 2.12+ coalesces the batch's syncs into one
// flush at its commit). Headers already on the messages (Nats-Msg-Id,
// Nats-Expected-Last-Subject-Sequence, trace context) keep their meaning
// per message, and any that fails refuses the whole batch with an
// *AtomicError. Returns the commit's ack: its Sequence is the last
// message's; other publishers' messages may sit between the batch's, so
// do not derive the others' sequences from it. At most MaxAtomicBatch
// messages. See docs/adr/0033-batched-durable-writes.md.
func PublishAtomic(ctx context.Context, js jetstream.JetStream, msgs []*nats.Msg) (*jetstream.PubAck, error) {
	if len(msgs) == 0 || len(msgs) > MaxAtomicBatch {
		return nil, fmt.Errorf("events: an atomic batch holds 1 to %d messages, not %d", MaxAtomicBatch, len(msgs))
	}
	nc := js.Conn()
	var raw [16]byte
	_, _ = rand.Read(raw[:]) // crypto/rand.Read never fails
	id := hex.EncodeToString(raw[:])
	for i, m := range msgs {
		if m.Header == nil {
			m.Header = nats.Header{}
		}
		m.Header.Set(hdrBatchID, id)
		m.Header.Set(hdrBatchSeq, strconv.Itoa(i+1))
		if i < len(msgs)-1 {
			// No reply: only the commit is answered, for the whole batch.
			m.Reply = ""
			if err := nc.PublishMsg(m); err != nil {
				return nil, fmt.Errorf("events: atomic batch: %w", err)
			}
			continue
		}
		m.Header.Set(hdrBatchCommit, "1")
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
	}
	resp, err := nc.RequestMsgWithContext(ctx, msgs[len(msgs)-1])
	if err != nil {
		return nil, fmt.Errorf("events: atomic batch commit: %w", err)
	}
	var ack struct {
		jetstream.PubAck
		Error *AtomicError `json:"error,omitempty"`
	}
	if err := json.Unmarshal(resp.Data, &ack); err != nil {
		return nil, fmt.Errorf("events: atomic batch commit: undecodable answer: %w", err)
	}
	if ack.Error != nil {
		return nil, ack.Error
	}
	if ack.Stream == "" {
		return nil, errors.New("events: atomic batch commit: answer without a stream")
	}
	return &ack.PubAck, nil
}

// PublishBatch publishes envs like Publish, but many at a time: in atomic
// batches of up to MaxAtomicBatch per stream, each one fsync. Only when a
// batch is refused (an event id the stream has seen in its duplicate
// window: a re-publish after a crash; or a stream without atomic publish)
// are that batch's events published one by one, where duplicates are
// dropped as usual. Every event is stored when it returns nil. One span
// covers each batch; the consumers' spans are children of the caller's
// context.
func (p *Publisher) PublishBatch(ctx context.Context, envs []*eventsv1.Envelope) error {
	for start := 0; start < len(envs); start += MaxAtomicBatch {
		chunk := envs[start:min(len(envs), start+MaxAtomicBatch)]
		if err := p.publishChunk(ctx, chunk); err != nil {
			return err
		}
	}
	return nil
}

func (p *Publisher) publishChunk(ctx context.Context, envs []*eventsv1.Envelope) error {
	ctx, span := p.tracer.Start(ctx, "publish batch")
	defer span.End()
	msgs := make([]*nats.Msg, 0, len(envs))
	for _, env := range envs {
		if env == nil || env.GetId() == "" || env.GetType() == "" {
			return errors.New("events: publish needs an envelope with id and type")
		}
		subject, err := SubjectFor(env)
		if err != nil {
			return err
		}
		data, err := proto.Marshal(env)
		if err != nil {
			return fmt.Errorf("events: marshal %s %s: %w", subject, env.GetId(), err)
		}
		msg := &nats.Msg{Subject: subject, Data: data, Header: nats.Header{}}
		msg.Header.Set(jetstream.MsgIDHeader, env.GetId())
		p.opts.prop.Inject(ctx, propagation.HeaderCarrier(msg.Header))
		msgs = append(msgs, msg)
	}
	if _, err := PublishAtomic(ctx, p.js, msgs); err == nil {
		return nil
	}
	// Refused (nothing stored) or unanswered (perhaps stored): one by one,
	// the stream drops what it already has by id.
	for _, env := range envs {
		if err := p.Publish(ctx, env); err != nil {
			return err
		}
	}
	return nil
}
