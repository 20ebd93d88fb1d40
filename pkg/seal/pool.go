package seal

import (
	"context"
	"crypto/rand"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/jsbatch"
)

// Pool hands out ids for new people whose data keys are already stored,
// so creating a person costs no key write on the caller's path: the key
// was written before anyone could use the id, and a crash at any point
// leaves no record without its key (docs/adr/0034-one-write-per-create.md).
//
// The pool fills itself in the background with about half a second of
// the recent create rate, starting a fill when less than half of that is
// left, so a busy pool writes hundreds of keys at a time: those as one
// JetStream atomic batch, stored with one fsync instead of one per key
// (about a fifth of the CPU per key, docs/adr/0140), and small fills as
// asynchronous publishes with one wait. Below a few creates a second it
// keeps nothing and New falls back to the id source (the key is then made
// on first Seal, as without a pool). Ids are UUIDv7, ordered by when they
// were made, so a pooled id older than MaxAge is not handed out: its key
// (which sealed nothing) is deleted and the next one taken. It is safe
// for concurrent use and implements ids.Source.
type Pool struct {
	k     *Keyring
	newID func() string
	opts  PoolOptions

	mu      sync.Mutex
	ready   []pooled  // oldest first
	filling bool      // a fill is under way
	window  time.Time // start of the current one-second window
	inWin   int       // ids taken in the current window
	rate    int       // ids taken in the last full window
	stale   []string  // ids whose keys await deletion
	closed  bool
	wg      sync.WaitGroup
}

type pooled struct {
	id string
	at time.Time
}

// PoolOptions tune a Pool; zero values take the defaults.
type PoolOptions struct {
	// Max bounds the keys kept ready (default 2048: half a second at
	// 4,000 creates a second).
	Max int
	// MaxAge is how old a ready id may be when handed out (default 3s).
	MaxAge time.Duration
	// MinRate is the creates per second below which nothing is kept
	// ready (default 4).
	MinRate int
}

// NewPool returns a pool of ids made by newID with their keys stored.
// Close it to stop its background work.
func (k *Keyring) NewPool(newID func() string, o PoolOptions) *Pool {
	if o.Max <= 0 {
		o.Max = 2048
	}
	if o.MaxAge <= 0 {
		o.MaxAge = 3 * time.Second
	}
	if o.MinRate <= 0 {
		o.MinRate = 4
	}
	return &Pool{k: k, newID: newID, opts: o, window: time.Now()}
}

// New returns an id whose data key is stored, from the pool when one is
// ready, or else a fresh one from the id source. It never waits for the
// disk.
func (p *Pool) New() string {
	now := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	if el := now.Sub(p.window); el >= time.Second {
		p.rate = p.inWin
		if el >= 2*time.Second {
			p.rate = 0 // a quiet second in between
		}
		p.window, p.inWin = now, 0
	}
	p.inWin++
	for len(p.ready) > 0 && now.Sub(p.ready[0].at) > p.opts.MaxAge {
		p.stale = append(p.stale, p.ready[0].id)
		p.ready = p.ready[1:]
	}
	id := ""
	if len(p.ready) > 0 {
		id = p.ready[0].id
		p.ready = p.ready[1:]
	}
	p.refillLocked()
	if id == "" {
		id = p.newID()
	}
	return id
}

// Ready returns how many ids with stored keys wait in the pool.
func (p *Pool) Ready() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.ready)
}

// refillLocked starts a fill up to half a second of the recent rate when
// the pool holds less than half of that, and the deletion of stale keys.
// Filling only from half empty makes each fill large: one atomic batch's
// cost is mostly fixed, so many small ones would cost more than they save.
func (p *Pool) refillLocked() {
	if p.closed || p.filling {
		return
	}
	rate := max(p.rate, p.inWin)
	want := 0
	if rate >= p.opts.MinRate {
		want = min(p.opts.Max, (rate+1)/2)
	}
	n := want - len(p.ready)
	if 2*len(p.ready) >= want {
		n = 0
	}
	if n <= 0 && len(p.stale) == 0 {
		return
	}
	stale := p.stale
	p.stale = nil
	p.filling = true
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		made := p.fill(ctx, max(n, 0))
		p.drop(ctx, stale)
		p.mu.Lock()
		p.ready = append(p.ready, made...)
		p.filling = false
		p.mu.Unlock()
	}()
}

// atomicFill is the fill size from which the keys go as one atomic
// batch: a batch costs the server about 2 ms of CPU however small (it
// stages the batch in a store of its own), a synced single write about
// 80 µs, so below a few dozen keys single writes are cheaper.
const atomicFill = 32

// newKey is one key of a fill: the id, its plain data key and the
// message that stores it wrapped.
type newKey struct {
	id  string
	dek []byte
	msg *nats.Msg
}

