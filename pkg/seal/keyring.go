// Package seal encrypts personal data so that erasing a person cannot be
// undone by reading the disk (crypto-shredding).
//
// Every person (a participant's or volunteer's id: the subject) has a data
// key (DEK), created on first use and stored in a JetStream key-value
// bucket wrapped by a key-encryption key (KEK) from configuration. Records,
// event payloads and snapshots about the person are sealed with AES-256-GCM
// under that DEK. Shred first appends the id to an erasure log, then erases
// every stored revision of the wrapped DEK with JetStream's secure delete
// (overwritten on disk, not only marked), so every copy of the person's
// data, in any stream, dead letter or backup, is noise from then on. At
// start a Keyring shreds again every key whose id is in the erasure log,
// which re-applies erasures to a key bucket restored from a backup.
//
// See docs/adr/0030-crypto-shredding.md for the choices and their costs.
package seal

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"
	"golang.org/x/sync/singleflight"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/kvwatch"
	"github.com/motesplats/motesplats/pkg/store/leader"
)

// Defaults for Config.
const (
	// DefaultBucket holds the wrapped data keys, one key per person.
	DefaultBucket = "data_keys"
	// DefaultErasureStream is the erasure log: ids only, kept forever.
	DefaultErasureStream = "ERASURES"
	// DefaultCacheSize bounds the unwrapped data keys held in memory.
	DefaultCacheSize = 65536
	// recentCiphers bounds the ciphers kept built for the data keys used
	// last (ADR 0151): a cipher is a pointer-holding object of about a
	// kilobyte, a raw key 32 bytes without pointers, so the cache keeps
	// keys and only the people sealed or opened for lately keep a cipher.
	recentCiphers = 2048
)

// erasureSubjectPrefix is followed by the erased id in the erasure log.
const erasureSubjectPrefix = "erasure."

// ErrShredded is returned (wrapped in an *apperr.Error with code NotFound)
// when a subject's data key has been shredded, or never existed: what was
// sealed with it cannot be opened, and nothing new may be sealed for them.
var ErrShredded = apperr.Errorf(apperr.NotFound, "the person's data was erased")

// IsShredded reports whether err says the data key is gone.
func IsShredded(err error) bool { return errors.Is(err, ErrShredded) }

// Config configures a Keyring.
type Config struct {
	// KEKs are the key-encryption keys; the first wraps new data keys, the
	// others are accepted for unwrapping until Rewrap has moved every data
	// key to the first. At least one is required.
	KEKs []KEK
	// Bucket and ErasureStream name the key store and the erasure log
	// (defaults DefaultBucket, DefaultErasureStream).
	Bucket, ErasureStream string
	// Replicas of the bucket and the stream (1 on one server, 3 in a cluster).
	Replicas int
	// CacheSize bounds unwrapped data keys in memory (default
	// DefaultCacheSize); a miss costs one KV read and an unwrap.
	CacheSize int
	// Logger for failures; given ids and counts, never keys or data.
	Logger *slog.Logger
	// CreateOnly makes Open create the key bucket's stream and the erasure
	// log when they are absent and never change them when they exist:
	// every service but the one that maintains them (service.Main), whose
	// NATS user may not update them (ADR 0234). An update could drop every
	// key or every erasure (a maximum age, fewer messages per subject).
	CreateOnly bool
	// Owner names the service whose keys this keyring creates, overwrites
	// and shreds: in a bucket of its own (OwnerBucket), with its erasures
	// under "erasure.<Owner>." (ADR 0234, part 2). Others are the other
	// owners, whose buckets it only reads, after its own; the shared
	// bucket of before (DefaultBucket) is read last when it exists, and
	// the owner shreds its keys still there. Empty: the one shared bucket
	// of ADR 0030, which every keyring writes.
	Owner  string
	Others []string
}

