package store

import "context"

// claimKeys moves the data keys of this bucket's people that are still
// in the shared key bucket of before into the owner's own bucket (ADR
// 0238, seal.Keyring.Claim), once the index is loaded: only a bucket
// keyed by its person's id (no Config.Subject) is its people's owner. It
// runs beside the service, which reads the keys wherever they are
// meanwhile; a failure or a stop leaves the rest to the next start. The
// log says counts, never ids.
func (r *Repo[T]) claimKeys(ctx context.Context) {
	defer close(r.claimDone)
	if r.cfg.Keyring == nil || r.cfg.Subject != nil {
		return
	}
	claiming, err := r.cfg.Keyring.Claiming(ctx)
	if err != nil || !claiming {
		if err != nil && ctx.Err() == nil {
			r.log.Warn("store: the data keys of before are not moved at this start", "err", err)
		}
		return
	}
	r.mu.RLock()
	subjects := make([]string, 0, len(r.records))
	for key := range r.records {
		subjects = append(subjects, key)
	}
	r.mu.RUnlock()
	moved, err := r.cfg.Keyring.Claim(ctx, subjects)
	if err != nil {
		if ctx.Err() == nil {
			r.log.Warn("store: the data keys of before are not all moved; the next start goes on", "moved", moved, "records", len(subjects), "err", err)
		}
		return
	}
	if moved > 0 {
		r.log.Info("store: moved the data keys of before into the owner's bucket", "moved", moved, "records", len(subjects))
	}
}