// fill creates n new ids' keys and returns those stored. Keys whose write
// failed are left out (an id nobody has, with or without a key).
func (p *Pool) fill(ctx context.Context, n int) []pooled {
	if p.k.cfg.ReadOnly {
		return nil // no bucket to keep keys in: New hands out fresh ids
	}
	var keys []newKey
	for range n {
		id := p.newID()
		dek := make([]byte, KeySize)
		if _, err := rand.Read(dek); err != nil {
			break
		}
		wrapped, err := p.k.wrap(id, dek)
		if err != nil {
			p.k.log.Warn("seal: pool could not wrap a key", "err", err)
			break
		}
		m := &nats.Msg{Subject: "$KV." + p.k.home.bucket + "." + id, Data: wrapped, Header: nats.Header{}}
		// Revision 0, as a KV create: never over an existing key or marker.
		m.Header.Set(jetstream.ExpectedLastSubjSeqHeader, strconv.Itoa(0))
		keys = append(keys, newKey{id: id, dek: dek, msg: m})
	}
	var stored []newKey
	for start := 0; start < len(keys); start += jsbatch.Max {
		chunk := keys[start:min(len(keys), start+jsbatch.Max)]
		if len(chunk) >= atomicFill {
			msgs := make([]*nats.Msg, len(chunk))
			for i, k := range chunk {
				msgs[i] = k.msg
			}
			_, err := jsbatch.Publish(ctx, p.k.js, msgs)
			if err == nil {
				stored = append(stored, chunk...)
				continue
			}
			// Refused (nothing stored) or unanswered (perhaps stored):
			// one by one, where a key the batch did store is refused by
			// its revision and left out.
			p.k.log.Debug("seal: pool batch not stored, writing one by one", "err", err)
			for _, k := range chunk {
				k.msg.Header.Del(jsbatch.HeaderID)
				k.msg.Header.Del(jsbatch.HeaderSeq)
				k.msg.Header.Del(jsbatch.HeaderCommit)
			}
		}
		stored = append(stored, p.publishEach(ctx, chunk)...)
	}
	var made []pooled
	for _, k := range stored {
		p.k.put(k.id, entryOf(k.dek))
		made = append(made, pooled{id: k.id, at: time.Now()})
	}
	p.k.created.Add(ctx, int64(len(made)))
	return made
}

// publishEach stores keys as asynchronous publishes with one wait for
// all their acknowledgements, and returns those stored.
func (p *Pool) publishEach(ctx context.Context, keys []newKey) []newKey {
	type pending struct {
		k   newKey
		fut jetstream.PubAckFuture
	}
	var ps []pending
	for _, k := range keys {
		fut, err := p.k.js.PublishMsgAsync(k.msg)
		if err != nil {
			break
		}
		ps = append(ps, pending{k: k, fut: fut})
	}
	var stored []newKey
	for _, q := range ps {
		select {
		case <-q.fut.Ok():
			stored = append(stored, q.k)
		case err := <-q.fut.Err():
			p.k.log.Warn("seal: pool key not stored", "err", err)
		case <-ctx.Done():
			return stored
		}
	}
	return stored
}

// drop deletes the keys of ids that went stale in the pool: they sealed
// nothing, so a plain delete (not Shred) is enough. A key left behind by
// a failure is a key of an id nobody has.
func (p *Pool) drop(ctx context.Context, stale []string) {
	if len(stale) >= atomicFill {
		// Many at once (a rate that fell): delete markers in atomic
		// batches, one sync each, as the fills are written.
		for start := 0; start < len(stale); start += jsbatch.Max {
			chunk := stale[start:min(len(stale), start+jsbatch.Max)]
			msgs := make([]*nats.Msg, len(chunk))
			for i, id := range chunk {
				msgs[i] = &nats.Msg{Subject: "$KV." + p.k.home.bucket + "." + id, Header: nats.Header{kvOperation: []string{"DEL"}}}
			}
			if _, err := jsbatch.Publish(ctx, p.k.js, msgs); err != nil {
				p.dropEach(ctx, chunk)
			}
		}
		return
	}
	p.dropEach(ctx, stale)
}

// kvOperation is the header that makes a KV message a delete marker, as
// jetstream.KeyValue.Delete writes it.
const kvOperation = "KV-Operation"

// dropEach deletes the keys of stale one at a time.
func (p *Pool) dropEach(ctx context.Context, stale []string) {
	for _, id := range stale {
		if err := p.k.home.kv.Delete(ctx, id); err != nil {
			p.k.log.Debug("seal: stale pool key not deleted", "err", err)
		}
	}
}

// Close stops the pool after any fill under way. The keys still ready
// are left in the store: keys of ids nobody has, sealing nothing.
func (p *Pool) Close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.wg.Wait()
}
