package store

import (
	"sync/atomic"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/kvwatch"
)

// An index whose first pass ended by ADR 0243's fallback (15 s with a
// message left that the watch was not delivered: its consumer on a
// replica whose catch-up stalls) held only part of the bucket, and Open
// returned with it: a list answered from it named part of the records,
// as if the rest did not exist (ADR 0250's "not done"). Such an index now
// knows the revision it must reach, the bucket's last message at the
// stream's leader when the pass ended (kvwatch's Watcher.Short), and
// refuses Find with Unavailable until the watch has applied it; the
// service's readiness says not ready meanwhile (Behind). The check is a
// field read: no request per call (ADR 0255).

// errBehind is Find's answer while the index is behind its bucket.
var errBehind = apperr.Errorf(apperr.Unavailable, "the list is not ready yet: this replica is still reading its records; try again in a moment")

// behindRepos counts the repositories of this process whose index is
// behind its bucket (Behind).
var behindRepos atomic.Int64

// Behind is how many repositories of this process have an index still
// behind their bucket after Open: a service's readiness is "not ready"
// while it is above 0 (pkg/service, the gateway's /readyz).
func Behind() int { return int(behindRepos.Load()) }

// Behind reports whether r's index is still short of what its bucket held
// when the first pass ended, so Find refuses.
func (r *Repo[T]) Behind() bool { return r.behindUntil.Load() != 0 }

// noteShortLocked is called at the end of the first pass: when the watch
// w ended it short of the leader's last message, the index is behind
// until the watch applies that revision.
func (r *Repo[T]) noteShortLocked(w jetstream.KeyWatcher) {
	kw, ok := w.(*kvwatch.Watcher)
	if !ok {
		return
	}
	upTo := kw.Short()
	if upTo == 0 || r.watched >= upTo || r.behindUntil.Load() != 0 {
		return
	}
	r.behindUntil.Store(upTo)
	behindRepos.Add(1)
	r.log.Warn("store: the index opened short of its bucket; lists answer Unavailable until the watch catches up",
		"watched", r.watched, "upTo", upTo)
}

// caughtUpLocked ends a behind index once the watch applied its revision.
func (r *Repo[T]) caughtUpLocked() {
	u := r.behindUntil.Load()
	if u == 0 || r.watched < u {
		return
	}
	r.behindUntil.Store(0)
	behindRepos.Add(-1)
	r.log.Info("store: the index caught up with its bucket", "watched", r.watched)
}

// closeBehind takes a closed repository out of Behind's count.
func (r *Repo[T]) closeBehind() {
	if r.behindUntil.Swap(0) != 0 {
		behindRepos.Add(-1)
	}
}
