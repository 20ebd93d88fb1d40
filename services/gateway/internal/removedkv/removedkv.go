// Package removedkv is the gateway's shared memory of the removals and
// erasures its users did (ADR 0245, 0255): a second post of the same form
// answers as the first did, on whichever gateway replica a load balancer
// sends it to. ADR 0245 kept the memory in the process, so a second post
// that reached another replica met the 404 page after an erasure the same
// user had just done.
//
// It is a key-value bucket the gateway owns, Bucket, whose entries expire
// after For. A key is a keyed hash (HMAC-SHA256, a key every replica
// derives from the gateway's signing key) of the user, the action and the
// record's id: the bucket names no one and tells no one who can read it
// which ids were removed, or by whom; its value is the time of the
// removal. What it answers is only "this user did this action on this id
// within For", the question the process's memory answered before.
package removedkv

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/ensure"
	"github.com/motesplats/motesplats/pkg/store/leader"
)

// Bucket is the gateway's bucket of removals.
const Bucket = "gateway-removals"

// For is how long a removal is remembered: far longer than a double click
// or a resend after a slow answer, short enough that the bucket stays
// small. The bucket's TTL.
const For = 10 * time.Minute

// maxBytes bounds the bucket. An entry is about 150 bytes (a 64-character
// key, a time, the stream's overhead): 4 MiB hold over 20,000 removals in
// ten minutes, twice the process's bound of before (10,000). A full bucket
// refuses the write (a key-value bucket discards new), and that removal's
// second post answers the 404 page, as past the process's bound.
const maxBytes = 4 << 20

// callTimeout bounds each request to NATS: a removal is never held up
// for long by the memory of it, and a NATS that does not answer is
// treated as one that does not remember.
const callTimeout = 2 * time.Second

// Shared is the bucket, opened. Its methods never fail a removal: a NATS
// that cannot be reached is logged and answered as "not remembered", and
// the caller's own process memory still answers (services/gateway/internal/web).
type Shared struct {
	js  jetstream.JetStream
	kv  jetstream.KeyValue
	key []byte
	log *slog.Logger
}

// Open makes the bucket (or brings it to its configuration) at replicas
// and returns it. secret is what every replica shares (the gateway's
// signing key's seed): the keys' hash is keyed by it, so the same user,
// action and id give the same key on every replica and a key cannot be
// tried against guessed ids by anyone without it.
func Open(ctx context.Context, js jetstream.JetStream, replicas int, secret []byte, log *slog.Logger) (*Shared, error) {
	if len(secret) == 0 {
		return nil, errors.New("removedkv: no secret")
	}
	if log == nil {
		log = slog.Default()
	}
	kv, err := ensure.KeyValue(ctx, js, jetstream.KeyValueConfig{Bucket: Bucket, History: 1, TTL: For,
		MaxBytes: maxBytes, MaxValueSize: 64, Storage: jetstream.FileStorage, Replicas: max(replicas, 1)})
	if err != nil {
		return nil, fmt.Errorf("open bucket %s: %w", Bucket, err)
	}
	k := sha256.Sum256(append([]byte("motesplats removals\x00"), secret...))
	return &Shared{js: js, kv: kv, key: k[:], log: log}, nil
}

// Key is the bucket's key of user's action on id: the hex of a keyed
// hash, which a key-value key may hold and which reads as nothing.
func (s *Shared) Key(user, action, id string) string {
	m := hmac.New(sha256.New, s.key)
	for _, part := range []string{user, action, id} {
		// Each part's length first, so no two triples hash the same input.
		m.Write([]byte(strconv.Itoa(len(part)) + ":" + part))
	}
	return hex.EncodeToString(m.Sum(nil))
}

// Note remembers that user did action on id at at. A failure is logged
// (without the ids) and otherwise ignored: the removal is done.
func (s *Shared) Note(ctx context.Context, user, action, id string, at time.Time) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), callTimeout)
	defer cancel()
	if _, err := s.kv.Put(ctx, s.Key(user, action, id), []byte(strconv.FormatInt(at.UnixNano(), 10))); err != nil {
		s.log.Warn("a removal not remembered for the other gateway replicas", "bucket", Bucket, "err", err)
	}
}

// Seen reports whether user did action on id within For before now, as
// the bucket's stream leader holds it (a replica behind could miss a
// removal just written). false when NATS does not answer.
func (s *Shared) Seen(ctx context.Context, user, action, id string, now time.Time) bool {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), callTimeout)
	defer cancel()
	data, _, err := leader.Get(ctx, s.js, Bucket, s.Key(user, action, id))
	switch {
	case errors.Is(err, jetstream.ErrKeyNotFound), errors.Is(err, jetstream.ErrKeyDeleted):
		return false
	case err != nil:
		s.log.Warn("the other gateway replicas' removals not read", "bucket", Bucket, "err", err)
		return false
	}
	n, err := strconv.ParseInt(string(data), 10, 64)
	if err != nil {
		return false
	}
	d := now.Sub(time.Unix(0, n))
	return d >= 0 && d <= For
}
