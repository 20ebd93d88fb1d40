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
//
// It also decides itself when the initial values are done (the nil
// entry), from the bucket's stream (firstpass.go): nats.go's watcher
// waits for as many messages as were pending when it began, or one with
// nothing after it, and a message deleted or purged before it was
// delivered is never delivered, so in a bucket nobody writes any more its
// first pass never ended (ADR 0238's addendum, ADR 0243); and its nil
// counts only what its consumer's replica held, which on a stream just
// restored may be nothing yet (ADR 0250).
package kvwatch

import (
	"context"
	"log/slog"
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
	js      jetstream.JetStream
	nc      *nats.Conn
	log     *slog.Logger
	updates chan jetstream.KeyValueEntry
	stop    chan struct{}
	once    sync.Once
	done    chan struct{}
	remade  atomic.Int64
	// short is the stream leader's last message when the first pass
	// ended by ADR 0243's fallback before the watch handed it on; 0 when
	// the pass ended with everything (Short).
	short atomic.Uint64
	// hooks are a test's (SetTestHooks), read once at the start.
	hooks *TestHooks
}

var _ jetstream.KeyWatcher = (*Watcher)(nil)

// WatchAll watches every key of kv, opened with js, from the start. It
// fails as kv.WatchAll does; the watch lives until ctx ends or Stop is
// called. The initial values end with nil once every message the bucket
// still holds from before has been handed on (firstpass.go).
func WatchAll(ctx context.Context, kv jetstream.KeyValue, js jetstream.JetStream) (*Watcher, error) {
	nc := js.Conn()
	// Listen before the first watch is made, so a reconnect between the
	// two is not missed.
	status := nc.StatusChanged(nats.CONNECTED)
	inner, err := kv.WatchAll(ctx)
	if err != nil {
		nc.RemoveStatusListener(status)
		return nil, err
	}
	w := &Watcher{
		kv: kv, js: js, nc: nc, log: slog.Default().With("bucket", kv.Bucket()),
		updates: make(chan jetstream.KeyValueEntry, 256),
		stop:    make(chan struct{}), done: make(chan struct{}),
		hooks: testHooksFor(kv.Bucket()),
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

// Short is, once the first pass's nil has been handed on, the revision
// the pass did not reach: the bucket's last message at the stream's
// leader when the pass ended by ADR 0243's fallback (15 s with a message
// left and nothing delivered), which a watch on a replica whose catch-up
// stalls meets too. 0 when the pass ended with everything the bucket
// held. What follows the nil still comes in order: a reader that must
// not answer from a partial copy waits for a revision at or after Short
// (pkg/store, ADR 0255).
func (w *Watcher) Short() uint64 { return w.short.Load() }

func (w *Watcher) run(ctx context.Context, inner jetstream.KeyWatcher, status chan nats.Status) {
	defer close(w.done)
	defer close(w.updates)
	defer w.nc.RemoveStatusListener(status)
	defer func() { retire(inner) }()
	var last uint64
	marked := false
	// While the initial values are not done, the stream is asked whether
	// anything is left for the watch whenever it has been quiet a while.
	pass := firstPass{w: w}
	quiet := time.NewTimer(firstQuiet)
	defer quiet.Stop()
	send := func(e jetstream.KeyValueEntry) bool {
		select {
		case w.updates <- e:
			return true
		case <-ctx.Done():
		case <-w.stop:
		}
		return false
	}
	for {
		var tick <-chan time.Time
		if !marked {
			tick = quiet.C
		}
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
		case <-tick:
			if pass.ended(ctx, last, len(inner.Updates())) {
				if pass.fellBack {
					w.short.Store(pass.upTo)
				}
				marked = true
				if !send(nil) {
					return
				}
				continue
			}
			if pass.behind {
				// Nothing came since nats.go's early nil: a consumer
				// made again, counted on a replica chosen again.
				pass.behind = false
				next := w.remake(ctx, last)
				if next == nil {
					return
				}
				retire(inner)
				inner = next
			}
			quiet.Reset(pass.pause())
		case e, ok := <-inner.Updates():
			if !ok {
				return
			}
			if e == nil {
				if marked {
					continue
				}
				if !pass.confirms(ctx, last) {
					quiet.Reset(firstQuiet)
					continue
				}
				marked = true
				if !send(nil) {
					return
				}
				continue
			}
			if h := w.hooks; h != nil && h.Drop != nil && h.Drop(e.Revision()) {
				continue // a test's delivery that never came
			}
			last = e.Revision()
			if !send(e) {
				return
			}
			if !marked {
				if pass.reached(last) {
					marked = true
					if !send(nil) {
						return
					}
					continue
				}
				pass.moved()
				quiet.Reset(firstQuiet)
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
