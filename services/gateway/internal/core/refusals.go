package core

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"google.golang.org/protobuf/proto"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/services/gateway/internal/audit"
)

// Sign-in refusals in the audit log, bounded (ADR 0221). A refusal for an
// account is one entry each: the sign-in guard lets few guesses at an
// account through (ADR 0048). Two kinds are not bounded by the guard: an
// address no account has (an attacker spraying addresses from many hosts
// gets past it), and an attempt the guard holds back (any number, each
// answered at once). Those are tallied per minute: per who was tried (no
// one, or the account), how, why and the source's network, the first of
// a minute is an entry at once (a coordinator reading the page during an
// attack sees it), the rest one entry with their count when the minute
// is over. The log then grows by at most two entries per network, kind
// and minute, however many attempts come.
//
// Every refusal is written off the answer's path, tallied or not: the
// answer to an address with an account and to one without costs the same
// (ADR 0201, 0218), where a known account's entry written during the
// answer and an unknown one counted in memory would tell them apart.

const (
	// refusalWindow is how long a tally counts before its entry.
	refusalWindow = time.Minute
	// maxTallies bounds the tallies held at once (keys: who, how, why,
	// network); past it the new ones go into one tally of no network.
	maxTallies = 4096
	// maxQueued bounds the refusals waiting to be written one by one;
	// past it they are tallied too, counted, never dropped unsaid.
	maxQueued = 4096
	// refusalWriteTimeout bounds one entry's write when NATS is away.
	refusalWriteTimeout = 10 * time.Second
)

// tallyKey is what one tally counts: refusals alike but for their time
// and the host within the network.
type tallyKey struct {
	user, role, action, resource, channel, outcome, network string
}

// tally counts one key's refusals in the minute that starts at window;
// n are those after the first, not yet written. addr is one of the
// network's addresses, for the entry (the log keeps its network).
type tally struct {
	window time.Time
	n      int32
	addr   string
	// seq names this count's checkpoint in the bucket (refusals_kv.go),
	// a new one each time the count is handed to the writer; saved is
	// the part of n the bucket holds.
	seq   uint64
	saved int32
}

// queued is an entry waiting for the writer; seq, when not 0, is the
// checkpoint of its count, which the writer takes out of the bucket
// before the entry is written (refusals_kv.go).
type queued struct {
	e   *gatewayv1.AuditEntry
	seq uint64
}

// refusals writes refusal entries in the background, one writer at a
// time, and holds the tallies.
type refusals struct {
	log    *audit.Log
	logger *slog.Logger
	now    func() time.Time

	mu      sync.Mutex
	idle    sync.Cond // broadcast when the writer stops
	queue   []queued
	tallies map[tallyKey]*tally
	writing bool
	timer   *time.Timer
	// expired is the minute up to which a full map was last cleared.
	expired time.Time

	// The counts' checkpoints, when the bucket is open (refusals_kv.go).
	ck checkpoints
}

// refusalLog is g's refusal writer, made at its first use.
func (g *Gateway) refusalLog() *refusals {
	g.refusalOnce.Do(func() {
		now := g.Now
		if now == nil {
			now = time.Now
		}
		g.refused = &refusals{log: g.Audit, logger: g.Log, now: now, tallies: map[tallyKey]*tally{},
			ck: checkpoints{revs: map[uint64]uint64{}}}
		g.refused.idle.L = &g.refused.mu
	})
	return g.refused
}

// FlushRefusals writes every refusal held (the tallies' counts so far and
// the queue) and returns once they are in the log or failed (logged), or
// when ctx ends first (the writer goes on). The server calls it as it
// stops; tests, to read what was counted.
func (g *Gateway) FlushRefusals(ctx context.Context) {
	r := g.refusalLog()
	done := make(chan struct{})
	go func() {
		defer close(done)
		r.mu.Lock()
		defer r.mu.Unlock()
		for k, t := range r.tallies {
			r.countedLocked(k, t)
		}
		r.startLocked()
		for r.writing {
			r.idle.Wait()
		}
	}()
	select {
	case <-done:
	case <-ctx.Done():
	}
}

