package events

import (
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// AsyncAckTimeout bounds how long an asynchronous publish waits for its
// acknowledgement. nats.go waits forever by default: an ack lost in a
// partition would then keep its future pending for the life of the
// process, and once MaxPending (4,000) futures are stuck every later
// asynchronous publish (the relay's, the key pool's, job proposals) stalls.
// With the bound the future fails with jetstream.ErrAsyncPublishTimeout and
// the caller's own rule applies: the relay publishes again, the key pool
// leaves the id out. Ten seconds is twice the job lease (ADR 0058), far
// above a healthy ack (milliseconds) and a leader election (seconds).
const AsyncAckTimeout = 10 * time.Second

// JetStream returns the JetStream handle every process uses: the library's
// defaults, except that asynchronous acks are waited for at most
// AsyncAckTimeout.
func JetStream(nc *nats.Conn) (jetstream.JetStream, error) {
	return jetstream.New(nc, jetstream.WithPublishAsyncTimeout(AsyncAckTimeout))
}
