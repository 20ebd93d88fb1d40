// Package jsbatch publishes JetStream atomic batches: many messages to one
// stream stored all or none, and, on a file store, synced once at the
// commit instead of once per message. It sits below pkg/events and
// pkg/seal so both can write in batches (docs/adr/0033, 0140).
package jsbatch

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
)

// Max is the most messages one atomic batch may hold: the
// server's default limit (jetstream max_batch_size).
const Max = 1000

// The headers of JetStream's atomic batch publish (ADR-50 of nats.io),
// which Publish sets on each message; a caller that sends a refused
// batch's messages again one by one removes them first.
const (
	HeaderID     = "Nats-Batch-Id"
	HeaderSeq    = "Nats-Batch-Sequence"
	HeaderCommit = "Nats-Batch-Commit"
)

// Error is the server's refusal of an atomic batch, which then
// stored nothing: a message's expected subject sequence did not hold (a
// create of a key that exists), a message id was a duplicate, the stream
// does not allow atomic publish, or the batch was too large.
type Error struct {
	Code        int    `json:"code"`
	ErrCode     int    `json:"err_code"`
	Description string `json:"description"`
}

// Error says why the batch was refused, with the server's error code, so
// a caller's log shows it without unwrapping.
func (e *Error) Error() string {
	return fmt.Sprintf("jsbatch: atomic batch refused: %s (%d)", e.Description, e.ErrCode)
}

// Publish stores msgs, all bound for one stream that allows atomic
// publish, as one JetStream atomic batch: all of them or none, and with a
// file store on one server, one fsync for the whole batch instead of one
// per message (nats-server 2.12+ coalesces the batch's syncs into one
// flush at its commit). Headers already on the messages (Nats-Msg-Id,
// Nats-Expected-Last-Subject-Sequence, trace context) keep their meaning
// per message, and any that fails refuses the whole batch with an
// *Error. Returns the commit's ack: its Sequence is the last
// message's; other publishers' messages may sit between the batch's, so
// do not derive the others' sequences from it. At most Max
// messages. See docs/adr/0033-batched-durable-writes.md.
func Publish(ctx context.Context, js jetstream.JetStream, msgs []*nats.Msg) (*jetstream.PubAck, error) {
	if len(msgs) == 0 || len(msgs) > Max {
		return nil, fmt.Errorf("jsbatch: an atomic batch holds 1 to %d messages, not %d", Max, len(msgs))
	}
	nc := js.Conn()
	var raw [16]byte
	_, _ = rand.Read(raw[:]) // crypto/rand.Read never fails
	id := hex.EncodeToString(raw[:])
	for i, m := range msgs {
		if m.Header == nil {
			m.Header = nats.Header{}
		}
		m.Header.Set(HeaderID, id)
		m.Header.Set(HeaderSeq, strconv.Itoa(i+1))
		if i < len(msgs)-1 {
			// No reply: only the commit is answered, for the whole batch.
			m.Reply = ""
			if err := nc.PublishMsg(m); err != nil {
				return nil, fmt.Errorf("jsbatch: atomic batch: %w", err)
			}
			continue
		}
		m.Header.Set(HeaderCommit, "1")
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
	}
	resp, err := nc.RequestMsgWithContext(ctx, msgs[len(msgs)-1])
	if err != nil {
		return nil, fmt.Errorf("jsbatch: atomic batch commit: %w", err)
	}
	var ack struct {
		jetstream.PubAck
		Error *Error `json:"error,omitempty"`
	}
	if err := json.Unmarshal(resp.Data, &ack); err != nil {
		return nil, fmt.Errorf("jsbatch: atomic batch commit: undecodable answer: %w", err)
	}
	if ack.Error != nil {
		return nil, ack.Error
	}
	if ack.Stream == "" {
		return nil, errors.New("jsbatch: atomic batch commit: answer without a stream")
	}
	return &ack.PubAck, nil
}
