package store

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	storev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/store/v1"
)

// AsyncPublisher publishes many events with one wait for all their
// acknowledgements; pkg/events.Publisher implements it. The relay uses it
// when Config.Publisher does, so the events a crashed writer left behind
// go out together rather than one round trip after another.
type AsyncPublisher interface {
	// PublishAll returns one error per event, in order; parent gives the
	// context each publish continues.
	PublishAll(ctx context.Context, envs []*eventsv1.Envelope, parent func(i int) context.Context) []error
}

// owedEntry is a live record the relay found owing events.
type owedEntry struct {
	key string
	rev uint64
	rec *storev1.Record
}

// relayClearers bounds the clearing writes the relay runs at once.
const relayClearers = 16

// relayPublishWait bounds the relay's wait for its publishes'
// acknowledgements. An asynchronous publish whose acknowledgement is lost
// (its node cut off mid-publish) never completes by itself, and the
// relay's context never ends while the repository is open: without a bound
// the relay waited forever and relayed nothing again, so the events of any
// later write whose outcome was unknown never went out
// (TestCluster_AmbiguousWriteKeepsItsEvent, second window). What is not
// acknowledged in time is published again next round; the stream drops
// the copies.
const relayPublishWait = 10 * time.Second

// relayAll publishes the events of every entry at once (one wait), then
// clears each entry whose events all went out, several at a time; an
// entry with a failed publish stays for the next round.
func (r *Repo[T]) relayAll(ctx context.Context, owed []owedEntry) {
	if len(owed) == 0 {
		return
	}
	ap := r.cfg.Publisher.(AsyncPublisher)
	var envs []*eventsv1.Envelope
	var parents []context.Context
	var of []int // entry index per event
	for i, o := range owed {
		for _, ev := range o.rec.GetOutbox() {
			envs = append(envs, ev)
			parents = append(parents, r.writeTrace(ctx, o.rec, ev.GetId()))
			of = append(of, i)
		}
	}
	pctx, cancel := context.WithTimeout(ctx, relayPublishWait)
	errs := ap.PublishAll(pctx, envs, func(i int) context.Context { return parents[i] })
	cancel()
	failed := make([]bool, len(owed))
	sent := 0
	for i, err := range errs {
		if err != nil {
			failed[of[i]] = true
			r.log.Warn("store: relay failed, will retry", "key", owed[of[i]].key, "err", err)
			continue
		}
		sent++
	}
	r.published.Add(ctx, int64(sent), r.inBucket)
	sem := make(chan struct{}, relayClearers)
	var wg sync.WaitGroup
	for i, o := range owed {
		if failed[i] {
			continue
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			clean := storedPart(o.rec)
			carryRequest(clean, o.rec, o.rev)
			_, err := r.write(ctx, o.key, clean, o.rev)
			if err != nil && !errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
				// A newer write carried the events on (mismatch), or the
				// next round publishes them again (duplicates dropped).
				r.log.Warn("store: relay could not clear an outbox, will retry", "key", o.key, "err", err)
			}
		})
	}
	wg.Wait()
}
