package seal

import (
	"context"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/store/leader"
)

// A key's lookup and creation: the cache, then the buckets in their
// order (owners.go), then a create in the bucket new keys go to.

// use is what a key is wanted for: to open, to seal with a key that
// exists (another's person), or to seal creating it (an own person).
type use int

const (
	useOpen use = iota
	useExisting
	useCreate
)

// key returns subject's data key from the cache, or from the buckets
// (useCreate: making it if there is none and the person was never
// erased). Concurrent misses for one subject share one lookup.
func (k *Keyring) key(ctx context.Context, subject string, u use) (cipher.AEAD, error) {
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
	if u == useCreate && k.cfg.ReadOnly {
		return nil, ErrNoOwnKeys
	}
	flight := "o/" + subject
	if u == useCreate {
		flight = "c/" + subject
	}
	v, err, _ := k.flight.Do(flight, func() (any, error) {
		// A key to open data with, or to seal with for another's person,
		// must exist: a miss is asked again of the leader. A key to seal
		// with is created on a miss, and the create (decided by the
		// leader) reads it back if it exists.
		var dek []byte
		var err error
		if u == useCreate {
			if dek, err = k.load(ctx, subject, false, k.createSources()); IsShredded(err) {
				dek, err = k.create(ctx, subject)
			}
		} else {
			dek, err = k.load(ctx, subject, true, k.sources())
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
func (k *Keyring) load(ctx context.Context, subject string, confirm bool, sources []source) ([]byte, error) {
	k.loads.Add(ctx, 1)
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
	dek, wrapped, err := k.newKey(subject)
	if err != nil {
		return nil, err
	}
	if _, err := k.home.kv.Update(ctx, subject, wrapped, 0); err != nil {
		if errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			// Another replica created it first, or a marker sits there:
			// the leader refused, so it has what a replica may lack.
			return k.load(ctx, subject, true, []source{k.home})
		}
		return nil, fmt.Errorf("seal: create key: %w", err)
	}
	// A Shred racing this create may have logged the id after the check
	// above and found no key to erase: look again, and erase our own.
	if erased, err := k.erased(ctx, subject); err != nil {
		return nil, err
	} else if erased {
		if err := k.eraseIn(ctx, k.home, subject); err != nil {
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

// newKey makes a data key for subject and wraps it, for a person's key
// and an index key alike.
func (k *Keyring) newKey(subject string) (dek, wrapped []byte, err error) {
	dek = make([]byte, KeySize)
	if _, err := rand.Read(dek); err != nil {
		return nil, nil, fmt.Errorf("seal: generate key: %w", err)
	}
	if wrapped, err = k.wrap(subject, dek); err != nil {
		return nil, nil, err
	}
	return dek, wrapped, nil
}
