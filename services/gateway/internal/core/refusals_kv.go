package core

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/ensure"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
)

// The refusals' counts survive a kill (ADR 0263). ADR 0221 counts a
// key's refusals after the first of a minute in memory and writes them
// when the minute is over: a gateway killed with kill -9 lost up to 61 s
// of counts. Now each count not yet in the bucket RefusalBucket is put
// there at most checkpointEvery after it grew (one write per tally and
// second, however many attempts: the bound ADR 0221 kept against a write
// per attempt), under a key of this process's own (instance.seq), and
// taken out by the writer just before the count's entry is written. A
// checkpoint whose process did not take it out (killed) is written by
// any gateway's sweep once its minute is over by takeoverAfter, and the
// sweep decides who writes it by deleting at its revision: of two
// gateways, or a slow owner and a sweep, one delete succeeds and one
// entry is written. The log keeps its bound: the minute's first entry
// and one count entry per key, minute and process.
//
// A checkpoint holds what the count entry will hold and nothing more:
// the count, the minute, the account's id or none, role, action, record
// type, channel, outcome and the network (/24 or /48), never an address
// typed or a host's own address.

const (
	// RefusalBucket is the gateway's bucket of the refusals' counts not
	// yet written to the audit log.
	RefusalBucket = "gateway-refusals"
	// checkpointEvery is the longest a count stays in memory alone: what
	// a kill -9 loses at most (with the write's own time).
	checkpointEvery = time.Second
	// takeoverAfter is how long after a checkpoint's minute is over a
	// sweep takes it over from its process: the owner writes it one
	// second after the minute, so one still there this long after is a
	// dead process's (a slow owner and the sweep still write it once).
	takeoverAfter = 30 * time.Second
	// sweepEvery is how often a gateway looks for such checkpoints.
	sweepEvery = 30 * time.Second
	// refusalsKept is the bucket's TTL: a checkpoint no gateway swept
	// within it (no gateway ran for an hour) is lost, as before.
	refusalsKept = time.Hour
	// refusalsMaxBytes bounds the bucket: a checkpoint is about 250
	// bytes, 4,097 tallies per gateway about 1 MiB.
	refusalsMaxBytes = 16 << 20
	// checkpointTimeout bounds one request to the bucket.
	checkpointTimeout = 2 * time.Second
)

// checkpoints is the refusals' state of the bucket, under refusals.mu.
type checkpoints struct {
	kv       jetstream.KeyValue
	instance string // this process's key prefix, random at its start
	seq      uint64 // the last tally's checkpoint number given
	// revs are the checkpoints this process put: number to revision.
	revs map[uint64]uint64
	// stale are checkpoints whose count was written but whose delete
	// failed (NATS away): key to revision, deleted again by the next
	// sweep, before another gateway's would write them a second time.
	stale map[string]uint64
	due   bool        // the writer is to put the grown counts
	timer *time.Timer // makes due checkpointEvery after a count grew
}

// checkpoint is a count's value in the bucket.
type checkpoint struct {
	Minute   int64  `json:"minute"` // unix seconds of the minute's start
	Count    int32  `json:"count"`
	User     string `json:"user,omitempty"`
	Role     string `json:"role,omitempty"`
	Action   string `json:"action,omitempty"`
	Resource string `json:"resource,omitempty"`
	Channel  string `json:"channel,omitempty"`
	Outcome  string `json:"outcome,omitempty"`
	Network  string `json:"network,omitempty"`
}

