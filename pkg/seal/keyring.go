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
	"github.com/motesplats/motesplats/pkg/kvwatch"
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
	// SharedCreates (MP_KEY_BUCKETS=shared, with an Owner) creates new
	// keys in the shared bucket of before, as a keyring without an Owner
	// does, while it reads and shreds as an owner: for the time of a
	// rolling upgrade, when older replicas that read only the shared
	// bucket still run and would take a key in an owner's bucket for an
	// erased person's (ADR 0238). The shared bucket is made when absent.
	SharedCreates bool
	// ReadOnly (with an Owner: notify) is a keyring that owns no bucket:
	// it reads every owner's and the shared one, and creates, overwrites
	// and shreds nothing; its Seal, Prepare, IndexKey, NewPool's fill,
	// Rewrap and Shred refuse (ErrNoOwnKeys). It seals only with
	// SealExisting.
	ReadOnly bool
}

// Keyring seals and opens data with per-person keys. It is safe for
// concurrent use; every replica of every service may hold one over the same
// bucket, and a Shred on any of them evicts the key from all.
type Keyring struct {
	cfg    Config
	kv     jetstream.KeyValue
	stream jetstream.Stream // the bucket's underlying stream, for secure delete
	// home is the bucket new keys are created in: the own one, or with
	// SharedCreates the shared one of before (owners.go).
	home source
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
	if (cfg.ReadOnly || cfg.SharedCreates) && cfg.Owner == "" {
		return nil, errors.New("seal: ReadOnly and SharedCreates need an Owner")
	}
	stream, erasures, err := openStreams(ctx, js, cfg)
	if err != nil {
		return nil, err
	}
	var kv jetstream.KeyValue
	if !cfg.ReadOnly {
		if kv, err = js.KeyValue(ctx, cfg.Bucket); err != nil {
			return nil, fmt.Errorf("seal: open bucket %s: %w", cfg.Bucket, err)
		}
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
	k.home = k.own()
	if legacy, ok := k.legacy(); ok && cfg.SharedCreates {
		k.home = legacy
	}
	plans, err := k.planReapply(ctx)
	if err != nil {
		return nil, err
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	k.cancel = cancel
	// The watch starts with every stored key: they are unwrapped into the
	// cache in one pass (up to CacheSize), so a service loading its
	// records at start does not read the bucket once per person. An owner
	// watches every bucket it reads.
	for _, src := range k.sources() {
		w, err := kvwatch.WatchAll(runCtx, src.kv, js)
		if err != nil {
			k.Close()
			return nil, fmt.Errorf("seal: watch %s: %w", src.bucket, err)
		}
		loaded := make(chan struct{})
		k.done.Add(1)
		go k.watch(runCtx, w, loaded, plans[src.bucket])
		// kvwatch ends the first pass once the stream holds nothing more
		// from its start, also when keys are securely deleted meanwhile
		// (another owner claiming its keys out of the shared bucket, ADR
		// 0238, 0243), so this wait ends. A key not yet cached is read
		// from its bucket, as after any miss.
		select {
		case <-loaded:
		case <-ctx.Done():
			k.Close()
			return nil, ctx.Err()
		}
	}
	// Every key is read: the erasures are re-applied before Open returns,
	// so nothing erased is read after a restore (reapply.go).
	if err := k.reapply(ctx, plans); err != nil {
		k.Close()
		return nil, err
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
// marker, which every watcher sees. In the first pass it notes in plan
// (nil: none) the keys the erasure log names, and caches none of them.
func (k *Keyring) watch(ctx context.Context, w jetstream.KeyWatcher, loaded chan struct{}, plan *reapplyPlan) {
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
			if initial && e != nil && plan != nil && plan.seen(e.Key(), e.Operation() == jetstream.KeyValuePut) &&
				e.Operation() == jetstream.KeyValuePut {
				continue // to be erased again, not cached
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
	aead, err := k.key(ctx, subject, useCreate)
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
	_, err := k.key(ctx, subject, useCreate)
	return err
}

// SealExisting is Seal for another service's person (a seating with its
// guest's key, a message with its recipient's): only their owner creates
// their key (ADR 0234), so a key that no bucket holds is an unknown or an
// erased person, ErrShredded, and nothing is created anywhere. Without an
// Owner (the one shared bucket of ADR 0030: tools and tests) it is Seal.
func (k *Keyring) SealExisting(ctx context.Context, subject string, plaintext, aad []byte) ([]byte, error) {
	u := useExisting
	if k.cfg.Owner == "" {
		u = useCreate
	}
	aead, err := k.key(ctx, subject, u)
	if err != nil {
		return nil, err
	}
	return sealWith(aead, plaintext, aad)
}

// Open decrypts what Seal made for subject with the same aad. Returns
// ErrShredded when the key is gone, and Invalid when the data was changed
// or belongs elsewhere.
func (k *Keyring) Open(ctx context.Context, subject string, sealed, aad []byte) ([]byte, error) {
	aead, err := k.key(ctx, subject, useOpen)
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
