// Package kvwatch follows a JetStream key-value bucket as nats.go's own
// watcher does, but makes the watch again as soon as the connection is
// back after NATS restarted or the client moved to another server.
//
// nats.go's watcher is an ordered consumer that lives in the server's
// memory: after a restart it is gone, and the client notices only when two
// of its 5-s idle heartbeats are missed, so every in-memory index fed by a
// watch (records, job state, data keys) stood still for 10-20 s after NATS
// came back, longer under load. A replica then answered "not found" for a
// record another replica had just stored, or kept an erased person's data
// key in its cache (ADR 0198, 0203). This watcher listens for the
// connection's reconnects and resumes from the revision after the last one
// it handed on, so nothing is skipped and nothing before it is repeated.
package kvwatch

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Retry bounds for making the watch again while JetStream is not ready
// yet (its streams still recovering, or a leader not elected): the first
// try is at once, then the pause doubles up to MaxRetryDelay.
const (
	firstRetryDelay = 100 * time.Millisecond
	// MaxRetryDelay is the longest pause between two tries to make the
	// watch again; short, because an index waits on it.
	MaxRetryDelay = 2 * time.Second
)

// Watcher is a jetstream.KeyWatcher over every key of a bucket that
// survives reconnects. Like nats.go's, it sends nil once after the
// initial values; unlike it, never again when the watch is made again.
type Watcher struct {
	kv      jetstream.KeyValue
	nc      *nats.Conn
	updates chan jetstream.KeyValueEntry
	stop    chan struct{}
	once    sync.Once
	done    chan struct{}
	remade  atomic.Int64
}

var _ jetstream.KeyWatcher = (*Watcher)(nil)

// WatchAll watches every key of kv, whose connection is nc, from the
// start. It fails as kv.WatchAll does; the watch lives until ctx ends or
// Stop is called.
func WatchAll(ctx context.Context, kv jetstream.KeyValue, nc *nats.Conn) (*Watcher, error) {
	// Listen before the first watch is made, so a reconnect between the
	// two is not missed.
	status := nc.StatusChanged(nats.CONNECTED)
	inner, err := kv.WatchAll(ctx)
	if err != nil {
		nc.RemoveStatusListener(status)
		return nil, err
	}
	w := &Watcher{
		kv: kv, nc: nc,
		updates: make(chan jetstream.KeyValueEntry, 256),
		stop:    make(chan struct{}), done: make(chan struct{}),
	}
	go w.run(ctx, inner, status)
	return w, nil
}

// Updates returns the entries in revision order; it is closed when the
// watch ends.
func (w *Watcher) Updates() <-chan jetstream.KeyValueEntry { return w.updates }

// Stop ends the watch and waits for it to let go of the connection.
func (w *Watcher) Stop() error {
	w.once.Do(func() { close(w.stop) })
	<-w.done
	return nil
}

// Remade is how many times the watch was made again after a reconnect.
func (w *Watcher) Remade() int64 { return w.remade.Load() }

func (w *Watcher) run(ctx context.Context, inner jetstream.KeyWatcher, status chan nats.Status) {
	defer close(w.done)
	defer close(w.updates)
	defer w.nc.RemoveStatusListener(status)
	defer func() { retire(inner) }()
	var last uint64
	marked := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-w.stop:
			return
		case <-status:
			next := w.remake(ctx, last)
			if next == nil {
				return
			}
			retire(inner)
			inner = next
			w.remade.Add(1)
		case e, ok := <-inner.Updates():
			if !ok {
				return
			}
			if e == nil {
				if marked {
					continue
				}
				marked = true
			} else {
				last = e.Revision()
			}
			select {
			case w.updates <- e:
			case <-ctx.Done():
				return
			case <-w.stop:
				return
			}
		}
	}
}

// remake makes the watch again from the revision after last (from the
// start when nothing came yet), trying until it succeeds or the watch
// ends (nil).
func (w *Watcher) remake(ctx context.Context, last uint64) jetstream.KeyWatcher {
	delay := firstRetryDelay
	for {
		var opts []jetstream.WatchOpt
		if last > 0 {
			opts = append(opts, jetstream.ResumeFromRevision(last+1))
		}
		next, err := w.kv.WatchAll(ctx, opts...)
		if err == nil {
			return next
		}
		select {
		case <-ctx.Done():
			return nil
		case <-w.stop:
			return nil
		case <-time.After(delay):
		}
		delay = min(2*delay, MaxRetryDelay)
	}
}

// retire stops a watch that is no longer read. Its delivery may be
// blocked on a full channel while holding the watcher's lock that its
// close needs, so it is drained until closed, apart from the caller.
func retire(inner jetstream.KeyWatcher) {
	go func() {
		_ = inner.Stop()
	}()
	go func() {
		for range inner.Updates() {
		}
	}()
}