// CheckpointRefusals makes the bucket of the refusals' counts at
// replicas (or brings it to its configuration), keeps this gateway's
// counts there from now on, and sweeps it, now and every sweepEvery
// until ctx ends, for the counts of gateways that died (ADR 0263). An
// error leaves the counts in memory alone, as before.
func (g *Gateway) CheckpointRefusals(ctx context.Context, js jetstream.JetStream, replicas int) error {
	kv, err := ensure.KeyValue(ctx, js, jetstream.KeyValueConfig{Bucket: RefusalBucket, History: 1, TTL: refusalsKept,
		MaxBytes: refusalsMaxBytes, MaxValueSize: 1024, Storage: jetstream.FileStorage, Replicas: max(replicas, 1)})
	if err != nil {
		return fmt.Errorf("open bucket %s: %w", RefusalBucket, err)
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	r := g.refusalLog()
	r.mu.Lock()
	r.ck.kv, r.ck.instance = kv, hex.EncodeToString(b[:])
	r.mu.Unlock()
	go func() {
		t := time.NewTicker(sweepEvery)
		defer t.Stop()
		for {
			r.sweep(ctx)
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return nil
}

// checkpointSoonLocked makes the grown counts due checkpointEvery from
// now, if the bucket is open and nothing made them due already.
func (r *refusals) checkpointSoonLocked() {
	if r.ck.kv == nil || r.ck.timer != nil || r.ck.due {
		return
	}
	r.ck.timer = time.AfterFunc(checkpointEvery, func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.ck.timer = nil
		r.ck.due = true
		r.startLocked()
	})
}

// key is the bucket's key of this process's checkpoint seq.
func (c *checkpoints) key(seq uint64) string { return c.instance + "." + strconv.FormatUint(seq, 10) }

// checkpointLocked puts every count grown since its last checkpoint; the
// writer calls it, with r.mu held, which it lets go during the requests.
func (r *refusals) checkpointLocked() {
	r.ck.due = false
	type put struct {
		t   *tally
		seq uint64
		n   int32
		val []byte
	}
	var puts []put
	for k, t := range r.tallies {
		if t.n <= t.saved {
			continue
		}
		val, _ := json.Marshal(checkpoint{Minute: t.window.Unix(), Count: t.n, User: k.user, Role: k.role, Action: k.action,
			Resource: k.resource, Channel: k.channel, Outcome: k.outcome, Network: k.network})
		puts = append(puts, put{t: t, seq: t.seq, n: t.n, val: val})
	}
	kv := r.ck.kv
	r.mu.Unlock()
	failed := 0
	for _, p := range puts {
		ctx, cancel := context.WithTimeout(context.Background(), checkpointTimeout)
		rev, err := kv.Put(ctx, r.ck.key(p.seq), p.val)
		cancel()
		r.mu.Lock()
		if err == nil {
			r.ck.revs[p.seq] = rev
			if p.t.seq == p.seq { // else its count went to the writer meanwhile, which removes this one
				p.t.saved = max(p.t.saved, p.n)
			}
		} else {
			failed++
		}
		r.mu.Unlock()
	}
	if failed > 0 {
		r.logger.Warn("sign-in refusals' counts not kept in the bucket; a crash would lose them", "bucket", RefusalBucket,
			"tallies", failed)
	}
	r.mu.Lock()
}

// release takes checkpoint seq out of the bucket before its count's
// entry is written and reports whether to write it: false when another
// gateway's sweep took it (and wrote the entry). A checkpoint never put
// (0, or its count not grown a second) has nothing to take out; a NATS
// that does not answer leaves it for the TTL, and the entry is written.
func (r *refusals) release(ctx context.Context, seq uint64) bool {
	if seq == 0 {
		return true
	}
	r.mu.Lock()
	rev, ok := r.ck.revs[seq]
	delete(r.ck.revs, seq)
	kv := r.ck.kv
	r.mu.Unlock()
	if !ok {
		return true
	}
	err := kv.Delete(ctx, r.ck.key(seq), jetstream.LastRevision(rev))
	if wrongRevision(err) {
		return false
	}
	if err != nil {
		r.logger.WarnContext(ctx, "a sign-in refusals' count not taken out of the bucket", "bucket", RefusalBucket, "err", err)
		r.mu.Lock()
		if r.ck.stale == nil {
			r.ck.stale = map[string]uint64{}
		}
		r.ck.stale[r.ck.key(seq)] = rev
		r.mu.Unlock()
	}
	return true
}

// dropStale deletes again the checkpoints whose delete failed; one taken
// meanwhile (another gateway wrote it too) cannot be helped.
func (r *refusals) dropStale(ctx context.Context, kv jetstream.KeyValue) {
	r.mu.Lock()
	stale := maps.Clone(r.ck.stale)
	r.mu.Unlock()
	for k, rev := range stale {
		err := kv.Delete(ctx, k, jetstream.LastRevision(rev))
		if err == nil || wrongRevision(err) {
			r.mu.Lock()
			delete(r.ck.stale, k)
			r.mu.Unlock()
		}
	}
}

// wrongRevision reports whether err is a write refused because the key
// is not at the revision given.
func wrongRevision(err error) bool {
	var apiErr *jetstream.APIError
	return errors.Is(err, jetstream.ErrKeyExists) || (errors.As(err, &apiErr) &&
		(apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence ||
			apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant))
}

// sweep writes the counts other processes left in the bucket whose
// minute is over by takeoverAfter: each one it deletes at its revision
// (the one delete that succeeds decides who writes it) is one entry.
func (r *refusals) sweep(ctx context.Context) {
	r.mu.Lock()
	kv, mine := r.ck.kv, r.ck.instance+"."
	r.mu.Unlock()
	if kv == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, refusalWriteTimeout)
	defer cancel()
	r.dropStale(ctx, kv)
	keys, err := kv.ListKeys(ctx)
	if err != nil {
		r.logger.WarnContext(ctx, "sign-in refusals' counts left by other gateways not read", "bucket", RefusalBucket, "err", err)
		return
	}
	var names []string
	for k := range keys.Keys() {
		if !strings.HasPrefix(k, mine) {
			names = append(names, k)
		}
	}
	var found []*gatewayv1.AuditEntry
	for _, k := range names {
		ent, err := kv.Get(ctx, k)
		if err != nil {
			continue // taken meanwhile, or NATS away: the next sweep
		}
		var c checkpoint
		if json.Unmarshal(ent.Value(), &c) != nil || c.Count <= 0 {
			_ = kv.Delete(ctx, k, jetstream.LastRevision(ent.Revision())) // nothing to write
			continue
		}
		if r.now().Before(time.Unix(c.Minute, 0).Add(refusalWindow + takeoverAfter)) {
			continue // its minute, or its owner's writing of it, is not over
		}
		if err := kv.Delete(ctx, k, jetstream.LastRevision(ent.Revision())); err != nil {
			continue // another gateway took it, or NATS away: then the next sweep
		}
		var addr string // a host of the network: the log keeps the network
		if p, err := netip.ParsePrefix(c.Network); err == nil {
			addr = p.Addr().String()
		}
		found = append(found, &gatewayv1.AuditEntry{UserId: c.User, Role: c.Role, Action: c.Action, ResourceType: c.Resource,
			Channel: c.Channel, Outcome: c.Outcome, RemoteAddr: addr, Count: c.Count})
	}
	if len(found) == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range found {
		r.queue = append(r.queue, queued{e: e})
	}
	r.startLocked()
}
