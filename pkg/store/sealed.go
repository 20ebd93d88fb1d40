package store

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/apperr"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	storev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/store/v1"
	"github.com/motesplats/motesplats/pkg/seal"
)

// With Config.Keyring set, a record's bytes are sealed with the data key of
// the person it is about (Config.Subject), and so are the payloads of the
// events it owes about that person; erasure shreds the key. The index and
// the caches above hold decoded records, so sealing costs a write one
// encryption and an index apply (or a read from the bucket) one decryption.
// See docs/adr/0030-crypto-shredding.md.

// subjectOf returns whose key seals the record under key ("" for none).
func (r *Repo[T]) subjectOf(key string, v T) string {
	if r.cfg.Keyring == nil {
		return ""
	}
	if r.cfg.Subject == nil {
		return key
	}
	return r.cfg.Subject(key, v)
}

// aad binds a sealed record to its bucket and key, so sealed bytes cannot
// be swapped between records.
func (r *Repo[T]) aad(key string) []byte {
	return []byte("motesplats/record/v1\x00" + r.cfg.Bucket + "\x00" + key)
}

// sealRecord builds the entry for v (encoded as plain) under key, with
// the events it owes; data and the events about the record's person are
// sealed. stored is the encoding of the record the entry holds: plain,
// unless v names a second person who is erased already (named.go).
// Returns seal.ErrShredded for an erased person.
func (r *Repo[T]) sealRecord(ctx context.Context, key string, v T, plain []byte, outbox []*eventsv1.Envelope) (rec *storev1.Record, stored []byte, err error) {
	subject := r.subjectOf(key, v)
	if subject == "" {
		return &storev1.Record{Data: plain, Outbox: outbox}, plain, nil
	}
	if other := r.namedSubject(key, v, subject); other != "" {
		return r.sealNamed(ctx, key, v, subject, other, outbox)
	}
	sealed, err := r.sealWith(ctx, subject, plain, r.aad(key))
	if err != nil {
		return nil, nil, err
	}
	if outbox, err = r.sealEvents(ctx, subject, outbox); err != nil {
		return nil, nil, err
	}
	return &storev1.Record{SealedData: sealed, Subject: subject, Outbox: outbox}, plain, nil
}

// sealWith seals plain with subject's key. Only the person's owner
// creates their key (ADR 0234): a bucket keyed by its person's id (no
// Config.Subject) is its owner's, and creates the key of a new person; a
// record about a person kept under another key (a seating, a sign-up, a
// message) seals only with a key that exists, so a person nobody created,
// or one erased, is seal.ErrShredded as an erased one was, and no stray
// key is made in the wrong owner's bucket, which nobody would shred.
func (r *Repo[T]) sealWith(ctx context.Context, subject string, plain, aad []byte) ([]byte, error) {
	if r.cfg.Subject == nil {
		return r.cfg.Keyring.Seal(ctx, subject, plain, aad)
	}
	return r.cfg.Keyring.SealExisting(ctx, subject, plain, aad)
}

// sealEvents seals the payloads of the events about subject. Events about
// anyone else (none today) stay as they are.
func (r *Repo[T]) sealEvents(ctx context.Context, subject string, evs []*eventsv1.Envelope) ([]*eventsv1.Envelope, error) {
	out := make([]*eventsv1.Envelope, len(evs))
	for i, ev := range evs {
		if ev.GetSubjectId() != subject || len(ev.GetSealedPayload()) > 0 {
			out[i] = ev
			continue
		}
		c := proto.Clone(ev).(*eventsv1.Envelope)
		sealEnv := seal.SealEnvelope
		if r.cfg.Subject != nil {
			sealEnv = seal.SealEnvelopeExisting // about another's person, as sealWith
		}
		if err := sealEnv(ctx, r.cfg.Keyring, c); err != nil {
			return nil, err
		}
		out[i] = c
	}
	return out, nil
}

// plainData returns the record's unsealed bytes. shredded is true when
// they were sealed with a key that erasure has shredded: the record's
// person is gone and its data with them.
func (r *Repo[T]) plainData(ctx context.Context, key string, rec *storev1.Record) (data []byte, shredded bool, err error) {
	data, shredded, _, err = r.openRecord(ctx, key, rec)
	return data, shredded, err
}

