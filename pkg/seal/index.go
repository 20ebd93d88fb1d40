package seal

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/store/leader"
)

// indexSubjectPrefix names the keys IndexKey keeps in the key store beside
// the people's data keys; no person's id starts so (ids are UUIDv7).
const indexSubjectPrefix = "index-key-"

// IndexKey returns the 32-byte key of a blind index (pkg/blind) named
// name, for example "participants": created on first use, stored in the
// key store wrapped by the KEK like a person's data key, and the same on
// every replica. It is not a person's key, so erasing a person leaves it;
// an index entry of an erased person goes with their record (ADR 0084).
// Callers keep the result for the life of the process. Returns Invalid for
// a bad name.
func (k *Keyring) IndexKey(ctx context.Context, name string) ([]byte, error) {
	subject := indexSubjectPrefix + name
	if !ids.Valid(subject) {
		return nil, apperr.Errorf(apperr.Invalid, "seal: invalid index name")
	}
	dek, err := k.indexDEK(ctx, subject)
	if err != nil {
		return nil, err
	}
	// The stored key is a data key; the index key derives from it, so the
	// bytes that seal nothing are never the bytes that key the HMAC.
	m := hmac.New(sha256.New, dek)
	m.Write([]byte("motesplats/blind-index-key/v1"))
	return m.Sum(nil), nil
}

// indexDEK reads subject's stored key, or creates it; a concurrent create
// on another replica wins and is read back.
func (k *Keyring) indexDEK(ctx context.Context, subject string) ([]byte, error) {
	if k.cfg.ReadOnly {
		return nil, ErrNoOwnKeys
	}
	for range 3 {
		e, err := k.kv.Get(ctx, subject)
		if err == nil {
			return k.unwrap(subject, e.Value())
		}
		if !errors.Is(err, jetstream.ErrKeyNotFound) {
			return nil, fmt.Errorf("seal: get index key: %w", err)
		}
		// An owner's index key made before its bucket stays where it was:
		// a new one would no longer find a name indexed with the old.
		// An owner creating in its own bucket moves it there (claim.go);
		// a failure leaves it where it is, read there, and is tried again
		// at the next start.
		if legacy, ok := k.legacy(); ok {
			if e, err := legacy.kv.Get(ctx, subject); err == nil {
				dek, err := k.unwrap(subject, e.Value())
				if err != nil {
					return nil, err
				}
				if claiming, err := k.Claiming(ctx); err == nil && claiming {
					if _, err := k.claim(ctx, legacy, subject); err != nil {
						k.log.Warn("seal: an index key of before is not moved yet", "err", err)
					}
				}
				return dek, nil
			}
		}
		dek, wrapped, err := k.newKey(subject)
		if err != nil {
			return nil, err
		}
		// Created where new keys go: with SharedCreates the shared bucket.
		if _, err := k.home.kv.Create(ctx, subject, wrapped); err == nil {
			return dek, nil
		} else if !errors.Is(err, jetstream.ErrKeyExists) {
			return nil, fmt.Errorf("seal: create index key: %w", err)
		}
		// The leader refused the create: it has the key, even when the
		// replica answering direct gets does not yet (ADR 0119).
		stored, _, err := leader.Get(ctx, k.js, k.home.bucket, subject)
		if err == nil {
			return k.unwrap(subject, stored)
		}
		if !errors.Is(err, jetstream.ErrKeyNotFound) && !errors.Is(err, jetstream.ErrKeyDeleted) {
			return nil, fmt.Errorf("seal: get index key from the stream leader: %w", err)
		}
	}
	return nil, apperr.Errorf(apperr.Unavailable, "seal: the index key could not be read")
}
