package seal

import (
	"context"
	"crypto/rand"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Pool hands out ids for new people whose data keys are already stored,
// so creating a person costs no key write on the caller's path: the key
// was written before anyone could use the id, and a crash at any point
// leaves no record without its key (docs/adr/0034-one-write-per-create.md).
//
// The pool fills itself in the background, many keys per round trip
// (asynchronous publishes, one wait per fill), with about a quarter of a
// second of the recent create rate; below a few creates a second it keeps
// nothing and New falls back to the id source (the key is then made on
// first Seal, as without a pool). Ids are UUIDv7, ordered by when they
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
	// Max bounds the keys kept ready (default 256).
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
		o.Max = 256
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

// refillLocked starts a fill when the pool holds less than a quarter of
// a second of the recent rate, and the deletion of stale keys.
func (p *Pool) refillLocked() {
	if p.closed || p.filling {
		return
	}
	rate := max(p.rate, p.inWin)
	want := 0
	if rate >= p.opts.MinRate {
		want = min(p.opts.Max, (rate+3)/4)
	}
	n := want - len(p.ready)
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

// fill creates n new ids' keys: every key published without waiting,
// then one wait for all the acknowledgements. Keys whose write failed
// are left out (an id nobody has, with or without a key).
func (p *Pool) fill(ctx context.Context, n int) []pooled {
	if n == 0 {
		return nil
	}
	type pending struct {
		id   string
		aead []byte
		fut  jetstream.PubAckFuture
	}
	var ps []pending
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
		m := &nats.Msg{Subject: "$KV." + p.k.cfg.Bucket + "." + id, Data: wrapped, Header: nats.Header{}}
		// Revision 0, as a KV create: never over an existing key or marker.
		m.Header.Set(jetstream.ExpectedLastSubjSeqHeader, strconv.Itoa(0))
		fut, err := p.k.js.PublishMsgAsync(m)
		if err != nil {
			break
		}
		ps = append(ps, pending{id: id, aead: dek, fut: fut})
	}
	var made []pooled
	for _, q := range ps {
		select {
		case <-q.fut.Ok():
		case err := <-q.fut.Err():
			p.k.log.Warn("seal: pool key not stored", "err", err)
			continue
		case <-ctx.Done():
			return made
		}
		aead, err := newAEAD(q.aead)
		if err != nil {
			continue
		}
		p.k.put(q.id, entry{aead: aead})
		made = append(made, pooled{id: q.id, at: time.Now()})
	}
	p.k.created.Add(ctx, int64(len(made)))
	return made
}

// drop deletes the keys of ids that went stale in the pool: they sealed
// nothing, so a plain delete (not Shred) is enough. A key left behind by
// a failure is a key of an id nobody has.
func (p *Pool) drop(ctx context.Context, stale []string) {
	for _, id := range stale {
		if err := p.k.kv.Delete(ctx, id); err != nil {
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