// openRecord is plainData, and reports as lost a part naming a second
// person whose key is shredded: data is the record without it then.
func (r *Repo[T]) openRecord(ctx context.Context, key string, rec *storev1.Record) (data []byte, shredded, lost bool, err error) {
	if len(rec.GetSealedData()) == 0 {
		return rec.GetData(), false, false, nil
	}
	if r.cfg.Keyring == nil {
		return nil, false, false, apperr.Errorf(apperr.Internal, "store: %s holds sealed records and no keyring is configured", r.cfg.Bucket)
	}
	data, err = r.cfg.Keyring.Open(ctx, rec.GetSubject(), rec.GetSealedData(), r.aad(key))
	if err == nil && len(rec.GetSealedNamed()) > 0 {
		data, lost, err = r.openNamed(ctx, key, rec, data)
	}
	if seal.IsShredded(err) {
		return nil, true, false, nil
	}
	if err != nil {
		return nil, false, false, fmt.Errorf("store: open %s/%s: %w", r.cfg.Bucket, key, err)
	}
	return data, false, lost, nil
}

// shred erases the data key of the record removed under key, as the last
// step of an erasure before its key is purged: every revision and every
// event sealed for the person becomes unreadable, on disk and in backups.
// Only a record keyed by its person's id is its person's erasure: a
// record about a person kept under another key (a seating, sealed with
// its guest's key; a message, with its recipient's) may be purged for
// someone else's erasure (the seating's host), and its person's key is
// shredded by their own service when they are erased. Shredding it here
// erased every guest a host had ever been seated with (ADR 0159).
func (r *Repo[T]) shred(ctx context.Context, key string, rec *storev1.Record) error {
	if r.cfg.Keyring == nil {
		return nil
	}
	subject := rec.GetSubject()
	if subject == "" {
		var zero T
		subject = r.subjectOf(key, zero)
	}
	if subject == "" || subject != key {
		return nil
	}
	if err := r.cfg.Keyring.Shred(ctx, subject); err != nil {
		return fmt.Errorf("shred: %w", err)
	}
	return nil
}

// prepareKey starts creating the data key of a new record's person in the
// background and returns a channel closed when that is done, while the
// caller builds the record (docs/adr/0032; pooled ids have their key
// already, ADR 0034).
// Only buckets keyed by the person's id (no Config.Subject) know the
// subject before the record is built; for others, and without a keyring,
// the channel is closed at once. A retried request that finds its earlier
// id leaves the prepared key unused: a key with no data, as after a create
// that failed validation.
func (r *Repo[T]) prepareKey(ctx context.Context, id string) <-chan struct{} {
	done := make(chan struct{})
	if r.cfg.Keyring == nil || r.cfg.Subject != nil {
		close(done)
		return done
	}
	go func() {
		defer close(done)
		_ = r.cfg.Keyring.Prepare(ctx, id)
	}()
	return done
}

// Unreadable is a record the index dropped because the data key of its
// Subject is shredded: the entry is still in the bucket, nothing in it
// opens, and only the ids stored beside the seal are known.
type Unreadable struct {
	// Key is the record's key; Subject whose shredded key sealed it;
	// Named the second person it also names (Config.AlsoSealFor), or "".
	Key, Subject, Named string
}

// Unreadable returns the records sealed with subject's key that the index
// holds no more because that key is shredded, in key order. Their person
// was erased through another service before this replica's index loaded
// them (the service was down or restarting): a service that purges a
// person's records on their erasure finds those here, not by an index
// (docs/adr/0162). Records whose key was shredded after the index had
// them stay in the index as they were. An erasure's removed entry that was
// never purged is listed too (ADR 0191).
func (r *Repo[T]) Unreadable(subject string) []Unreadable {
	r.mu.RLock()
	defer r.mu.RUnlock()
	var out []Unreadable
	for _, u := range r.lost {
		if u.Subject == subject {
			out = append(out, u)
		}
	}
	slices.SortFunc(out, func(a, b Unreadable) int { return strings.Compare(a.Key, b.Key) })
	return out
}
