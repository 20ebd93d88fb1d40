package kvwatch

import (
	"context"
	"time"

	"github.com/motesplats/motesplats/pkg/store/leader"
)

// The first pass's end is asked of the stream after the watch has been
// quiet firstQuiet, then again after pauses doubling up to MaxRetryDelay
// while something is still left. A watch whose next message is still the
// same one after stuckWait is ended anyway (logged): see firstPass.ended.
const (
	firstQuiet = 200 * time.Millisecond
	stuckWait  = 15 * time.Second
)

// firstPass decides from the bucket's stream when a watch has handed on
// everything the bucket held at its start (ADR 0243).
//
// nats.go's watcher is an ordered consumer delivering the last message of
// each key, in stream order, then every new one. It sends its nil after as
// many messages as were pending when the consumer was made, or after one
// with none pending behind it. A message securely deleted, purged or
// expired after the one before it was delivered is never delivered and
// leaves neither: in a bucket nobody writes any more the nil never came.
// Here upTo is the bucket's last stored message, read from the stream's
// leader once the watch goes quiet (after the consumer was made, so at or
// after everything it was to deliver first). The pass is over when the
// watch has handed on upTo or a later revision, or when the leader holds
// no message between the last one handed on and upTo: every message still
// there from the start has been delivered, and the deleted ones never
// will be. A deleted message lowers the stream's message count but not its
// last sequence, and a purge moves its first sequence, so neither the
// stream's state counts nor nats.go's pending count say this. nats.go's
// own nil ends the pass when the leader confirms it (confirms): it counts
// only what the consumer's replica held, which may be behind (ADR 0250).
type firstPass struct {
	w     *Watcher
	upTo  uint64
	known bool
	delay time.Duration
	// stuck is the next message found by the last check, since
	// stuckSince: the same one found again and again while nothing is
	// delivered is a message the consumer will not deliver (the newest
	// revision of a key deleted and an older one kept, which no bucket
	// here does).
	stuck      uint64
	stuckSince time.Time
	// seen is last+1 when the previous check found nothing left after
	// last: the end is decided by a second check a quiet while later
	// with nothing delivered between. Messages the server sent before
	// it answered the first may still be on their way through nats.go's
	// delivery to the watch; they come before that answer on the
	// connection, so they are in the client, and reach the watch long
	// before the second check.
	seen uint64
	// behind is set when nats.go ended its first pass before the leader's
	// last message (confirms): its consumer is on a replica behind. The
	// next check that finds nothing delivered since makes the watch again
	// from after the last revision handed on, on a replica chosen anew
	// and counted then, rather than wait for the old one's heartbeat.
	behind bool
	// fellBack is set when the pass ended by the stuck bound, short of
	// upTo (Watcher.Short).
	fellBack bool
}

// confirms reports whether nats.go's own nil, which came with last the
// last revision handed on, ends the pass: whether the stream's leader
// holds nothing from the start after last. nats.go counts what the
// consumer had pending when it was made, and the consumer is made on any
// replica of the stream, one behind among them: a stream just restored
// whose other replicas were still catching up gave 0 pending, so the
// nil came at once and an index opened empty (ADR 0250). A replica's
// catch-up does not wake the consumers on it either: they deliver what
// came at their next idle heartbeat, 5 s later. One leader read (two when
// last is behind the leader's last: a deleted message is not waited for,
// as in ended); no second check, since nothing nats.go delivered before
// its nil is still on its way. An error (no leader) is "not yet".
func (p *firstPass) confirms(ctx context.Context, last uint64) bool {
	next, ok := p.leftAfter(ctx, last)
	if !ok {
		return false
	}
	if next == 0 {
		return true
	}
	p.w.log.Info("kvwatch: the watch's replica is behind the stream's leader; its first pass goes on",
		"last", last, "upTo", p.upTo)
	p.behind = true
	return false
}

// leftAfter asks the stream's leader for the first message from the start
// stored after last, the revision last handed on: next is its sequence, 0
// when there is none (a message deleted or purged since is not waited
// for). ok is false when the leader could not be asked (no leader, NATS
// away): "not yet", the next check asks again.
func (p *firstPass) leftAfter(ctx context.Context, last uint64) (next uint64, ok bool) {
	bucket := p.w.kv.Bucket()
	if !p.known {
		upTo, _, err := leader.Last(ctx, p.w.js, bucket) // 0 when none
		if err != nil {
			p.w.log.Debug("kvwatch: the bucket's last message could not be read", "error", err)
			return 0, false
		}
		p.upTo, p.known = upTo, true
	}
	if last >= p.upTo {
		return 0, true
	}
	next, found, err := leader.Next(ctx, p.w.js, bucket, last+1)
	if err != nil {
		p.w.log.Debug("kvwatch: the bucket's next message could not be read", "error", err)
		return 0, false
	}
	if !found || next > p.upTo {
		return 0, true
	}
	return next, true
}

// reached reports whether last, just handed on, is at or after upTo: the
// consumer delivers in stream order, so everything before came first.
// Not when the bucket held nothing (upTo 0): entries the server sent
// before may still arrive, and a check decides.
func (p *firstPass) reached(last uint64) bool { return p.known && p.upTo > 0 && last >= p.upTo }

// moved notes that the watch handed something on: the checks start over.
func (p *firstPass) moved() { p.delay, p.stuck, p.seen, p.behind = 0, 0, 0, false }

// nothingLeft is true on the second check in a row that found nothing
// left after last (see seen).
func (p *firstPass) nothingLeft(last uint64) bool {
	if p.seen == last+1 {
		return true
	}
	p.seen, p.delay = last+1, 0
	return false
}

// pause is how long to wait before the next check.
func (p *firstPass) pause() time.Duration {
	p.delay = min(2*max(p.delay, firstQuiet/2), MaxRetryDelay)
	return p.delay
}

// ended asks the stream's leader whether anything from the start is left
// after last, the revision last handed on; buffered is how many entries
// the inner watch holds not yet read. An error (no leader, NATS away) is
// "not yet": the next check asks again.
func (p *firstPass) ended(ctx context.Context, last uint64, buffered int) bool {
	if buffered > 0 {
		return false // delivered already, not yet handed on
	}
	next, ok := p.leftAfter(ctx, last)
	if !ok {
		return false
	}
	if next == 0 {
		if !p.nothingLeft(last) {
			return false
		}
		// Logged: when last is short of the leader's last message, it
		// means messages were removed while the watch began, which
		// nats.go's watcher would have waited for for ever.
		p.w.log.Info("kvwatch: initial values done by the stream's state", "last", last, "upTo", p.upTo)
		return true
	}
	now := time.Now()
	if next != p.stuck {
		p.stuck, p.stuckSince = next, now
		return false
	}
	wait := stuckWait
	if h := p.w.hooks; h != nil && h.StuckWait > 0 {
		wait = h.StuckWait
	}
	if now.Sub(p.stuckSince) < wait {
		return false
	}
	p.w.log.Warn("kvwatch: initial values ended without a message the watch was not delivered",
		"last", last, "next", next, "upTo", p.upTo, "waited", wait.String())
	p.fellBack = true
	return true
}
