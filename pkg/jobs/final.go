package jobs

import (
	"context"
	"fmt"
	"maps"
)

// finish drops a succeeded job's snapshot (it names people, and nothing
// reads it again; a failed job keeps it for a resume) and runs OnFinish.
func (m *Manager) finish(ctx context.Context, j Job) error {
	if m.cfg.Data != nil && j.State == Succeeded {
		if err := m.dropData(ctx, j.ID, SnapshotKind); err != nil {
			return err
		}
	}
	if m.cfg.OnFinish != nil {
		return m.cfg.OnFinish(ctx, j)
	}
	return nil
}

// limit is the attempt after which job j fails.
func (m *Manager) limit(j Job) int {
	if j.AttemptLimit > 0 {
		return j.AttemptLimit
	}
	return m.cfg.MaxAttempts
}

// tally runs Config.Tally for j; on an error it logs and returns nil, so
// the job keeps the counts it reported.
func (m *Manager) tally(ctx context.Context, j Job) map[string]int64 {
	if m.cfg.Tally == nil {
		return nil
	}
	c, err := m.cfg.Tally(ctx, j)
	if err != nil {
		m.log.Warn("jobs: tally failed; keeping the reported counts", "job", j.ID, "err", err)
		return nil
	}
	return c
}

// merged returns a fresh map of a overlaid with b.
func merged(a, b map[string]int64) map[string]int64 {
	if len(b) == 0 {
		return a
	}
	out := make(map[string]int64, len(a)+len(b))
	maps.Copy(out, a)
	maps.Copy(out, b)
	return out
}

// expire removes finished jobs older than Retention, with their data.
// Every replica may run it: removing twice is harmless.
func (m *Manager) expire(ctx context.Context) {
	cutoff := m.cfg.Now().Add(-m.cfg.Retention)
	old := m.List(func(j Job) bool { return j.State.Final() && !j.Finished.IsZero() && j.Finished.Before(cutoff) })
	for _, j := range old {
		if err := m.remove(ctx, j.ID); err != nil {
			m.log.Warn("jobs: could not remove an expired job", "job", j.ID, "err", err)
		}
	}
}

// remove drops a job's data and then its record.
func (m *Manager) remove(ctx context.Context, id string) error {
	if m.cfg.Data != nil {
		if err := m.dropData(ctx, id, SnapshotKind, ResultKind); err != nil {
			return err
		}
	}
	if err := m.kv.Purge(ctx, id); err != nil {
		return fmt.Errorf("jobs: purge %s: %w", id, err)
	}
	return nil
}

// dropData deletes job id's objects of kinds, holding the Forget lock
// when Forget rewrites objects (Config.Redact): a delete reads the key of
// the version it shreds before it deletes, as a Forget's put does, so a
// Forget's new version written in between was deleted with its key left
// whole, and that version's copy in the store's blocks stayed readable
// (a succeeded job's snapshot, naming everyone else in it).
func (m *Manager) dropData(ctx context.Context, id string, kinds ...Kind) error {
	if m.cfg.Redact != nil {
		hold, unlock, err := m.lockForget(ctx)
		if err != nil {
			return err
		}
		defer unlock()
		ctx = hold
	}
	for _, k := range kinds {
		if err := m.cfg.Data.Delete(ctx, id, k); err != nil {
			return err
		}
	}
	return nil
}
