package seal

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/store/leader"
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
	if k.cfg.ReadOnly {
		return ErrNoOwnKeys
	}
	logged := k.erasureSubjects(subject)[0]
	msg := &nats.Msg{Subject: logged, Data: []byte(time.Now().UTC().Format(time.RFC3339))}
	// The id deduplicates a retry; each owner's erasure of one subject is
	// its own (ADR 0234), so it names the subject in the log.
	id := "erasure-" + subject
	if k.cfg.Owner != "" {
		id = "erasure-" + strings.TrimPrefix(logged, erasureSubjectPrefix)
	}
	if _, err := k.js.PublishMsg(ctx, msg, jetstream.WithMsgID(id)); err != nil {
		return fmt.Errorf("seal: erasure log: %w", err)
	}
	k.setShredded(subject)
	if err := k.erase(ctx, subject); err != nil {
		return err
	}
	// An owner's key made before its bucket is still in the shared one;
	// where there is none, no marker is left there.
	if legacy, ok := k.legacy(); ok {
		hist, err := leader.Revisions(ctx, k.js, legacy.bucket, subject)
		if err != nil {
			return fmt.Errorf("seal: key history: %w", err)
		}
		if len(hist) > 0 {
			if err := k.eraseIn(ctx, legacy, subject); err != nil {
				return err
			}
		}
	}
	k.shredded.Add(ctx, 1)
	return nil
}

// erase securely deletes every revision of subject's key in the own
// bucket and leaves a purge marker, which replicas watch and which
// refuses a re-creation.
func (k *Keyring) erase(ctx context.Context, subject string) error {
	return k.eraseIn(ctx, k.own(), subject)
}

// eraseIn is erase in the bucket src.
func (k *Keyring) eraseIn(ctx context.Context, src source, subject string) error {
	_, err := k.eraseFound(ctx, src, subject)
	return err
}

// eraseFound is eraseIn, and reports whether there was a key to erase
// (not only a marker): the re-apply counts only those.
func (k *Keyring) eraseFound(ctx context.Context, src source, subject string) (bool, error) {
	hist, err := leader.Revisions(ctx, k.js, src.bucket, subject)
	if err != nil {
		return false, fmt.Errorf("seal: key history: %w", err)
	}
	marked := false
	for _, e := range hist {
		if !e.Put {
			marked = true
			continue
		}
		marked = false
		if err := src.stream.SecureDeleteMsg(ctx, e.Seq); err != nil && !errors.Is(err, jetstream.ErrMsgNotFound) {
			return false, fmt.Errorf("seal: secure delete: %w", err)
		}
	}
	if marked {
		return false, nil // the last entry is already the marker
	}
	// The purge's rollup removes nothing left to read: every revision
	// above has been overwritten already.
	if err := src.kv.Purge(ctx, subject); err != nil {
		return false, fmt.Errorf("seal: purge marker: %w", err)
	}
	return true, nil
}
