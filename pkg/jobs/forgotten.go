package jobs

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/ensure"
)

// The forgotten log closes the window ADR 0041 left open: a job that read
// a person before their erasure reached this programme, and writes its
// snapshot or result after Forget looked for objects naming them
// (docs/adr/0130). Forget appends the person's id to it when it has
// redacted every stored object, still holding the Forget lock; the runner
// notes the log's last sequence when an attempt starts, and every put of
// job data takes the same lock, reads the ids appended since, redacts
// them from what it is about to write, then puts. So for any person P and
// any put W, under the one lock, either Forget(P) holds it after W (and
// redacts what W stored) or before: then either it finished before W's
// attempt began (its erasure event was published earlier still, so the
// attempt's synced snapshot lacks P, and a stored snapshot it read was
// redacted already) or its id is in what W reads. Erasures are rare: one
// request per put when none came, one more per id when some did.
//
// The erasure log of pkg/seal is not enough for this: a store erases a
// record by publishing its erased event first and shredding the key
// (which appends to the erasure log) after, so a programme can run Forget
// before the id is there; and a job's snapshot can hold someone whose key
// was shredded long before the job began, while their erased event waited
// in an outbox. The forgotten log is written by the very step whose
// window it closes.

// forgottenKeep is how long the forgotten log keeps an id: longer than
// any attempt of a job runs (minutes at national scale). An attempt that
// finds the ids since its start partly gone fails and is retried, with a
// fresh start.
const forgottenKeep = 24 * time.Hour

// openForgotten creates (or updates) the job kind's forgotten log. Its
// reads go to the stream leader (no direct gets), so a put sees every id
// a Forget appended before it took the lock, on any replica.
func openForgotten(ctx context.Context, js jetstream.JetStream, name string, replicas int) (jetstream.Stream, string, error) {
	subject := "jobs." + name + ".forgotten"
	s, err := ensure.Stream(ctx, js, jetstream.StreamConfig{
		Name:        "JOBS_" + strings.ToUpper(name) + "_FORGOTTEN",
		Description: "ids Forget removed from stored job data, read by job writes (ids only)",
		Subjects:    []string{subject},
		Storage:     jetstream.FileStorage,
		Replicas:    replicas,
		MaxAge:      forgottenKeep,
	})
	if err != nil {
		return nil, "", fmt.Errorf("jobs: forgotten log: %w", err)
	}
	return s, subject, nil
}

// forgottenMark returns the forgotten log's last sequence: a job attempt
// notes it before it reads its snapshot (stored or live), and its puts
// redact every id appended after it. Zero when there is no log.
func (m *Manager) forgottenMark(ctx context.Context) (uint64, error) {
	if m.forgotten == nil {
		return 0, nil
	}
	info, err := m.forgotten.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("jobs: forgotten log: %w", err)
	}
	return info.State.LastSeq, nil
}

// noteForgotten appends id to the forgotten log; Forget calls it last,
// with the lock held.
func (m *Manager) noteForgotten(ctx context.Context, id string) error {
	if m.forgotten == nil {
		return nil
	}
	if _, err := m.js.Publish(ctx, m.forgottenSubject, []byte(id)); err != nil {
		return fmt.Errorf("jobs: forgotten log: %w", err)
	}
	return nil
}

// errForgottenExpired fails an attempt that ran longer than the forgotten
// log keeps ids, or whose log was made anew under it: it cannot tell whom
// it must leave out, so it starts again with a fresh mark.
var errForgottenExpired = errors.New("jobs: the forgotten log no longer holds every id since the attempt began")

// forgottenSince returns the ids appended to the forgotten log after
// sequence mark (with repeats: Forget runs again on a redelivery).
func (m *Manager) forgottenSince(ctx context.Context, mark uint64) ([]string, error) {
	info, err := m.forgotten.Info(ctx)
	if err != nil {
		return nil, fmt.Errorf("jobs: forgotten log: %w", err)
	}
	last := info.State.LastSeq
	switch {
	case last == mark:
		return nil, nil // the common path: no one forgotten since
	case last < mark, info.State.FirstSeq > mark+1:
		// Expired, or the stream was made again (a restore): the ids
		// since the mark cannot all be read.
		return nil, errForgottenExpired
	}
	ids := make([]string, 0, last-mark)
	for seq := mark + 1; seq <= last; seq++ {
		msg, err := m.forgotten.GetMsg(ctx, seq)
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			return nil, errForgottenExpired
		}
		if err != nil {
			return nil, fmt.Errorf("jobs: forgotten log: %w", err)
		}
		ids = append(ids, string(msg.Data))
	}
	return ids, nil
}

// putData stores raw as job id's object of kind, without anyone Forget
// finished with since the attempt's mark (see forgottenMark), and returns
// its reference and what it stored. It holds the Forget lock from reading
// the log until the put returns, so no Forget runs in between. Without
// Redact, or a log, it is a plain put, as before ADR 0130.
func (m *Manager) putData(ctx context.Context, mark uint64, id string, kind Kind, raw []byte) (string, []byte, error) {
	d, redact := m.cfg.Data, m.cfg.Redact
	if redact == nil || m.forgotten == nil {
		ref, err := d.Put(ctx, id, kind, raw)
		return ref, raw, err
	}
	hold, unlock, err := m.lockForget(ctx)
	if err != nil {
		return "", nil, err
	}
	defer unlock()
	gone, err := m.forgottenSince(hold, mark)
	if err != nil {
		return "", nil, err
	}
	for _, who := range gone {
		out, changed, err := redact(kind, raw, who)
		if err != nil {
			return "", nil, Permanent(fmt.Errorf("jobs: redact %s of %s: %w", kind, id, err))
		}
		if changed {
			raw = out
		}
	}
	ref, err := d.Put(hold, id, kind, raw)
	return ref, raw, err
}