// Keyring seals and opens data with per-person keys. It is safe for
// concurrent use; every replica of every service may hold one over the same
// bucket, and a Shred on any of them evicts the key from all.
type Keyring struct {
	cfg    Config
	kv     jetstream.KeyValue
	stream jetstream.Stream // the bucket's underlying stream, for secure delete
	// others are the buckets read after the own one (owners.go): the
	// other owners' and the shared one of before; none without an Owner.
	others []source
	// erasures is the erasure log.
	erasures jetstream.Stream
	js       jetstream.JetStream
	log      *slog.Logger
	// kekCiphers are the KEKs' ciphers, built once: wrapping and
	// unwrapping a data key then allocates no cipher (ADR 0151).
	kekCiphers map[[kekIDSize]byte]cipher.AEAD
	flight     singleflight.Group

	mu    sync.RWMutex
	cache map[string]entry // subject -> unwrapped key, or shredded
	// ciphers holds built ciphers for recently used subjects in cache
	// (at most recentCiphers); a shred removes the subject's.
	ciphers map[string]cipher.AEAD

	cancel context.CancelFunc
	done   sync.WaitGroup // the watches

	// loads counts data keys read from the bucket (cache misses), created
	// new keys, shredded shreds.
	loads, created, shredded metric.Int64Counter
}

