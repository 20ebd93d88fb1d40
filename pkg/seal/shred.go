package seal

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/ids"
)

// Shred erases subject's data key for good: the id goes into the erasure
// log first (durably), then every stored revision of the key is securely
// deleted (overwritten on disk) and a purge marker tells every replica to
// evict it. Afterwards Open returns ErrShredded and Seal refuses. It is
// idempotent; a failure part-way is safe to retry, and a restart finishes
// it from the log.
func (k *Keyring) Shred(ctx context.Context, subject string) error {
	if !ids.Valid(subject) {
		return apperr.Errorf(apperr.Invalid, "seal: invalid subject")
	}
	msg := &nats.Msg{Subject: erasureSubjectPrefix + subject, Data: []byte(time.Now().UTC().Format(time.RFC3339))}
	if _, err := k.js.PublishMsg(ctx, msg, jetstream.WithMsgID("erasure-"+subject)); err != nil {
		return fmt.Errorf("seal: erasure log: %w", err)
	}
	k.setShredded(subject)
	if err := k.erase(ctx, subject); err != nil {
		return err
	}
	k.shredded.Add(ctx, 1)
	return nil
}

// erase securely deletes every revision of subject's key and leaves a
// purge marker, which replicas watch and which refuses a re-creation.
func (k *Keyring) erase(ctx context.Context, subject string) error {
	hist, err := k.kv.History(ctx, subject)
	if err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
		return fmt.Errorf("seal: key history: %w", err)
	}
	marked := false
	for _, e := range hist {
		if e.Operation() != jetstream.KeyValuePut {
			marked = true
			continue
		}
		marked = false
		if err := k.stream.SecureDeleteMsg(ctx, e.Revision()); err != nil && !errors.Is(err, jetstream.ErrMsgNotFound) {
			return fmt.Errorf("seal: secure delete: %w", err)
		}
	}
	if marked {
		return nil // the last entry is already the marker
	}
	// The purge's rollup removes nothing left to read: every revision
	// above has been overwritten already.
	if err := k.kv.Purge(ctx, subject); err != nil {
		return fmt.Errorf("seal: purge marker: %w", err)
	}
	return nil
}

// reapply shreds every key still in the bucket whose id is in the erasure
// log: after a restore of the key bucket from a backup, erasures made
// since the backup hold again before anything is read.
func (k *Keyring) reapply(ctx context.Context) error {
	info, err := k.erasures.Info(ctx, jetstream.WithSubjectFilter(erasureSubjectPrefix+">"))
	if err != nil {
		return fmt.Errorf("seal: erasure log: %w", err)
	}
	if len(info.State.Subjects) == 0 {
		return nil
	}
	keys, err := k.kv.ListKeys(ctx)
	if err != nil {
		return fmt.Errorf("seal: list keys: %w", err)
	}
	n := 0
	for key := range keys.Keys() {
		if _, ok := info.State.Subjects[erasureSubjectPrefix+key]; !ok {
			continue
		}
		if err := k.erase(ctx, key); err != nil {
			_ = keys.Stop()
			return err
		}
		n++
	}
	if n > 0 {
		k.log.Warn("seal: re-applied erasures from the erasure log to restored keys", "count", n)
	}
	return nil
}
