package store

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/apperr"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	"github.com/motesplats/motesplats/pkg/store/leader"
)

// Erasure notes (ADR 0264). An erasure whose caller was told
// "unavailable" (the service killed after the removal was written, the
// relay finishing it) used to answer its retry NotFound: the record was
// gone, and a coordinator may not erase what is gone, or every caller
// could tell an erased id from one that never was. So before the removal
// is written, RemoveScoped notes in the requests bucket that this caller
// erases this id, once it has seen the caller may; a retry by the same
// caller that finds the record gone and the note there answers as the
// first would have. The note's key is an HMAC over the bucket, the caller
// and the id under a key the keyring derives for the bucket (as a blind
// index's key, the same on every replica): it names no one and no id,
// and cannot be tried against guessed ids without the key. Its value is
// empty. It is kept the requests bucket's day (requestKeep). Anyone else
// finds no note under their name and gets NotFound, as for an id that
// never was.

// erasureNotePrefix starts the keys of erasure notes in the requests
// bucket; request keys are hex, so none starts so, and the bucket's watch
// skips them.
const erasureNotePrefix = "erased."

// erasureNotes holds the HMAC key of a repository's erasure notes, made
// on first use (an erasure), so that opening a store asks the keyring for
// nothing more.
type erasureNotes struct {
	mu  sync.Mutex
	key []byte
}

// isErasureNote reports whether a requests bucket key is an erasure note.
func isErasureNote(key string) bool { return strings.HasPrefix(key, erasureNotePrefix) }

// eraseNoteKey is the requests bucket key of actor's erasure of id.
func (r *Repo[T]) eraseNoteKey(ctx context.Context, actor, id string) (string, error) {
	r.notes.mu.Lock()
	defer r.notes.mu.Unlock()
	if r.notes.key == nil {
		if r.cfg.Keyring != nil {
			k, err := r.cfg.Keyring.IndexKey(ctx, "erasures-"+r.cfg.Bucket)
			if err != nil {
				return "", fmt.Errorf("store: erasure notes' key: %w", err)
			}
			r.notes.key = k
		} else {
			// No keyring (tests, a store that seals nothing): a fixed
			// key, as pkg/blind's Unkeyed; the records are in clear too.
			sum := sha256.Sum256([]byte("motesplats/erasure-notes/unkeyed/" + r.cfg.Bucket))
			r.notes.key = sum[:]
		}
	}
	m := hmac.New(sha256.New, r.notes.key)
	for _, s := range []string{r.cfg.Bucket, actor, id} {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		m.Write(n[:])
		m.Write([]byte(s))
	}
	return erasureNotePrefix + hex.EncodeToString(m.Sum(nil)), nil
}

// noteErasure notes, durably, that actor erases id.
func (r *Repo[T]) noteErasure(ctx context.Context, actor, id string) error {
	key, err := r.eraseNoteKey(ctx, actor, id)
	if err != nil {
		return err
	}
	if _, err := r.requests.Put(ctx, key, nil); err != nil {
		return fmt.Errorf("store: note erasure in %s_requests: %w", r.cfg.Bucket, err)
	}
	return nil
}

// erasedBy reports whether actor noted an erasure of id within the
// requests bucket's day. It reads the stream's leader: a replica behind
// could miss a note just written on another. An error is Unavailable
// (the caller may try again), never a guess either way.
func (r *Repo[T]) erasedBy(ctx context.Context, actor, id string) (bool, error) {
	key, err := r.eraseNoteKey(ctx, actor, id)
	if err != nil {
		return false, apperr.Errorf(apperr.Unavailable, "the erasure could not be checked; try again")
	}
	_, _, err = leader.Get(ctx, r.js, r.cfg.Bucket+"_requests", key)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, jetstream.ErrKeyNotFound), errors.Is(err, jetstream.ErrKeyDeleted):
		return false, nil
	default:
		return false, apperr.Errorf(apperr.Unavailable, "the erasure could not be checked; try again")
	}
}

// finishErasure answers a retry of an erasure of id that its caller
// noted, the record gone: nil once the key is purged or its purge is
// written and owed (the relay finishes it); a removal left without its
// purge (the service stopped before writing the erasure, then a delete
// came between) is erased now, with the event event makes.
func (r *Repo[T]) finishErasure(ctx context.Context, id string, event func(erase bool) (*eventsv1.Envelope, error)) error {
	rec, _, err := r.readRecord(ctx, id)
	if err == nil && rec.GetRemoved() && rec.GetPurge() {
		return nil
	}
	if err != nil && apperr.ErrorCode(err) != apperr.NotFound {
		return err
	}
	if err != nil {
		hist, herr := r.kv.History(ctx, id)
		if errors.Is(herr, jetstream.ErrKeyNotFound) {
			return nil
		} else if herr != nil {
			return fmt.Errorf("store: history %s/%s: %w", r.cfg.Bucket, id, herr)
		}
		if len(hist) == 0 || hist[len(hist)-1].Operation() == jetstream.KeyValuePurge {
			return nil
		}
	}
	ev, err := event(true)
	if err != nil {
		return err
	}
	return r.EraseRemoved(ctx, id, ev)
}