// Open creates the key bucket and the erasure log if needed, shreds every
// key whose id the erasure log holds (a restored backup), and starts
// watching the bucket so shreds on other replicas evict this cache. Close
// stops the watch.
func Open(ctx context.Context, js jetstream.JetStream, cfg Config) (*Keyring, error) {
	if len(cfg.KEKs) == 0 {
		return nil, errors.New("seal: a key-encryption key is required")
	}
	if cfg.Bucket == "" {
		cfg.Bucket = DefaultBucket
		if cfg.Owner != "" {
			cfg.Bucket = OwnerBucket(cfg.Owner)
		}
	}
	if cfg.ErasureStream == "" {
		cfg.ErasureStream = DefaultErasureStream
	}
	if cfg.Replicas == 0 {
		cfg.Replicas = 1
	}
	if cfg.CacheSize <= 0 {
		cfg.CacheSize = DefaultCacheSize
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	stream, erasures, err := openStreams(ctx, js, cfg)
	if err != nil {
		return nil, err
	}
	kv, err := js.KeyValue(ctx, cfg.Bucket)
	if err != nil {
		return nil, fmt.Errorf("seal: open bucket %s: %w", cfg.Bucket, err)
	}
	others, err := openOthers(ctx, js, cfg)
	if err != nil {
		return nil, err
	}
	k := &Keyring{
		cfg: cfg, kv: kv, stream: stream, others: others, erasures: erasures, js: js, log: cfg.Logger,
		kekCiphers: map[[kekIDSize]byte]cipher.AEAD{},
		cache:      map[string]entry{},
		ciphers:    map[string]cipher.AEAD{},
	}
	for _, kek := range cfg.KEKs {
		aead, err := newAEAD(kek.key)
		if err != nil {
			return nil, err
		}
		k.kekCiphers[kek.ID] = aead
	}
	meter := otel.GetMeterProvider().Meter("github.com/motesplats/motesplats/pkg/seal")
	k.loads, _ = meter.Int64Counter("seal.keys.loaded", metric.WithDescription("data keys read from the key store on a cache miss"))
	k.created, _ = meter.Int64Counter("seal.keys.created", metric.WithDescription("data keys created for new people"))
	k.shredded, _ = meter.Int64Counter("seal.keys.shredded", metric.WithDescription("data keys shredded by erasure"))
	if err := k.reapply(ctx); err != nil {
		return nil, err
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	k.cancel = cancel
	// The watch starts with every stored key: they are unwrapped into the
	// cache in one pass (up to CacheSize), so a service loading its
	// records at start does not read the bucket once per person. An owner
	// watches every bucket it reads.
	for _, src := range append([]source{{bucket: cfg.Bucket, kv: kv}}, others...) {
		w, err := kvwatch.WatchAll(runCtx, src.kv, js.Conn())
		if err != nil {
			k.Close()
			return nil, fmt.Errorf("seal: watch %s: %w", src.bucket, err)
		}
		loaded := make(chan struct{})
		k.done.Add(1)
		go k.watch(runCtx, w, loaded)
		select {
		case <-loaded:
		case <-ctx.Done():
			k.Close()
			return nil, ctx.Err()
		}
	}
	return k, nil
}

// Close stops watching the buckets.
func (k *Keyring) Close() {
	if k.cancel != nil {
		k.cancel()
		k.done.Wait()
	}
}

// watch caches the stored keys (closing loaded once the initial ones are
// in), and evicts keys that any replica shreds: Shred ends with a purge
// marker, which every watcher sees.
func (k *Keyring) watch(ctx context.Context, w jetstream.KeyWatcher, loaded chan struct{}) {
	defer k.done.Done()
	defer func() { _ = w.Stop() }()
	initial := true
	for {
		select {
		case <-ctx.Done():
			return
		case e, ok := <-w.Updates():
			if !ok {
				if ctx.Err() == nil {
					k.log.Error("seal: watch ended; shreds on other replicas no longer evict this cache")
				}
				return
			}
			switch {
			case e == nil:
				if initial {
					initial = false
					close(loaded)
				}
			case e.Operation() == jetstream.KeyValuePut:
				k.preload(e.Key(), e.Value())
			case k.cfg.Owner != "":
				// A marker in one owner's bucket does not say another's
				// key is gone: the next use looks in every bucket.
				k.evict(e.Key())
			default:
				k.setShredded(e.Key())
			}
		}
	}
}

// Seal encrypts plaintext with subject's data key, creating the key on
// first use. aad binds the result to its place (bucket and key, event id):
// Open with any other aad fails. Returns ErrShredded for an erased person:
// a key is never created again for them.
func (k *Keyring) Seal(ctx context.Context, subject string, plaintext, aad []byte) ([]byte, error) {
	aead, err := k.key(ctx, subject, true)
	if err != nil {
		return nil, err
	}
	return sealWith(aead, plaintext, aad)
}

// Prepare makes sure subject has a data key (creating it, as Seal would)
// without sealing anything, so a writer can create a new person's key
// while it does other durable work (a create reserves its request id in
// the meantime) instead of after it: a later Seal for subject finds the
// key cached, or joins the creation still under way. Returns ErrShredded
// for an erased person.
func (k *Keyring) Prepare(ctx context.Context, subject string) error {
	_, err := k.key(ctx, subject, true)
	return err
}

// Open decrypts what Seal made for subject with the same aad. Returns
// ErrShredded when the key is gone, and Invalid when the data was changed
// or belongs elsewhere.
func (k *Keyring) Open(ctx context.Context, subject string, sealed, aad []byte) ([]byte, error) {
	aead, err := k.key(ctx, subject, false)
	if err != nil {
		return nil, err
	}
	return openWith(aead, sealed, aad)
}

// sealedVersion leads every sealed value, so the format can change.
const sealedVersion = 1

func sealWith(aead cipher.AEAD, plaintext, aad []byte) ([]byte, error) {
	ns := aead.NonceSize()
	out := make([]byte, 1+ns, 1+ns+len(plaintext)+aead.Overhead())
	out[0] = sealedVersion
	if _, err := rand.Read(out[1 : 1+ns]); err != nil {
		return nil, fmt.Errorf("seal: nonce: %w", err)
	}
	return aead.Seal(out, out[1:1+ns], plaintext, aad), nil
}

// errCorrupt is what Open says about data that fails authentication: the
// text names no data.
var errCorrupt = apperr.Errorf(apperr.Invalid, "sealed data does not authenticate")

func openWith(aead cipher.AEAD, sealed, aad []byte) ([]byte, error) {
	ns := aead.NonceSize()
	if len(sealed) < 1+ns+aead.Overhead() || sealed[0] != sealedVersion {
		return nil, errCorrupt
	}
	out, err := aead.Open(nil, sealed[1:1+ns], sealed[1+ns:], aad)
	if err != nil {
		return nil, errCorrupt
	}
	return out, nil
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("seal: cipher: %w", err)
	}
	return cipher.NewGCM(block)
}

// key returns subject's data key from the cache, or from the bucket
// (create: making it if there is none and the person was never erased).
// Concurrent misses for one subject share one lookup.
func (k *Keyring) key(ctx context.Context, subject string, create bool) (cipher.AEAD, error) {
	if !ids.Valid(subject) {
		return nil, apperr.Errorf(apperr.Invalid, "seal: invalid subject")
	}
	k.mu.RLock()
	e, ok := k.cache[subject]
	aead := k.ciphers[subject]
	k.mu.RUnlock()
	if ok {
		if e.shredded {
			return nil, ErrShredded
		}
		if aead != nil {
			return aead, nil
		}
		return k.cipherFor(subject, e)
	}
	flight := "o/" + subject
	if create {
		flight = "c/" + subject
	}
	v, err, _ := k.flight.Do(flight, func() (any, error) {
		// A key to open data with must exist: a miss is asked again of
		// the leader. A key to seal with is created on a miss, and the
		// create (decided by the leader) reads it back if it exists.
		dek, err := k.load(ctx, subject, !create)
		if IsShredded(err) && create {
			dek, err = k.create(ctx, subject)
		}
		if err != nil {
			return nil, err
		}
		e := entryOf(dek)
		k.put(subject, e)
		return k.cipherFor(subject, e)
	})
	if err != nil {
		return nil, err
	}
	return v.(cipher.AEAD), nil
}

// load reads and unwraps subject's key. A purge marker (shredded) is
// cached as such; a key that never existed is ErrShredded but not cached,
// since Seal may yet create it. The read is a direct get, which a replica
// that is behind may answer without a key made moments ago elsewhere:
// with confirm, a miss asks the stream leader before saying "no key"
// (ADR 0119). A marker is final: a key is never made again after it. An
// owner reads its own bucket, then the others' and the shared one of
// before (owners.go).
func (k *Keyring) load(ctx context.Context, subject string, confirm bool) ([]byte, error) {
	k.loads.Add(ctx, 1)
	sources := k.sources()
	marked := false
	for _, src := range sources {
		e, err := src.kv.Get(ctx, subject)
		if err == nil {
			return k.unwrap(subject, e.Value())
		}
		if m, err := missing(err); err != nil {
			return nil, err
		} else if m {
			marked = true
		}
	}
	for i := 0; confirm && !marked && i < len(sources); i++ {
		wrapped, _, err := leader.Get(ctx, k.js, sources[i].bucket, subject)
		if err == nil {
			return k.unwrap(subject, wrapped)
		}
		if marked, err = missing(err); err != nil {
			return nil, fmt.Errorf("seal: from the stream leader: %w", err)
		}
	}
	if marked {
		k.setShredded(subject)
	}
	return nil, ErrShredded
}

// missing says what a bucket's answer err (not nil) about a key means:
// marked for a purge marker, an error for a failure, neither when the
// bucket has no key. A marker decides only when no bucket has the key:
// an owner's marker in its own bucket says nothing of another's key.
func missing(err error) (marked bool, _ error) {
	switch {
	case errors.Is(err, jetstream.ErrKeyDeleted):
		return true, nil
	case errors.Is(err, jetstream.ErrKeyNotFound):
		return false, nil
	default:
		return false, fmt.Errorf("seal: get key: %w", err)
	}
}

// create makes subject's key, unless the erasure log names them. Revision
// 0 refuses a key holding a purge marker too.
func (k *Keyring) create(ctx context.Context, subject string) ([]byte, error) {
	if erased, err := k.erased(ctx, subject); err != nil {
		return nil, err
	} else if erased {
		k.setShredded(subject)
		return nil, ErrShredded
	}
	dek := make([]byte, KeySize)
	if _, err := rand.Read(dek); err != nil {
		return nil, fmt.Errorf("seal: generate key: %w", err)
	}
	wrapped, err := k.wrap(subject, dek)
	if err != nil {
		return nil, err
	}
	if _, err := k.kv.Update(ctx, subject, wrapped, 0); err != nil {
		if errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			// Another replica created it first, or a marker sits there:
			// the leader refused, so it has what a replica may lack.
			return k.load(ctx, subject, true)
		}
		return nil, fmt.Errorf("seal: create key: %w", err)
	}
	// A Shred racing this create may have logged the id after the check
	// above and found no key to erase: look again, and erase our own.
	if erased, err := k.erased(ctx, subject); err != nil {
		return nil, err
	} else if erased {
		if err := k.erase(ctx, subject); err != nil {
			return nil, err
		}
		return nil, ErrShredded
	}
	k.created.Add(ctx, 1)
	return dek, nil
}

// erased reports whether the erasure log holds subject.
func (k *Keyring) erased(ctx context.Context, subject string) (bool, error) {
	for _, logged := range k.erasureSubjects(subject) {
		_, err := k.erasures.GetLastMsgForSubject(ctx, logged)
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			continue
		}
		if err != nil {
			return false, fmt.Errorf("seal: erasure log: %w", err)
		}
		return true, nil
	}
	return false, nil
}
