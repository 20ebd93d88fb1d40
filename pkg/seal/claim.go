package seal

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/store/leader"
)

// An owner claims its keys of before (ADR 0238, ADR 0234's phase 2): each
// key of its own that is still in the shared bucket is copied into its own
// bucket as it is (the wrapped bytes: the wrapping binds the subject, not
// the bucket), and then every revision of it in the shared bucket is
// securely deleted, with no purge marker: a marker there would make every
// keyring watching that bucket cache the person as erased. A crash
// between the copy and the delete leaves two equal copies, both readable;
// the next claim finds its own copy equal and finishes the delete.

// Claiming reports whether this keyring moves its keys of before: an
// owner creating in its own bucket (not SharedCreates, not ReadOnly)
// beside a shared bucket that holds any key.
func (k *Keyring) Claiming(ctx context.Context) (bool, error) {
	legacy, ok := k.legacy()
	if !ok || k.cfg.Owner == "" || k.cfg.SharedCreates || k.cfg.ReadOnly {
		return false, nil
	}
	info, err := legacy.stream.Info(ctx)
	if err != nil {
		return false, fmt.Errorf("seal: bucket %s: %w", legacy.bucket, err)
	}
	return info.State.Msgs > 0, nil
}

// Claim moves the keys of subjects (the owner's own: its people's, its job
// data's) that are still in the shared bucket into its own bucket, and
// returns how many it moved. Subjects without a key there are skipped, an
// erased one's marker stays. It does nothing unless Claiming. Safe to run
// on every replica at once, and again after a crash.
func (k *Keyring) Claim(ctx context.Context, subjects []string) (moved int, err error) {
	// One listing of the shared bucket instead of a history per subject:
	// after the first claim most subjects have no key there.
	there, err := k.Unclaimed(ctx)
	if err != nil || len(there) == 0 {
		return 0, err
	}
	legacy, _ := k.legacy()
	for _, s := range subjects {
		if !there[s] {
			continue
		}
		ok, err := k.claim(ctx, legacy, s)
		if err != nil {
			return moved, err
		}
		if ok {
			moved++
		}
	}
	return moved, nil
}

// Unclaimed returns the keys (not markers) still in the shared bucket
// when Claiming, none otherwise: a caller whose subjects are costly to
// find (job data) looks here first.
func (k *Keyring) Unclaimed(ctx context.Context) (map[string]bool, error) {
	if ok, err := k.Claiming(ctx); err != nil || !ok {
		return nil, err
	}
	legacy, _ := k.legacy()
	return keysIn(ctx, legacy)
}

// claimHook, when set (tests), runs after the copy and before the delete:
// a crash there is what it stands for.
var claimHook atomic.Pointer[func(subject string) error]

// claim moves subject's key from legacy into the own bucket, and reports
// whether it did.
func (k *Keyring) claim(ctx context.Context, legacy source, subject string) (bool, error) {
	hist, err := leader.Revisions(ctx, k.js, legacy.bucket, subject)
	if err != nil {
		return false, fmt.Errorf("seal: key history: %w", err)
	}
	if len(hist) == 0 {
		return false, nil
	}
	last := hist[len(hist)-1]
	if !last.Put {
		return false, nil // erased there: the marker stays
	}
	wrapped := last.Value
	dek, err := k.unwrap(subject, wrapped)
	if err != nil {
		return false, err
	}
	// Revision 0: never over an own key or an own marker.
	if _, err := k.kv.Update(ctx, subject, wrapped, 0); err != nil {
		if !errors.Is(err, jetstream.ErrKeyExists) && !errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			return false, fmt.Errorf("seal: claim key: %w", err)
		}
		// An own copy or marker exists (an earlier claim, another
		// replica's): the leader has it.
		own, _, err := leader.Get(ctx, k.js, k.cfg.Bucket, subject)
		if errors.Is(err, jetstream.ErrKeyDeleted) || errors.Is(err, jetstream.ErrKeyNotFound) {
			return false, nil // erased by its owner: Shred and its re-apply erase the shared copy
		}
		if err != nil {
			return false, fmt.Errorf("seal: claim key: %w", err)
		}
		ownDEK, err := k.unwrap(subject, own)
		if err != nil {
			return false, err
		}
		if subtle.ConstantTimeCompare(ownDEK, dek) != 1 {
			// Two different keys: something was sealed with each, so
			// neither may go. Never seen; reported by count.
			k.log.Warn("seal: a key of before differs from the owner's copy; both kept", "count", 1)
			return false, nil
		}
	}
	// A Shred racing the claim may have missed the copy: erase it as
	// create does.
	if erased, err := k.erased(ctx, subject); err != nil {
		return false, err
	} else if erased {
		if err := k.eraseIn(ctx, k.own(), subject); err != nil {
			return false, err
		}
		return false, k.eraseIn(ctx, legacy, subject)
	}
	if hook := claimHook.Load(); hook != nil {
		if err := (*hook)(subject); err != nil {
			return false, err
		}
	}
	for _, h := range hist {
		if !h.Put {
			continue
		}
		if err := legacy.stream.SecureDeleteMsg(ctx, h.Seq); err != nil && !errors.Is(err, jetstream.ErrMsgNotFound) {
			return false, fmt.Errorf("seal: secure delete: %w", err)
		}
	}
	return true, nil
}

// keysIn returns the keys src's stream holds a message of (a value or a
// marker), from the stream's subject counts (reapply.go).
func keysIn(ctx context.Context, src source) (map[string]bool, error) {
	counts, err := subjectCounts(ctx, src)
	if err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(counts))
	for key := range counts {
		out[key] = true
	}
	return out, nil
}
