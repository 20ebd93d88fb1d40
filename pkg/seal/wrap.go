package seal

import (
	"context"
	"crypto/cipher"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/store/leader"
)

// A wrapped data key is: version (1 byte), the id of the KEK that wrapped
// it (8), then the DEK sealed under the KEK (nonce, ciphertext, tag), with
// the subject as additional data so a wrapped key cannot be moved to
// another person.
const wrapVersion = 1

func wrapAAD(subject string) []byte { return []byte("motesplats/dek/v1\x00" + subject) }

func (k *Keyring) wrap(subject string, dek []byte) ([]byte, error) {
	cur := k.cfg.KEKs[0].ID
	return wrapWith(k.kekCiphers[cur], cur, subject, dek)
}

func wrapWith(aead cipher.AEAD, id [kekIDSize]byte, subject string, dek []byte) ([]byte, error) {
	head := append([]byte{wrapVersion}, id[:]...)
	sealed, err := sealWith(aead, dek, wrapAAD(subject))
	if err != nil {
		return nil, err
	}
	return append(head, sealed...), nil
}

// errUnknownKEK says a data key was wrapped by a KEK not configured: the
// operator retired it before Rewrap finished, or the wrong key is set.
var errUnknownKEK = apperr.Errorf(apperr.Internal, "seal: a data key is wrapped by a key-encryption key that is not configured")

func (k *Keyring) unwrap(subject string, wrapped []byte) ([]byte, error) {
	if len(wrapped) < 1+kekIDSize || wrapped[0] != wrapVersion {
		return nil, errCorrupt
	}
	var id [kekIDSize]byte
	copy(id[:], wrapped[1:1+kekIDSize])
	aead, ok := k.kekCiphers[id]
	if !ok {
		return nil, errUnknownKEK
	}
	dek, err := openWith(aead, wrapped[1+kekIDSize:], wrapAAD(subject))
	if err != nil || len(dek) != KeySize {
		return nil, errCorrupt
	}
	return dek, nil
}

// wrappedBy returns the id of the KEK that wrapped a stored key.
func wrappedBy(wrapped []byte) ([kekIDSize]byte, bool) {
	var id [kekIDSize]byte
	if len(wrapped) < 1+kekIDSize || wrapped[0] != wrapVersion {
		return id, false
	}
	copy(id[:], wrapped[1:1+kekIDSize])
	return id, true
}

// Rewrap moves every data key to the current KEK (the first configured):
// each key wrapped by an older KEK is unwrapped and written again, and the
// old revision is securely deleted, so once Rewrap returns nil the old KEK
// opens nothing stored and may be destroyed. It also erases any old
// revision an earlier, interrupted Rewrap left behind. The data keys, and
// so every sealed record and event, stay as they are. Returns how many
// keys it rewrapped.
func (k *Keyring) Rewrap(ctx context.Context) (int, error) {
	if k.cfg.ReadOnly {
		return 0, ErrNoOwnKeys
	}
	keys, err := k.kv.ListKeys(ctx)
	if err != nil {
		return 0, fmt.Errorf("seal: list keys: %w", err)
	}
	var subjects []string
	for s := range keys.Keys() {
		subjects = append(subjects, s)
	}
	cur := k.cfg.KEKs[0].ID
	n := 0
	for _, subject := range subjects {
		var stored []byte
		var latest uint64
		e, err := k.kv.Get(ctx, subject)
		if err == nil {
			stored, latest = e.Value(), e.Revision()
		}
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			// Listed, yet missing on the replica that answered: it may be
			// behind, and a key skipped here would be lost with the old
			// KEK. The leader says whether it is gone (ADR 0119).
			stored, latest, err = leader.Get(ctx, k.js, k.cfg.Bucket, subject)
		}
		if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrKeyDeleted) {
			continue // shredded meanwhile
		}
		if err != nil {
			return n, fmt.Errorf("seal: get key: %w", err)
		}
		if id, ok := wrappedBy(stored); ok && id != cur {
			dek, err := k.unwrap(subject, stored)
			if err != nil {
				return n, err
			}
			wrapped, err := k.wrap(subject, dek)
			if err != nil {
				return n, err
			}
			latest, err = k.kv.Update(ctx, subject, wrapped, latest)
			if errors.Is(err, jetstream.ErrKeyRevisionMismatch) || errors.Is(err, jetstream.ErrKeyDeleted) {
				continue // shredded or rewrapped by another replica meanwhile
			}
			if err != nil {
				return n, fmt.Errorf("seal: rewrap: %w", err)
			}
			n++
		}
		hist, err := k.kv.History(ctx, subject)
		if err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
			return n, fmt.Errorf("seal: key history: %w", err)
		}
		for _, h := range hist {
			if h.Revision() < latest && h.Operation() == jetstream.KeyValuePut {
				if err := k.stream.SecureDeleteMsg(ctx, h.Revision()); err != nil && !errors.Is(err, jetstream.ErrMsgNotFound) {
					return n, fmt.Errorf("seal: secure delete: %w", err)
				}
			}
		}
	}
	return n, nil
}
