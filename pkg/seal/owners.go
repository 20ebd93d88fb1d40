package seal

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/ensure"
)

// A keyring with an Owner (ADR 0234, part 2) keeps the keys it creates in
// a bucket of its own, which only its service's NATS user may write and
// securely delete, and logs its erasures under a subject space of its own,
// which only that user may publish to: NATS permissions match subjects,
// and a secure delete names a stream, not a key, so a stream per owner is
// what lets a service shred its own keys and nobody else's. It reads the
// other owners' buckets (a consumer opens another service's sealed event;
// a programme seals a seating with its guest's key) and the shared bucket
// of before, where the keys made before the owners' buckets stay until
// moved.

// OwnerBucket is the key bucket of owner's keys.
func OwnerBucket(owner string) string { return DefaultBucket + "_" + owner }

// source is a key bucket a keyring reads: its name, the bucket, and its
// stream (for secure delete: only the own one and the shared one of
// before are ever erased in).
type source struct {
	bucket string
	kv     jetstream.KeyValue
	stream jetstream.Stream
	legacy bool
}

// openOthers opens the buckets an owner reads after its own: the other
// owners', waited for while absent (a reader may start before their
// owner; EnsureKeyBuckets or the owner makes them, never a reader: ADR
// 0244) and never changed; and the shared one of before when it exists.
// None without cfg.Owner.
func openOthers(ctx context.Context, js jetstream.JetStream, cfg Config) ([]source, error) {
	if cfg.Owner == "" {
		return nil, nil
	}
	var out []source
	for _, o := range cfg.Others {
		if o == cfg.Owner {
			continue
		}
		b := OwnerBucket(o)
		s, kv, err := bindOther(ctx, js, b, cfg.Logger)
		if err != nil {
			return nil, err
		}
		out = append(out, source{bucket: b, kv: kv, stream: s})
	}
	// Shared creates need the shared bucket: made when absent (a fresh
	// system started in that mode), never changed.
	var s jetstream.Stream
	var err error
	if cfg.SharedCreates {
		c := cfg
		c.Bucket = DefaultBucket
		s, err = ensure.StreamIfAbsent(ctx, js, keyStreamConfig(c))
	} else {
		s, err = js.Stream(ctx, "KV_"+DefaultBucket)
	}
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		return out, nil
	}
	if err != nil {
		return nil, fmt.Errorf("seal: open bucket %s: %w", DefaultBucket, err)
	}
	kv, err := js.KeyValue(ctx, DefaultBucket)
	if err != nil {
		return nil, fmt.Errorf("seal: open bucket %s: %w", DefaultBucket, err)
	}
	return append(out, source{bucket: DefaultBucket, kv: kv, stream: s, legacy: true}), nil
}

// own is the bucket the keyring writes.
func (k *Keyring) own() source {
	return source{bucket: k.cfg.Bucket, kv: k.kv, stream: k.stream}
}

// sources are the buckets a key is looked for in, in order: the own one
// first (most keys an owner uses are its own), the shared one of before
// last. A keyring that owns no bucket reads the others alone.
func (k *Keyring) sources() []source {
	if k.cfg.ReadOnly {
		return k.others
	}
	if len(k.others) == 0 {
		return []source{k.own()}
	}
	return append([]source{k.own()}, k.others...)
}

// createSources are the buckets looked in before a key is created: an
// owner creates only its own subjects' keys (SealExisting seals for the
// others'), so only its own bucket and the shared one of before can hold
// one (ADR 0238: 2 reads instead of 7).
func (k *Keyring) createSources() []source {
	if legacy, ok := k.legacy(); ok {
		return []source{k.own(), legacy}
	}
	return []source{k.own()}
}

// ErrNoOwnKeys is what a keyring that owns no bucket (Config.ReadOnly)
// answers when asked to create or shred a key: a programming error,
// never a person's state.
var ErrNoOwnKeys = apperr.Errorf(apperr.Internal, "seal: this keyring owns no keys")

// KeyOwners are the services that own a key bucket (ADR 0234), the
// people's owners first: the order a keyring reads the others' buckets
// in. Notify owns none.
var KeyOwners = []string{"participants", "volunteers", "gateway", "mentoring", "dinners", "guides"}

// OwnsKeys reports whether service owns a key bucket.
func OwnsKeys(service string) bool { return slices.Contains(KeyOwners, service) }

// legacy is the shared bucket of before, for an owner that reads one.
func (k *Keyring) legacy() (source, bool) {
	for _, s := range k.others {
		if s.legacy {
			return s, true
		}
	}
	return source{}, false
}

// erasureSubjects are the erasure log's subjects that say subject was
// erased by this keyring: the first is where it logs one. An owner's are
// its own space and that of before (ADR 0030's "erasure.<id>").
func (k *Keyring) erasureSubjects(subject string) []string {
	if k.cfg.Owner == "" {
		return []string{erasureSubjectPrefix + subject}
	}
	return []string{erasureSubjectPrefix + k.cfg.Owner + "." + subject, erasureSubjectPrefix + subject}
}
