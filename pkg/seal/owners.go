package seal

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"

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
// owners', made (empty) when absent, since a reader may start before
// their owner, but never changed; and the shared one of before when it
// exists. None without cfg.Owner.
func openOthers(ctx context.Context, js jetstream.JetStream, cfg Config) ([]source, error) {
	if cfg.Owner == "" {
		return nil, nil
	}
	var out []source
	for _, o := range cfg.Others {
		if o == cfg.Owner {
			continue
		}
		c := cfg
		c.Bucket = OwnerBucket(o)
		s, err := ensure.StreamIfAbsent(ctx, js, keyStreamConfig(c))
		if err != nil {
			return nil, fmt.Errorf("seal: open bucket %s: %w", c.Bucket, err)
		}
		kv, err := js.KeyValue(ctx, c.Bucket)
		if err != nil {
			return nil, fmt.Errorf("seal: open bucket %s: %w", c.Bucket, err)
		}
		out = append(out, source{bucket: c.Bucket, kv: kv, stream: s})
	}
	s, err := js.Stream(ctx, "KV_"+DefaultBucket)
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
// last.
func (k *Keyring) sources() []source {
	if len(k.others) == 0 {
		return []source{k.own()}
	}
	return append([]source{k.own()}, k.others...)
}

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
