package seal

import (
	"context"
	"fmt"
	"strings"

	"github.com/nats-io/nats.go/jetstream"
)

// The re-apply at start shreds every key still in a bucket whose id is in
// the erasure log: after a restore of the key bucket from a backup,
// erasures made since the backup hold again before anything is read. An
// owner re-applies only its own erasures (and those of before, ADR 0234),
// to its own bucket and to the shared one of before.
//
// It costs one request per bucket and the log's, however long the log
// (ADR 0243): an erased key's subject holds its purge marker alone (Shred
// securely deletes every value, then purges with a rollup), so only a
// subject whose last message is a value, or that holds more than one
// message, can hold a key to erase again. The last message of every
// subject is what Open's watch reads in its first pass anyway; the
// stream's subject counts (one STREAM.INFO) say which hold more than one.
// Before, every erased subject's revisions were read at every start, one
// request each at least.

// reapplyPlan is the re-apply of one bucket: the keys the erasure log
// names that its stream holds a message of, and of those the ones to erase
// again, known once the bucket's watch has ended its first pass.
type reapplyPlan struct {
	src source
	// named: key -> it holds more than one message (read whatever its
	// last message is).
	named map[string]bool
	// values are the named keys whose last message the watch delivered
	// as a value; written by the watch until its first pass ends.
	values map[string]bool
}

// planReapply lists, for the own bucket and the shared one of before, the
// keys the erasure log names: one STREAM.INFO of the log and one of each
// bucket. None for a keyring that erases nothing, or an empty log.
func (k *Keyring) planReapply(ctx context.Context) (map[string]*reapplyPlan, error) {
	if k.cfg.ReadOnly {
		return nil, nil // it erases nothing, and logs nothing to re-apply
	}
	info, err := k.erasures.Info(ctx, jetstream.WithSubjectFilter(erasureSubjectPrefix+">"))
	if err != nil {
		return nil, fmt.Errorf("seal: erasure log: %w", err)
	}
	if len(info.State.Subjects) == 0 {
		return nil, nil
	}
	srcs := []source{k.own()}
	if legacy, ok := k.legacy(); ok {
		srcs = append(srcs, legacy)
	}
	plans := map[string]*reapplyPlan{}
	for _, src := range srcs {
		counts, err := subjectCounts(ctx, src)
		if err != nil {
			return nil, err
		}
		p := &reapplyPlan{src: src, named: map[string]bool{}, values: map[string]bool{}}
		for key, n := range counts {
			for _, logged := range k.erasureSubjects(key) {
				if _, ok := info.State.Subjects[logged]; ok {
					p.named[key] = n > 1
					break
				}
			}
		}
		if len(p.named) > 0 {
			plans[src.bucket] = p
		}
	}
	return plans, nil
}

// seen notes the last message of a named key the watch delivered in its
// first pass: a value (put) is to be erased again.
func (p *reapplyPlan) seen(key string, put bool) bool {
	if _, ok := p.named[key]; !ok {
		return false
	}
	if put {
		p.values[key] = true
	} else {
		delete(p.values, key)
	}
	return true
}

// reapply erases again what the plans found, once every watch has ended
// its first pass, and counts the keys it erased (not subjects already a
// marker).
func (k *Keyring) reapply(ctx context.Context, plans map[string]*reapplyPlan) error {
	n := 0
	for _, p := range plans {
		for key, several := range p.named {
			if !several && !p.values[key] {
				continue // its marker alone
			}
			found, err := k.eraseFound(ctx, p.src, key)
			if err != nil {
				return err
			}
			if found {
				n++
			}
			// Never preloaded (watch), so nothing cached to drop but
			// what a concurrent miss may have read: as the marker's
			// own delivery would.
			if k.cfg.Owner != "" {
				k.evict(key)
			} else {
				k.setShredded(key)
			}
		}
	}
	if n > 0 {
		k.log.Warn("seal: re-applied erasures from the erasure log to restored keys", "count", n)
	}
	return nil
}

// subjectCounts returns how many messages src's stream holds of each key
// (a value or a marker), from the stream's subject counts: one request,
// no watcher. A watcher (kv.ListKeys) waited for the messages pending
// when it started, and another process's secure delete meanwhile (a
// claim, ADR 0238) could leave it waiting for ever.
func subjectCounts(ctx context.Context, src source) (map[string]uint64, error) {
	prefix := "$KV." + src.bucket + "."
	info, err := src.stream.Info(ctx, jetstream.WithSubjectFilter(prefix+">"))
	if err != nil {
		return nil, fmt.Errorf("seal: list keys of %s: %w", src.bucket, err)
	}
	out := make(map[string]uint64, len(info.State.Subjects))
	for s, n := range info.State.Subjects {
		out[strings.TrimPrefix(s, prefix)] = n
	}
	return out, nil
}