// add takes a refusal to write: e alone, or tallied with its likes.
func (r *refusals) add(e *gatewayv1.AuditEntry, tallied bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	defer r.startLocked()
	if !tallied && len(r.queue) < maxQueued {
		r.queue = append(r.queue, queued{e: e})
		return
	}
	win := r.now().Truncate(refusalWindow)
	k := tallyKey{user: e.GetUserId(), role: e.GetRole(), action: e.GetAction(), resource: e.GetResourceType(),
		channel: e.GetChannel(), outcome: e.GetOutcome(), network: audit.Network(e.GetRemoteAddr())}
	t := r.tallies[k]
	if t == nil && len(r.tallies) >= maxTallies {
		if win.After(r.expired) { // once a minute: a full map is not walked per attempt
			r.expireLocked(win)
			r.expired = win
		}
		if len(r.tallies) >= maxTallies {
			// Full of this minute's networks: the rest share one tally
			// with no network and no account, still counted.
			k.user, k.role, k.network = "", "", ""
			e = proto.Clone(e).(*gatewayv1.AuditEntry)
			e.UserId, e.Role, e.RemoteAddr = "", "", ""
			t = r.tallies[k]
		}
	}
	switch {
	case t != nil && t.window.Equal(win):
		t.n++
		r.checkpointSoonLocked()
		return
	case t != nil:
		r.countedLocked(k, t)
	}
	r.ck.seq++
	r.tallies[k] = &tally{window: win, addr: e.GetRemoteAddr(), seq: r.ck.seq}
	r.queue = append(r.queue, queued{e: e}) // the first of its minute, at once
	r.armLocked()
}

// countedLocked queues t's count, if any, as one entry and zeroes it.
func (r *refusals) countedLocked(k tallyKey, t *tally) {
	if t.n == 0 {
		return
	}
	r.queue = append(r.queue, queued{seq: t.seq, e: &gatewayv1.AuditEntry{UserId: k.user, Role: k.role, Action: k.action,
		ResourceType: k.resource, Channel: k.channel, Outcome: k.outcome, RemoteAddr: t.addr, Count: t.n}})
	t.n, t.saved = 0, 0
	r.ck.seq++
	t.seq = r.ck.seq // counted again, the count is a new checkpoint
}

// expireLocked queues the counts of the tallies whose minute is over
// (before win) and forgets them.
func (r *refusals) expireLocked(win time.Time) {
	for k, t := range r.tallies {
		if t.window.Before(win) {
			r.countedLocked(k, t)
			delete(r.tallies, k)
		}
	}
}

// armLocked makes sure a timer ends the minutes of the tallies held.
func (r *refusals) armLocked() {
	if r.timer != nil || len(r.tallies) == 0 {
		return
	}
	now := r.now()
	next := now.Truncate(refusalWindow).Add(refusalWindow)
	r.timer = time.AfterFunc(next.Sub(now)+time.Second, r.tick)
}

// tick writes the counts of the minutes that are over.
func (r *refusals) tick() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.timer = nil
	r.expireLocked(r.now().Truncate(refusalWindow))
	r.startLocked()
	r.armLocked()
}

// startLocked starts the writer if there is something to write and no
// writer runs.
func (r *refusals) startLocked() {
	if r.writing || (len(r.queue) == 0 && !r.ck.due) {
		return
	}
	r.writing = true
	go r.write()
}

// write writes the queue in order until it is empty, and the tallies'
// checkpoints when they are due (refusals_kv.go): one goroutine does
// every write, so a checkpoint and its removal never cross. A refusal
// whose entry failed is logged (its answer is given already).
func (r *refusals) write() {
	r.mu.Lock()
	for len(r.queue) > 0 || r.ck.due {
		if r.ck.due {
			r.checkpointLocked()
			continue
		}
		q := r.queue[0]
		r.queue[0] = queued{}
		r.queue = r.queue[1:]
		r.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), refusalWriteTimeout)
		if r.release(ctx, q.seq) {
			if err := r.log.Record(ctx, q.e); err != nil {
				r.logger.ErrorContext(ctx, "audit entry not written", "err", err)
			}
		}
		cancel()
		r.mu.Lock()
	}
	r.writing = false
	r.idle.Broadcast()
	r.mu.Unlock()
}
