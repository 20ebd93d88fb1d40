package events

import (
	"context"
	"errors"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// OrderedInactive is the inactive threshold of the ordered consumers that
// follow a stream for as long as a process runs (the pool feeds, the
// gateway's cache evictions): how long the server keeps one nobody pulls
// from (nats.go's default is 5 minutes). A running follower pulls all the
// time, so only one left behind goes: by a process killed, or one the
// client replaced while its NATS node was down and could not delete, which
// the server counts from when that node runs again (ADR 0138).
const OrderedInactive = time.Minute

// DropOrdered deletes the server's consumer behind an ordered consumer
// that has stopped. Stopping only ends the client's pulls: the server keeps
// the consumer, listed with its pending messages growing, until its
// inactive threshold passes, and every restart of its node starts that
// count again (make down and up kept them). Best effort, within a second:
// one that cannot be deleted now goes by itself. A consumer already gone
// is no error.
func DropOrdered(js jetstream.JetStream, stream string, cons jetstream.Consumer) error {
	info := cons.CachedInfo()
	if info == nil {
		return nil // never created on the server
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := js.DeleteConsumer(ctx, stream, info.Name); err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
		return err
	}
	return nil
}
